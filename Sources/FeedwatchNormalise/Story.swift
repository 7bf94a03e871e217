public import FeedwatchModel

/// An entry with its identity: the story key that says which story it is, and the content hash
/// that says which version of it. See README "Identity" for the model.
///
/// A class of constants, not a struct: a story is handed from the poll to the store's writer, into
/// the sighting the matcher decides on and the events made from it, and a struct of an entry's
/// strings and six digests was copied whole each time (twenty-odd reference counts up, and down
/// again, per copy: a tenth of a cold cycle's reference counting).
public final class Story: Sendable {
    public enum KeySource: String, Sendable {
        /// The publisher's id (RSS guid, Atom id).
        case id
        /// The canonical link (no id, or ids the feed cannot be trusted with).
        case link
        /// A hash of the normalised title and body (neither id nor link).
        case text
    }

    public let entry: Entry
    /// SHA-256 of `keySource` and its value.
    public let key: [UInt8]
    public let keySource: KeySource
    /// SHA-256 of the canonical form: normalised title, canonical link, normalised body.
    public let contentHash: [UInt8]
    /// SHA-256 of the canonical link, if there is a link.
    public let linkHash: [UInt8]?
    /// SHA-256 of the normalised title and body: the same text under a new id or link.
    public let textHash: [UInt8]
    /// SHA-256 of the normalised title: whether an edit changed the headline.
    public let titleHash: [UInt8]
    /// SHA-256 of the normalised body with its numbers taken out: an edit that only moved a
    /// comment or view count is noise, not an update.
    public let bodyHash: [UInt8]
    public let canonicalLink: String?

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

    /// The same story under another key: in a document whose ids are not unique, an entry keyed
    /// by its link or its text instead.
    func rekeyed(_ key: [UInt8], _ source: KeySource) -> Story {
        Story(
            entry: entry, key: key, keySource: source, contentHash: contentHash, linkHash: linkHash, textHash: textHash,
            titleHash: titleHash, bodyHash: bodyHash, canonicalLink: canonicalLink)
    }
}
