/// A watch as the configuration gives it: an expression, the simple lists, or both (ANDed).
public struct WatchDefinition: Sendable {
    public var name: String
    /// The watch language (see `ExpressionParser`).
    public var expression: String?
    /// Simple form: at least one of `any`, all of `all`, none of `none`.
    public var any: [String]
    public var all: [String]
    public var none: [String]
    /// Where the watch's unscoped terms are looked for (`title:` and the like still choose their
    /// own field): all of the text by default, or, say, headline and summary only, so that a word
    /// in paragraph twelve of a long article does not make it a story about that word.
    public var fields: FieldSet

    public init(
        name: String, expression: String? = nil, any: [String] = [], all: [String] = [], none: [String] = [],
        fields: FieldSet = .text
    ) {
        self.name = name
        self.expression = expression
        self.any = any
        self.all = all
        self.none = none
        self.fields = fields
    }
}

/// A watch that could not be compiled, and where.
public struct WatchError: Error, Sendable, CustomStringConvertible {
    public enum Place: Sendable, Equatable {
        case expression
        case list(String, index: Int)
        case watch
    }

    public let watch: String
    public let place: Place
    public let error: ExpressionError

    public var description: String {
        switch place {
        case .expression: return "watch \"\(watch)\": expression \(error)"
        case .list(let key, let index): return "watch \"\(watch)\": \(key)[\(index + 1)]: \(error.message)"
        case .watch: return "watch \"\(watch)\": \(error.message)"
        }
    }
}

public struct WatchErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [WatchError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The text of a story, by field, as the matcher reads it.
public struct StoryText: Sendable {
    public var title: String
    public var summary: String
    public var content: String
    public var categories: [String]
    public var authors: [String]
    public var link: String
    /// The feed's title and URL.
    public var feed: String

    public init(
        title: String, summary: String = "", content: String = "", categories: [String] = [], authors: [String] = [],
        link: String = "", feed: String = ""
    ) {
        self.title = title
        self.summary = summary
        self.content = content
        self.categories = categories
        self.authors = authors
        self.link = link
        self.feed = feed
    }
}

/// Why a watch matched: the terms found, the field each was found in, a snippet around the first.
public struct WatchMatch: Sendable, Equatable {
    public struct Term: Sendable, Equatable {
        public let term: String
        public let field: String
    }

    public let watch: String
    public let terms: [Term]
    public let snippet: String
}
