import Foundation

/// Parses the watch language.
///
/// ```
/// expr    = or
/// or      = and { "OR" and }
/// and     = near { ["AND"] near }             juxtaposition is AND
/// near    = unary { "NEAR/" n unary }         n words apart at most, either order
/// unary   = ("NOT" | "-") unary | primary
/// primary = "(" expr ")" | field ":" primary | term
/// term    = word | word* | "a phrase" | /regex/ | @alias
/// field   = title | summary | content | category | author | link | feed | text
/// ```
/// Operators are written in capitals; `and`, `or`, `not` in lower case are words. Words are
/// whole words after folding; a word with inner punctuation ("US-led", "al-Sudani") is a phrase.
/// Straight and curly double quotes both delimit phrases.
struct ExpressionParser {
    /// The longest word a term may have (no language has longer words; the term tables store
    /// lengths in 16 bits).
    static let maxWordBytes = 1000

    private enum Lexeme: Equatable {
        case open, close, and, or, not
        case near(Int)
        case field(FieldSet, String)
        case phrase(String)
        case word(String)
        case regex(String)
        case alias(String)
        case end
    }

    private let scalars: [Character]
    private var index = 0
    private var lexeme = Lexeme.end
    private var lexemePosition = 1
    private let aliases: [String: [String]]
    /// Where the terms being read are looked for: the watch's fields, or a `field:` prefix's.
    private var scope: FieldSet
    /// Problems that leave the expression's shape readable (an unknown alias or field, an invalid
    /// regex or term, a bad NEAR distance): noted, and the parse goes on, so that one run of
    /// `feedwatch check` reports every one of them, not only the first.
    private var problems: [ExpressionError] = []
    /// How deep the groups, NOTs and field prefixes being read are nested: the parser (and every
    /// walk over the tree it builds) recurses once per level, so a level is refused before the
    /// stack runs out (60,000 nested parentheses crashed `feedwatch check`).
    private var depth = 0
    static let maxDepth = 100

    init(_ text: String, aliases: [String: [String]], scope: FieldSet = .text) {
        scalars = Array(text)
        self.aliases = aliases
        self.scope = scope
    }

    /// Parses an expression whose unscoped terms are looked for in `scope`.
    static func parse(_ text: String, aliases: [String: [String]], scope: FieldSet = .text) throws(ExpressionError)
        -> Expr
    {
        switch parseReportingAll(text, aliases: aliases, scope: scope) {
        case .success(let e): return e
        case .failure(let problems):
            throw problems.errors.first ?? ExpressionError(position: 1, message: "invalid expression")
        }
    }

    /// Parses an expression, or gives every problem found in it, in the order of their
    /// positions: those after which the parse can go on, then the syntax error that stopped it,
    /// if one did.
    static func parseReportingAll(_ text: String, aliases: [String: [String]], scope: FieldSet = .text)
        -> Result<Expr, ExpressionErrors>
    {
        var p = ExpressionParser(text, aliases: aliases, scope: scope)
        do throws(ExpressionError) {
            try p.advance()
            if p.lexeme == .end { throw ExpressionError(position: 1, message: "empty expression") }
            let e = try p.parseOr()
            guard p.lexeme == .end else { throw p.error("unexpected \(p.describe(p.lexeme))") }
            return p.problems.isEmpty ? .success(e) : .failure(ExpressionErrors(p.problems))
        } catch {
            return .failure(ExpressionErrors(p.problems + [error]))
        }
    }

    /// Notes a problem that does not stop the parse; the placeholder returned stands for the
    /// term it spoiled (the expression is refused as a whole in the end).
    private mutating func noted(_ problem: ExpressionError) -> Expr {
        problems.append(problem)
        return .or([])
    }

