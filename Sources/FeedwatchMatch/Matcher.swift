import Foundation

/// A watch as the configuration gives it: an expression, the simple lists, or both (ANDed).
public struct WatchDefinition: Sendable {
    public var name: String
    /// The watch language (see `ExpressionParser`).
    public var expression: String?
    /// Simple form: at least one of `any`, all of `all`, none of `none`.
    public var any: [String]
    public var all: [String]
    public var none: [String]

    public init(name: String, expression: String? = nil, any: [String] = [], all: [String] = [], none: [String] = []) {
        self.name = name
        self.expression = expression
        self.any = any
        self.all = all
        self.none = none
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

/// All watches compiled into shared structures: one dictionary of words over every term of every
/// watch, so a story is tokenized once and looked up word by word whatever the number of watches;
/// only the watches whose terms occur are then evaluated.
public final class Matcher: Sendable {
    private indirect enum Node: Sendable {
        case term(Int)
        case and([Node])
        case or([Node])
        case not(Node)
        case near(Node, Node, Int)
    }

    private struct CompiledWatch: Sendable {
        let name: String
        let node: Node
        /// The same expression in postfix, evaluated without recursion or reference counting.
        let program: [Step]

        init(name: String, node: Node) {
            self.name = name
            self.node = node
            var program: [Step] = []
            var nears: [Node] = []
            Step.compile(node, into: &program, nears: &nears)
            self.program = program
            self.nears = nears
        }

        /// NEAR sub-expressions, which need the hits' positions: evaluated on the tree.
        let nears: [Node]
    }

    /// One instruction of a watch's postfix program over a stack of truth values.
    private struct Step: Sendable {
        enum Kind: UInt8, Sendable {
            /// Push whether term `argument` occurs.
            case term
            /// Pop `argument` values, push whether all (and) or any (or) is true.
            case and, or
            /// Pop one value, push its negation.
            case not
            /// Push whether NEAR sub-expression `argument` (of `nears`) holds.
            case near
        }
        let kind: Kind
        let argument: Int32

        static func compile(_ n: Node, into program: inout [Step], nears: inout [Node]) {
            switch n {
            case .term(let i): program.append(Step(kind: .term, argument: Int32(i)))
            case .and(let items), .or(let items):
                for item in items { compile(item, into: &program, nears: &nears) }
                let kind: Kind = if case .and = n { .and } else { .or }
                program.append(Step(kind: kind, argument: Int32(items.count)))
            case .not(let inner):
                compile(inner, into: &program, nears: &nears)
                program.append(Step(kind: .not, argument: 0))
            case .near:
                nears.append(n)
                program.append(Step(kind: .near, argument: Int32(nears.count - 1)))
            }
        }
    }

    private struct Term: Sendable {
        let display: String
        let words: [[UInt8]]
        let lastIsPrefix: Bool
        let fields: FieldSet
        let abbreviation: Bool
        let regex: NSRegularExpressionBox?
    }

    private let terms: [Term]
    private let watches: [CompiledWatch]

    /// How many watches were compiled.
    public var watchCount: Int { watches.count }
    /// Exact single words, and the first words of phrases.
    private let words: WordTable
    /// Single-word prefixes: their lengths, ascending, and a table per length.
    private let prefixLengths: [Int]
    private let prefixTables: [WordTable]
    /// The first `prefixLengths[0]` bytes of every prefix term: a word that does not start with
    /// one of them can match no prefix term, which spares most words one probe per prefix length.
    private let prefixGate: WordTable
    /// Per watch, its regular-expression terms (run only when the watch is evaluated).
    private let regexTerms: [[Int]]
    private let termWatches: [[Int]]
    /// Watches that must be evaluated whatever words occur (NOT-only, regular expressions).
    private let alwaysEvaluate: [Int]
    private let fieldsUsed: FieldSet

    public var watchNames: [String] { watches.map(\.name) }

    public init(watches definitions: [WatchDefinition], aliases: [String: [String]] = [:]) throws(WatchErrors) {
        var errors: [WatchError] = []
        var termIndex: [TermSpec: Int] = [:]
        var specs: [TermSpec] = []
        var compiled: [CompiledWatch] = []

        func intern(_ e: Expr) -> Node {
            switch e {
            case .term(let spec):
                if let i = termIndex[spec] { return .term(i) }
                termIndex[spec] = specs.count
                specs.append(spec)
                return .term(specs.count - 1)
            case .and(let items): return .and(items.map(intern))
            case .or(let items): return .or(items.map(intern))
            case .not(let inner): return .not(intern(inner))
            case .near(let a, let b, let d): return .near(intern(a), intern(b), d)
            }
        }

        for def in definitions {
            var parts: [Expr] = []
            if let text = def.expression {
                do throws(ExpressionError) {
                    parts.append(try ExpressionParser.parse(text, aliases: aliases))
                } catch {
                    errors.append(WatchError(watch: def.name, place: .expression, error: error))
                }
            }
            for (key, list) in [("any", def.any), ("all", def.all), ("none", def.none)] {
                var items: [Expr] = []
                for (i, item) in list.enumerated() {
                    do throws(ExpressionError) {
                        items.append(try ExpressionParser.parseListItem(item, aliases: aliases))
                    } catch {
                        errors.append(WatchError(watch: def.name, place: .list(key, index: i), error: error))
                    }
                }
                guard !items.isEmpty else { continue }
                switch key {
                case "any": parts.append(items.count == 1 ? items[0] : .or(items))
                case "all": parts.append(contentsOf: items)
                default: parts.append(.not(items.count == 1 ? items[0] : .or(items)))
                }
            }
            guard !parts.isEmpty else {
                if def.expression == nil && def.any.isEmpty && def.all.isEmpty {
                    errors.append(
                        WatchError(
                            watch: def.name, place: .watch,
                            error: ExpressionError(
                                position: 1, message: "needs an expression or an 'any' or 'all' list")))
                }
                continue
            }
            let expr = parts.count == 1 ? parts[0] : .and(parts)
            if !Matcher.needsPositive(expr) {
                errors.append(
                    WatchError(
                        watch: def.name, place: .watch,
                        error: ExpressionError(
                            position: 1,
                            message: "matches stories that contain none of its terms; add a term to look for")))
                continue
            }
            compiled.append(CompiledWatch(name: def.name, node: intern(expr)))
        }
        if !errors.isEmpty { throw WatchErrors(errors: errors) }

        var words: [(bytes: [UInt8], term: Int)] = []
        var prefixes: [Int: [(bytes: [UInt8], term: Int)]] = [:]
        var terms: [Term] = []
        var fieldsUsed: FieldSet = []
        for (i, spec) in specs.enumerated() {
            fieldsUsed.formUnion(spec.fields)
            switch spec.kind {
            case .words(let w, let lastIsPrefix):
                terms.append(
                    Term(
                        display: spec.display, words: w, lastIsPrefix: lastIsPrefix, fields: spec.fields,
                        abbreviation: spec.abbreviation, regex: nil))
                if w.count == 1 && lastIsPrefix {
                    prefixes[w[0].count, default: []].append((w[0], i))
                } else {
                    words.append((w[0], i))
                }
            case .regex(let pattern):
                let re = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
                terms.append(
                    Term(
                        display: spec.display, words: [], lastIsPrefix: false, fields: spec.fields, abbreviation: false,
                        regex: re.map(NSRegularExpressionBox.init)))
            }
        }
        var termWatches = [[Int]](repeating: [], count: terms.count)
        var always: [Int] = []
        var regexTerms: [[Int]] = []
        for (w, watch) in compiled.enumerated() {
            var ids: [Int] = []
            Matcher.collectTerms(watch.node, into: &ids)
            let regexes = Array(Set(ids.filter { terms[$0].regex != nil })).sorted()
            if !regexes.isEmpty { always.append(w) }
            regexTerms.append(regexes)
            for id in Set(ids) { termWatches[id].append(w) }
        }
        self.terms = terms
        self.watches = compiled
        self.words = WordTable(words)
        self.prefixLengths = prefixes.keys.sorted()
        self.prefixTables = prefixes.keys.sorted().map { WordTable(prefixes[$0] ?? []) }
        let shortest = prefixes.keys.min() ?? 0
        self.prefixGate = WordTable(prefixes.values.joined().map { (Array($0.bytes.prefix(shortest)), 0) })
        self.regexTerms = regexTerms
        self.termWatches = termWatches
        self.alwaysEvaluate = always
        self.fieldsUsed = fieldsUsed
    }

    /// Whether an expression can only be true when at least one of its terms occurs.
    private static func needsPositive(_ e: Expr) -> Bool {
        switch e {
        case .term: return true
        case .and(let items): return items.contains(where: needsPositive)
        case .or(let items): return items.allSatisfy(needsPositive)
        case .not: return false
        case .near: return true
        }
    }

    private static func collectTerms(_ n: Node, into ids: inout [Int]) {
        switch n {
        case .term(let i): ids.append(i)
        case .and(let items), .or(let items): for item in items { collectTerms(item, into: &ids) }
        case .not(let inner): collectTerms(inner, into: &ids)
        case .near(let a, let b, _):
            collectTerms(a, into: &ids)
            collectTerms(b, into: &ids)
        }
    }

    // MARK: - Matching

    private struct Hit {
        let term: Int
        let field: Int
        /// Index of the first word in the field's tokens, and how many words the hit spans.
        let position: Int
        let span: Int
        let sourceStart: Int
        let sourceLength: Int
    }

    /// One field of the story: its words are `tokens` of the story's `TokenizedText` (one for
    /// all fields: two allocations per story, not two per field).
    private struct Field {
        let set: FieldSet
        let name: String
        let text: String
        let tokens: Range<Int>
    }

    /// The watches `story` matches, each with its explanation, in configuration order.
    public func match(_ story: StoryText) -> [WatchMatch] {
        let (fields, text) = tokenize(story)
        var hits: [Hit] = []
        text.folded.withUnsafeBufferPointer { folded in
            text.tokens.withUnsafeBufferPointer { tokens in
                for (f, field) in fields.enumerated() {
                    findWords(in: field, index: f, folded: folded, tokens: tokens, hits: &hits)
                }
            }
        }
        if hits.isEmpty && alwaysEvaluate.isEmpty { return [] }
        var byTerm: [Int: [Hit]] = [:]
        for h in hits { byTerm[h.term, default: []].append(h) }
        // The watches to evaluate, one bit each, read in configuration order.
        var candidates = [UInt64](repeating: 0, count: (watches.count + 63) / 64)
        for w in alwaysEvaluate { candidates[w >> 6] |= 1 << UInt64(w & 63) }
        for t in byTerm.keys {
            for w in termWatches[t] { candidates[w >> 6] |= 1 << UInt64(w & 63) }
        }
        // Which terms occur, one bit each: what the watches' programs read.
        var present = [UInt64](repeating: 0, count: (terms.count + 63) / 64)
        for t in byTerm.keys { present[t >> 6] |= 1 << UInt64(t & 63) }
        // Regular expressions run only for the watches that use them, once per story.
        var regexDone: Set<Int> = []
        var results: [WatchMatch] = []
        var stack: [Bool] = []
        for w in Self.members(candidates) {
            let watch = watches[w]
            for id in regexTerms[w] where !regexDone.contains(id) {
                regexDone.insert(id)
                if let h = regexHit(id, fields: fields) {
                    byTerm[id] = [h]
                    present[id >> 6] |= 1 << UInt64(id & 63)
                }
            }
            guard run(watch, present, byTerm, stack: &stack) else { continue }
            results.append(explain(watch, byTerm, fields))
        }
        return results
    }

    private func tokenize(_ story: StoryText) -> ([Field], TokenizedText) {
        var used: [(set: FieldSet, name: String, text: String)] = []
        used.reserveCapacity(7)
        func add(_ set: FieldSet, _ name: String, _ value: @autoclosure () -> String) {
            guard fieldsUsed.contains(set) || fieldsUsed.isEmpty else { return }
            used.append((set, name, value()))
        }
        add(.title, "title", story.title)
        add(.summary, "summary", story.summary)
        add(.content, "content", story.content)
        add(.category, "category", story.categories.joined(separator: " \u{1F} "))
        add(.author, "author", story.authors.joined(separator: " \u{1F} "))
        add(.link, "link", story.link)
        add(.feed, "feed", story.feed)
        // One buffer for all fields, sized once.
        var text = TokenizedText(capacity: used.reduce(0) { $0 + $1.text.utf8.count })
        var fields: [Field] = []
        fields.reserveCapacity(used.count)
        for u in used {
            let first = text.tokens.count
            text.append(u.text)
            fields.append(Field(set: u.set, name: u.name, text: u.text, tokens: first..<text.tokens.count))
        }
        return (fields, text)
    }

    /// Looks every word of the field up in the word table and each prefix table. Works on the
    /// story's buffers directly: it runs for every word of every story.
    private func findWords(
        in field: Field, index f: Int, folded: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<Token>,
        hits: inout [Hit]
    ) {
        let shortest = prefixLengths.first ?? Int.max
        for k in field.tokens {
            let token = tokens[k]
            let start = Int(token.start)
            let length = Int(token.length)
            let word = UnsafeBufferPointer(rebasing: folded[start..<(start + length)])
            words.forEachTerm(hash: token.hash, word: word) { t in
                let term = terms[t]
                guard term.fields.contains(field.set), !term.abbreviation || token.isAbbreviation else { return }
                if term.words.count == 1 {
                    hits.append(hit(t, f, k, 1, tokens))
                } else if let span = phraseSpan(term, at: k, before: field.tokens.upperBound, folded, tokens) {
                    hits.append(hit(t, f, k, span, tokens))
                }
            }
            guard length >= shortest else { continue }
            // FNV-1a is incremental: one pass over the word gives the hash of each prefix length.
            var h = TokenizedText.fnvOffset
            for b in word[0..<shortest] { h = (h ^ UInt64(b)) &* TokenizedText.fnvPrime }
            var gateOpen = false
            prefixGate.forEachTerm(hash: h, word: UnsafeBufferPointer(rebasing: word[0..<shortest])) { _ in
                gateOpen = true
            }
            guard gateOpen else { continue }
            var done = shortest
            for (p, prefixLength) in prefixLengths.enumerated() {
                guard prefixLength <= length else { break }
                while done < prefixLength {
                    h = (h ^ UInt64(word[done])) &* TokenizedText.fnvPrime
                    done += 1
                }
                prefixTables[p].forEachTerm(hash: h, word: UnsafeBufferPointer(rebasing: word[0..<prefixLength])) { t in
                    if terms[t].fields.contains(field.set) { hits.append(hit(t, f, k, 1, tokens)) }
                }
            }
        }
    }

    private func hit(_ term: Int, _ field: Int, _ position: Int, _ span: Int, _ tokens: UnsafeBufferPointer<Token>)
        -> Hit
    {
        let first = tokens[position]
        let last = tokens[position + span - 1]
        return Hit(
            term: term, field: field, position: position, span: span, sourceStart: Int(first.sourceStart),
            sourceLength: Int(last.sourceStart + last.sourceLength - first.sourceStart))
    }

    /// If the phrase `term` starts at token `k` (and ends before token `end`, its field's end),
    /// the number of tokens it spans.
    private func phraseSpan(
        _ term: Term, at k: Int, before end: Int, _ folded: UnsafeBufferPointer<UInt8>,
        _ tokens: UnsafeBufferPointer<Token>
    ) -> Int? {
        let n = term.words.count
        guard k + n <= end else { return nil }
        for j in 1..<n {
            let t = tokens[k + j]
            let word = term.words[j]
            let length = j == n - 1 && term.lastIsPrefix ? word.count : Int(t.length)
            guard Int(t.length) >= word.count, length == word.count,
                folded[Int(t.start)..<(Int(t.start) + length)].elementsEqual(word)
            else { return nil }
        }
        return n
    }

    private func regexHit(_ id: Int, fields: [Field]) -> Hit? {
        guard let re = terms[id].regex?.value else { return nil }
        for (f, field) in fields.enumerated() where terms[id].fields.contains(field.set) {
            let ns = field.text as NSString
            guard let m = re.firstMatch(in: field.text, options: [], range: NSRange(location: 0, length: ns.length))
            else {
                continue
            }
            let prefix = ns.substring(to: m.range.location)
            let matched = ns.substring(with: m.range)
            return Hit(
                term: id, field: f, position: -1, span: 0, sourceStart: prefix.utf8.count,
                sourceLength: matched.utf8.count)
        }
        return nil
    }

    /// The positions of the set bits, ascending.
    private static func members(_ bits: [UInt64]) -> [Int] {
        var out: [Int] = []
        for (i, word) in bits.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                out.append(i << 6 | rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return out
    }

    /// Runs a watch's program: whether the story matches it.
    private func run(_ watch: CompiledWatch, _ present: [UInt64], _ byTerm: [Int: [Hit]], stack: inout [Bool]) -> Bool {
        stack.removeAll(keepingCapacity: true)
        for step in watch.program {
            let a = Int(step.argument)
            switch step.kind {
            case .term:
                stack.append(present[a >> 6] & (1 << UInt64(a & 63)) != 0)
            case .and, .or:
                var trues = 0
                for _ in 0..<a where stack.removeLast() { trues += 1 }
                stack.append(step.kind == .and ? trues == a : trues > 0)
            case .not:
                stack.append(!stack.removeLast())
            case .near:
                stack.append(evaluate(watch.nears[a], byTerm))
            }
        }
        return stack.last ?? false
    }

    /// The tree form, for NEAR (which needs the hits' positions, not only their presence).
    private func evaluate(_ n: Node, _ byTerm: [Int: [Hit]]) -> Bool {
        switch n {
        case .term(let i): return byTerm[i] != nil
        case .and(let items): return items.allSatisfy { evaluate($0, byTerm) }
        case .or(let items): return items.contains { evaluate($0, byTerm) }
        case .not(let inner): return !evaluate(inner, byTerm)
        case .near(let a, let b, let distance):
            let left = hitsOf(a, byTerm)
            let right = hitsOf(b, byTerm)
            for x in left {
                for y in right where x.field == y.field && x.position >= 0 && y.position >= 0 {
                    let gap =
                        x.position < y.position
                        ? y.position - (x.position + x.span - 1) : x.position - (y.position + y.span - 1)
                    if gap <= distance { return true }
                }
            }
            return false
        }
    }

    private func hitsOf(_ n: Node, _ byTerm: [Int: [Hit]]) -> [Hit] {
        switch n {
        case .term(let i): return byTerm[i] ?? []
        case .or(let items): return items.flatMap { hitsOf($0, byTerm) }
        default: return []
        }
    }

    /// The terms that made the watch match (those found outside any NOT), first hit first.
    private func explain(_ watch: CompiledWatch, _ byTerm: [Int: [Hit]], _ fields: [Field]) -> WatchMatch {
        var found: [Hit] = []
        func walk(_ n: Node) {
            switch n {
            case .term(let i): if let h = byTerm[i]?.first, !found.contains(where: { $0.term == i }) { found.append(h) }
            case .and(let items), .or(let items): items.forEach(walk)
            case .not: break
            case .near(let a, let b, _):
                walk(a)
                walk(b)
            }
        }
        walk(watch.node)
        let first = found.min { ($0.field, $0.sourceStart) < ($1.field, $1.sourceStart) }
        let snippet =
            first.map { Snippet.around(fields[$0.field].text, start: $0.sourceStart, length: $0.sourceLength) } ?? ""
        return WatchMatch(
            watch: watch.name,
            terms: found.map { WatchMatch.Term(term: terms[$0.term].display, field: fields[$0.field].name) },
            snippet: snippet)
    }
}

/// NSRegularExpression is immutable once made and documented as safe to share across threads.
struct NSRegularExpressionBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}
