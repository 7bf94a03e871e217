import Foundation

/// The fields of a story a term can be looked for in.
public struct FieldSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let title = FieldSet(rawValue: 1)
    public static let summary = FieldSet(rawValue: 2)
    public static let content = FieldSet(rawValue: 4)
    public static let category = FieldSet(rawValue: 8)
    public static let author = FieldSet(rawValue: 16)
    public static let link = FieldSet(rawValue: 32)
    public static let feed = FieldSet(rawValue: 64)

    /// Where an unscoped term is looked for: the story's text and its categories.
    public static let text: FieldSet = [.title, .summary, .content, .category]

    /// The field (or `text`) of this name, as written in expressions and in a watch's `fields`.
    public init?(name: String) {
        guard let set = Self.byName[name.lowercased()] else { return nil }
        self = set
    }

    /// The names `init(name:)` accepts, for error messages.
    public static let names = (ordered.map(\.1) + ["text"]).joined(separator: ", ")

    static let byName: [String: FieldSet] = [
        "title": .title, "summary": .summary, "content": .content, "category": .category, "author": .author,
        "link": .link, "feed": .feed, "text": .text,
    ]

    /// Fields in a fixed order, with the names events and explanations use.
    static let ordered: [(FieldSet, String)] = [
        (.title, "title"), (.summary, "summary"), (.content, "content"), (.category, "category"),
        (.author, "author"), (.link, "link"), (.feed, "feed"),
    ]
}

/// A leaf of an expression: what to look for, and where.
struct TermSpec: Hashable {
    enum Kind: Hashable {
        /// One or more folded words, consecutive in the text (a phrase when more than one); the last
        /// may be a prefix (`Iraq*`).
        case words([[UInt8]], lastIsPrefix: Bool)
        /// A regular expression over the original text of each field (case-insensitive).
        case regex(String)
    }

    var kind: Kind
    var fields: FieldSet
    /// Written as an abbreviation ("U.S."): the story's word must be in capitals or dotted.
    var abbreviation: Bool
    /// The term as the watch wrote it, for explanations.
    var display: String

    static func == (a: TermSpec, b: TermSpec) -> Bool {
        a.kind == b.kind && a.fields == b.fields && a.abbreviation == b.abbreviation
    }

    func hash(into h: inout Hasher) {
        h.combine(kind)
        h.combine(fields)
        h.combine(abbreviation)
    }
}

/// A watch's condition over its terms, as parsed.
indirect enum Expr {
    case term(TermSpec)
    case and([Expr])
    case or([Expr])
    case not(Expr)
    /// Both sides within `distance` words of each other, in either order, in the same field.
    case near(Expr, Expr, distance: Int)
}

/// A mistake in a watch expression, with the 1-based character position it was found at.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let position: Int
    public let message: String

    public init(position: Int, message: String) {
        self.position = position
        self.message = message
    }

    public var description: String { "at position \(position): \(message)" }
}

/// Every problem found in one expression, in the order of their positions.
struct ExpressionErrors: Error {
    let errors: [ExpressionError]

    init(_ errors: [ExpressionError]) { self.errors = errors }
}
