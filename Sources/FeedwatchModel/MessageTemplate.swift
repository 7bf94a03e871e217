/// A webhook body written by the user, for receivers no preset fits: JSON text with `{{field}}`
/// placeholders, e.g. `{"text": "{{title}} {{link}}", "source": "feedwatch"}`.
///
/// Placeholders go inside JSON strings; each value is JSON-escaped as it is inserted, so text from
/// a feed can never break out of its string or change the body's structure. An unknown field or an
/// unclosed `{{` is an error when the configuration is read, not when the first story arrives.
public struct MessageTemplate: Sendable, Equatable {
    /// What a placeholder can name.
    public enum Field: String, Sendable, CaseIterable {
        /// The event id (`webhook-id`).
        case id
        /// `story.new`, `feed.failing`, `feed.recovered`.
        case type
        case detected_at
        /// The feed's title, else its URL.
        case feed
        case feed_url
        case title
        case link
        case summary
        /// RFC 3339, or empty.
        case published
        /// The matched watches' names, comma-separated.
        case watches
        /// `watch: term, term; watch: term`.
        case terms
    }

    public enum Part: Sendable, Equatable {
        case text(String)
        case field(Field)
    }

    public let parts: [Part]

    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw .unclosed(offset: text.distance(from: text.startIndex, to: open.lowerBound))
            }
            let name = rest[open.upperBound..<close.lowerBound].filter { $0 != " " }
            guard let field = Field(rawValue: name) else { throw .unknownField(name) }
            parts.append(.field(field))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The body, with each field's value JSON-escaped.
    public func render(_ value: (Field) -> String) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            switch part {
            case .text(let t): out.append(contentsOf: t.utf8)
            case .field(let f): out.append(contentsOf: JSONWriter.escaped(value(f)))
            }
        }
        return out
    }
}

public enum TemplateError: Error, Equatable, CustomStringConvertible {
    case unclosed(offset: Int)
    case unknownField(String)

    public var description: String {
        switch self {
        case .unclosed(let offset): return "the '{{' at position \(offset + 1) is never closed with '}}'"
        case .unknownField(let name):
            let known = MessageTemplate.Field.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown field {{\(name)}} (known: \(known))"
        }
    }
}