    /// A term written as a plain list item (`any = ["Islamic State", "Iraq*"]`): a phrase when it
    /// has several words, a prefix when it ends in `*`, an alias when it starts with `@`.
    static func parseListItem(_ text: String, aliases: [String: [String]], scope: FieldSet = .text)
        throws(ExpressionError) -> Expr
    {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ExpressionError(position: 1, message: "empty term") }
        if trimmed.hasPrefix("@") {
            return try parse(trimmed, aliases: aliases, scope: scope)
        }
        if trimmed.count > 1, trimmed.hasPrefix("/"), trimmed.hasSuffix("/") {
            return try parse(trimmed, aliases: aliases, scope: scope)
        }
        let p = ExpressionParser(trimmed, aliases: aliases, scope: scope)
        return try p.makeTerm(trimmed, position: 1)
    }

    // MARK: - Grammar

    private mutating func parseOr() throws(ExpressionError) -> Expr {
        var items = [try parseAnd()]
        while lexeme == .or {
            try advance()
            items.append(try parseAnd())
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expr {
        var items = [try parseNear()]
        while true {
            if lexeme == .and {
                try advance()
                items.append(try parseNear())
            } else if startsPrimary(lexeme) {
                items.append(try parseNear())
            } else {
                break
            }
        }
        return items.count == 1 ? items[0] : .and(items)
    }

    private mutating func parseNear() throws(ExpressionError) -> Expr {
        var left = try parseUnary()
        while case .near(let n) = lexeme {
            let at = lexemePosition
            try advance()
            let right = try parseUnary()
            guard Self.isNearOperand(left), Self.isNearOperand(right) else {
                throw ExpressionError(
                    position: at, message: "NEAR needs words or phrases on both sides (or groups of them joined by OR)")
            }
            left = .near(left, right, distance: n)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expr {
        if lexeme == .not {
            try descend()
            defer { depth -= 1 }
            try advance()
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    /// Enters one more level of nesting, or refuses it.
    private mutating func descend() throws(ExpressionError) {
        guard depth < Self.maxDepth else {
            throw error("groups, NOTs and field prefixes nested more than \(Self.maxDepth) deep")
        }
        depth += 1
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expr {
        let at = lexemePosition
        switch lexeme {
        case .open:
            try descend()
            defer { depth -= 1 }
            try advance()
            let e = try parseOr()
            guard lexeme == .close else { throw ExpressionError(position: at, message: "this '(' is never closed") }
            try advance()
            return e
        case .field(let fields, _):
            try descend()
            defer { depth -= 1 }
            try advance()
            let saved = scope
            scope = fields
            defer { scope = saved }
            return try parsePrimary()
        case .word(let w):
            try advance()
            do throws(ExpressionError) { return try makeTerm(w, position: at) } catch { return noted(error) }
        case .phrase(let p):
            try advance()
            do throws(ExpressionError) {
                return try makeTerm(p, position: at, quoted: true)
            } catch {
                return noted(error)
            }
        case .regex(let pattern):
            try advance()
            do {
                _ = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
            } catch {
                return noted(ExpressionError(position: at, message: "invalid regular expression /\(pattern)/"))
            }
            return .term(TermSpec(kind: .regex(pattern), fields: scope, abbreviation: false, display: "/\(pattern)/"))
        case .alias(let name):
            try advance()
            guard let entries = aliases[name] else {
                return noted(ExpressionError(position: at, message: "unknown alias @\(name)"))
            }
            var items: [Expr] = []
            for entry in entries {
                // An alias lists terms, not expressions: "@other" would otherwise be read as the
                // word "other", silently.
                if entry.trimmingCharacters(in: .whitespaces).hasPrefix("@") {
                    return noted(
                        ExpressionError(
                            position: at,
                            message: "alias @\(name) lists '\(entry)': an alias holds words, phrases and prefixes, "
                                + "not other aliases (list its terms, or write @\(name) OR \(entry))"))
                }
                do throws(ExpressionError) {
                    items.append(try ExpressionParser(entry, aliases: [:], scope: scope).makeTerm(entry, position: at))
                } catch {
                    return noted(error)
                }
            }
            guard !items.isEmpty else {
                return noted(ExpressionError(position: at, message: "alias @\(name) is empty"))
            }
            return items.count == 1 ? items[0] : .or(items)
        case .end:
            throw error("expression ends where a term was expected")
        default:
            throw error("unexpected \(describe(lexeme)) where a term was expected")
        }
    }

    private func startsPrimary(_ l: Lexeme) -> Bool {
        switch l {
        case .open, .field, .word, .phrase, .regex, .alias, .not: return true
        default: return false
        }
    }

    private static func isNearOperand(_ e: Expr) -> Bool {
        switch e {
        case .term(let t): if case .words = t.kind { return true } else { return false }
        case .or(let items): return items.allSatisfy(isNearOperand)
        default: return false
        }
    }

    /// Folds a written term into its words.
    func makeTerm(_ written: String, position: Int, quoted: Bool = false) throws(ExpressionError) -> Expr {
        var text = written
        var prefix = false
        if text.hasSuffix("*") {
            prefix = true
            text.removeLast()
            while text.hasSuffix("*") { text.removeLast() }
        }
        let tokens = TokenizedText(text)
        guard !tokens.tokens.isEmpty else {
            throw ExpressionError(position: position, message: "'\(written)' has no letters or digits to match")
        }
        if prefix, let last = tokens.tokens.last, last.length < 2 {
            throw ExpressionError(
                position: position, message: "prefix '\(written)' is too short (two characters at least)")
        }
        let words = tokens.tokens.map { Array(tokens.bytes(of: $0)) }
        if words.contains(where: { $0.count > Self.maxWordBytes }) {
            throw ExpressionError(
                position: position, message: "'\(written)' has a word longer than \(Self.maxWordBytes) bytes")
        }
        // "U.S." written with dots asks for the abbreviation, not the word "us".
        let abbreviation = tokens.tokens.count == 1 && written.contains(".") && tokens.tokens[0].isAbbreviation
        return .term(
            TermSpec(
                kind: .words(words, lastIsPrefix: prefix), fields: scope, abbreviation: abbreviation,
                display: quoted ? "\"\(written)\"" : written))
    }

    // MARK: - Lexer

    private func error(_ message: String) -> ExpressionError {
        ExpressionError(position: lexemePosition, message: message)
    }

    private func describe(_ l: Lexeme) -> String {
        switch l {
        case .open: return "'('"
        case .close: return "')'"
        case .and: return "AND"
        case .or: return "OR"
        case .not: return "NOT"
        case .near: return "NEAR"
        case .field(_, let name): return "'\(name):'"
        case .phrase(let p): return "\"\(p)\""
        case .word(let w): return "'\(w)'"
        case .regex(let r): return "/\(r)/"
        case .alias(let a): return "@\(a)"
        case .end: return "end of expression"
        }
    }

    private static let quoteOpeners: Set<Character> = ["\"", "“", "”", "„"]
    private static let quoteClosers: Set<Character> = ["\"", "”", "“"]

    private mutating func advance() throws(ExpressionError) {
        while index < scalars.count && scalars[index].isWhitespace { index += 1 }
        lexemePosition = index + 1
        guard index < scalars.count else {
            lexeme = .end
            return
        }
        let c = scalars[index]
        switch c {
        case "(":
            index += 1
            lexeme = .open
        case ")":
            index += 1
            lexeme = .close
        case _ where Self.quoteOpeners.contains(c):
            index += 1
            let start = index
            while index < scalars.count && !Self.quoteClosers.contains(scalars[index]) { index += 1 }
            guard index < scalars.count else { throw error("unterminated phrase: missing closing quote") }
            let phrase = String(scalars[start..<index])
            index += 1
            if index < scalars.count && scalars[index] == "*" {
                index += 1
                lexeme = .word(phrase + "*")
            } else {
                lexeme = .phrase(phrase)
            }
        case "/":
            index += 1
            var pattern = ""
            while index < scalars.count && scalars[index] != "/" {
                if scalars[index] == "\\" && index + 1 < scalars.count {
                    if scalars[index + 1] != "/" { pattern.append("\\") }
                    pattern.append(scalars[index + 1])
                    index += 2
                    continue
                }
                pattern.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw error("unterminated regular expression: missing closing '/'") }
            index += 1
            guard !pattern.isEmpty else { throw error("empty regular expression") }
            lexeme = .regex(pattern)
        case "@":
            index += 1
            let start = index
            while index < scalars.count
                && (scalars[index].isLetter || scalars[index].isNumber || scalars[index] == "_"
                    || scalars[index] == "-")
            {
                index += 1
            }
            guard index > start else { throw error("'@' must be followed by an alias name") }
            lexeme = .alias(String(scalars[start..<index]))
        case "-" where index + 1 < scalars.count && !scalars[index + 1].isWhitespace:
            index += 1
            lexeme = .not
        default:
            let start = index
            while index < scalars.count {
                let d = scalars[index]
                if d.isWhitespace || d == "(" || d == ")" || Self.quoteOpeners.contains(d) { break }
                if d == ":" && index > start { break }
                index += 1
            }
            let word = String(scalars[start..<index])
            if index < scalars.count && scalars[index] == ":" {
                index += 1
                guard word.allSatisfy({ $0.isLetter }), let fields = FieldSet.byName[word.lowercased()] else {
                    // Read on as if the field were the whole text, to find the problems after it.
                    problems.append(
                        ExpressionError(
                            position: start + 1, message: "unknown field '\(word)' (fields: \(FieldSet.names))"))
                    lexeme = .field(.text, word)
                    return
                }
                lexeme = .field(fields, word)
                return
            }
            switch word {
            case "AND": lexeme = .and
            case "OR": lexeme = .or
            case "NOT": lexeme = .not
            case _ where word.hasPrefix("NEAR/"):
                guard let n = Int(word.dropFirst(5)), n >= 1, n <= 100 else {
                    problems.append(
                        ExpressionError(
                            position: start + 1, message: "NEAR needs a distance from 1 to 100, as in NEAR/5"))
                    lexeme = .near(10)
                    return
                }
                lexeme = .near(n)
            case "NEAR":
                lexeme = .near(10)
            default:
                lexeme = .word(word)
            }
        }
    }
}
