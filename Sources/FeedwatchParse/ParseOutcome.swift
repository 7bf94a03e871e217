public import FeedwatchModel

/// Bounds that keep a hostile or broken document from costing more than a normal feed.
public struct ParseLimits: Sendable {
    /// Element nesting deeper than this refuses the document (libxml2's own 256 applies to trees only).
    public var maxDepth: Int
    /// Entries past this many are not read; the document's first (newest) entries are kept.
    public var maxEntries: Int
    /// Bytes of text kept per field; longer fields are cut at a character boundary.
    public var maxFieldBytes: Int
    /// Decoded bytes read per document; the rest is not parsed.
    public var maxDocumentBytes: Int
    /// Authors, categories, enclosures and media kept per entry (each list on its own); the rest
    /// are not read. Each is compared with the ones kept, so the bound also bounds that work.
    public var maxListItems: Int
    /// Attributes and namespace declarations of one XML tag. libxml2 2.9 checks each against all
    /// the tag's others, so 300,000 of them in one start tag took 71 s on the thread every
    /// transfer shares; real feeds use a few dozen at most.
    public var maxTagAttributes: Int

    public init(
        maxDepth: Int = 256, maxEntries: Int = 10_000, maxFieldBytes: Int = 1 << 20, maxDocumentBytes: Int = 64 << 20,
        maxListItems: Int = 100, maxTagAttributes: Int = 1024
    ) {
        self.maxDepth = maxDepth
        self.maxEntries = maxEntries
        self.maxFieldBytes = maxFieldBytes
        self.maxDocumentBytes = maxDocumentBytes
        self.maxListItems = maxListItems
        self.maxTagAttributes = maxTagAttributes
    }

    public static let `default` = ParseLimits()
}

/// What went wrong with a document, from "nothing usable" to "recovered with a complaint".
public enum ParseProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// No bytes, or only whitespace.
    case empty
    /// A document that is not a feed: an HTML page, a JSON error body, another XML vocabulary.
    case notAFeed(String)
    /// A document refused for safety: entity declarations, nesting past the depth limit.
    case refused(String)
    /// A limit stopped the parse; what was read before it is kept.
    case truncated(String)
    /// Not well-formed; the parser recovered what it could (the message is libxml2's first error).
    case malformed(String)

    /// True when the document yields nothing to trust: the poll failed, and the feed's stories must
    /// not be treated as gone.
    public var isFatal: Bool {
        switch self {
        case .empty, .notAFeed, .refused: return true
        case .truncated, .malformed: return false
        }
    }

    public var description: String {
        switch self {
        case .empty: return "empty document"
        case .notAFeed(let why): return "not a feed: \(why)"
        case .refused(let why): return "refused: \(why)"
        case .truncated(let why): return "truncated: \(why)"
        case .malformed(let why): return "not well-formed (recovered): \(why)"
        }
    }
}

extension ParseProblem {
    /// The limits' cuts, worded once for the XML and the JSON Feed parser.
    static func entriesCut(_ limits: ParseLimits) -> ParseProblem {
        .truncated("more than \(limits.maxEntries) entries; the first \(limits.maxEntries) were read")
    }

    static func fieldCut(_ limits: ParseLimits) -> ParseProblem {
        .truncated("a field longer than \(limits.maxFieldBytes >> 10) KiB was cut")
    }

    static func listCut(_ limits: ParseLimits) -> ParseProblem {
        .truncated(
            "an entry listed more than \(limits.maxListItems) authors, categories, enclosures or media; "
                + "the first \(limits.maxListItems) were kept")
    }
}

/// The result of parsing one document.
public struct ParseOutcome: Sendable {
    public var feed: FeedInfo
    /// The entries, in document order, unless they were handed to a streaming callback instead.
    public var entries: [Entry]
    /// How many entries were read (also when streamed).
    public var entryCount: Int
    public var problem: ParseProblem?
    /// The encoding the document was read in, for diagnostics.
    public var encoding: String

    public init(feed: FeedInfo, entries: [Entry], entryCount: Int, problem: ParseProblem?, encoding: String) {
        self.feed = feed
        self.entries = entries
        self.entryCount = entryCount
        self.problem = problem
        self.encoding = encoding
    }
}
