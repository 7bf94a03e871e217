public import FeedwatchModel

/// An entry as the parser finished reading it, its title, summary and content still the bytes
/// they were written in.
///
/// Turning those bytes into plain text (HTML to text, entities, whitespace) is most of what an
/// entry costs after libxml2 has read it, and a document is read on one thread: in the daemon the
/// transfer thread, which every feed's body passes through. A draft leaves the conversion to
/// whoever takes the entry, on its own thread: `resolved()` does it, choosing among the captured
/// candidates by the same priorities, in the same order, as the parser would have. An entry
/// whose candidates pile up (a hostile one repeating `<description>`) has the earlier ones
/// converted and chosen by the parser as it goes, so a draft holds at most about one field's
/// worth of bytes.
public struct EntryDraft: Sendable {
    /// Every field but the title, summary and content, and those chosen so far.
    var entry: Entry
    /// The priorities `entry`'s title, summary and content were chosen at.
    var choice: TextChoice
    /// The candidates not yet converted, in document order.
    var texts: [CapturedText]

    /// A draft of an entry already complete (a JSON Feed item): `resolved()` gives it back.
    public init(_ entry: Entry) {
        self.init(entry: entry, choice: TextChoice(), texts: [])
    }

    init(entry: Entry, choice: TextChoice, texts: [CapturedText]) {
        self.entry = entry
        self.choice = choice
        self.texts = texts
    }

    /// The entry, its text fields converted and chosen.
    public func resolved() -> Entry {
        var e = entry
        var choice = choice
        for captured in texts { choice.take(captured, into: &e) }
        return e
    }
}

/// The rules that choose an entry's title, summary and content among the elements that give one,
/// applied to the candidates in document order.
struct TextChoice: Sendable {
    private var titleRank = 0
    private var summaryRank = 0
    private var contentRank = 0
    /// Whether a summary element (description, summary, …) was read, even an empty one.
    private var summaryDeclared = false

    /// Converts `captured` and makes it the entry's field if it outranks what is there.
    mutating func take(_ captured: CapturedText, into e: inout Entry) {
        take(captured.field, captured.text(), into: &e)
    }

    /// Makes `text` (nil: the element held none) the entry's `field` if it outranks what is there
    /// (a later candidate of equal rank wins; an empty one never does).
    mutating func take(_ field: CapturedText.Field, _ text: String?, into e: inout Entry) {
        guard let text else { return }
        switch field {
        case .title(let rank):
            if rank >= titleRank && !text.isEmpty { (e.title, titleRank) = (text, rank) }
        case .summary(let rank):
            // Rank 0 is media:description: the entry's summary only where the entry has no
            // summary element at all, not even an empty one (NYT writes an image's caption there
            // beside an empty <description>; feedparser reads it the same way).
            if rank > 0 {
                summaryDeclared = true
            } else if summaryDeclared {
                return
            }
            if rank >= summaryRank && !text.isEmpty { (e.summary, summaryRank) = (text, rank) }
        case .content(let rank):
            if rank >= contentRank && !text.isEmpty { (e.content, contentRank) = (text, rank) }
        }
    }
}

/// What a captured field's bytes are written in.
enum TextKind: Equatable, Sendable {
    /// Plain text: only whitespace is collapsed.
    case plain
    /// HTML source, possibly with markup given as child elements.
    case html
    /// XHTML child elements: text arrives decoded and is escaped as it is captured.
    case xhtml
    /// Atom 0.3 `mode="base64"`: base64 of HTML.
    case base64
    /// Content that is not text (an image inline in Atom content): not captured.
    case skip

    /// The plain text of `bytes` written in this kind; nil when they hold no text (an inline
    /// image in base64).
    func text(of bytes: [UInt8]) -> String? {
        switch self {
        case .plain: return bytes.withUnsafeBufferPointer { HTMLText.text(fromPlain: $0) }
        case .html, .xhtml: return bytes.withUnsafeBufferPointer { HTMLText.text(fromHTML: $0) }
        case .base64:
            // Inline binary (an image) decodes to bytes that are not text: nothing to keep.
            let decoded = Base64.decode(bytes)
            guard !decoded.contains(0), String(validating: decoded, as: UTF8.self) != nil else { return nil }
            return decoded.withUnsafeBufferPointer { HTMLText.text(fromHTML: $0) }
        case .skip: return nil
        }
    }
}

/// One candidate for an entry's title, summary or content, with the priority of the element it
/// came from.
struct CapturedText: Sendable {
    enum Field: Sendable {
        case title(Int)
        case summary(Int)
        case content(Int)
    }

    let field: Field
    let kind: TextKind
    let bytes: [UInt8]

    func text() -> String? { kind.text(of: bytes) }
}
