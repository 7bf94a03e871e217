public import FeedwatchModel

/// An entry with its identity: the story key that says which story it is, and the content hash
/// that says which version of it. See README "Identity" for the model.
public struct Story: Sendable {
    public enum KeySource: String, Sendable {
        /// The publisher's id (RSS guid, Atom id).
        case id
        /// The canonical link (no id, or ids the feed cannot be trusted with).
        case link
        /// A hash of the normalised title and body (neither id nor link).
        case text
    }

    public var entry: Entry
    /// SHA-256 of `keySource` and its value.
    public var key: [UInt8]
    public var keySource: KeySource
    /// SHA-256 of the canonical form: normalised title, canonical link, normalised body.
    public var contentHash: [UInt8]
    /// SHA-256 of the canonical link, if there is a link.
    public var linkHash: [UInt8]?
    /// SHA-256 of the normalised title and body: the same text under a new id or link.
    public var textHash: [UInt8]
    /// SHA-256 of the normalised title: whether an edit changed the headline.
    public var titleHash: [UInt8]
    /// SHA-256 of the normalised body with its numbers taken out: an edit that only moved a
    /// comment or view count is noise, not an update.
    public var bodyHash: [UInt8]
    public var canonicalLink: String?

    public init(
        entry: Entry, key: [UInt8], keySource: KeySource, contentHash: [UInt8], linkHash: [UInt8]?, textHash: [UInt8],
        titleHash: [UInt8] = [], bodyHash: [UInt8] = [], canonicalLink: String?
    ) {
        self.entry = entry
        self.key = key
        self.keySource = keySource
        self.contentHash = contentHash
        self.linkHash = linkHash
        self.textHash = textHash
        self.titleHash = titleHash
        self.bodyHash = bodyHash
        self.canonicalLink = canonicalLink
    }
}
