import Foundation
import Synchronization

/// All watches compiled into shared structures: one set of word tables over every term of every
/// watch (`TermTables`), so a story is scanned once and each of its words looked up once whatever
/// the number of watches; only the watches one of whose anchor terms occurs are then evaluated,
/// each by a small postfix program over the set of terms present.
public final class Matcher: Sendable {
    private indirect enum Node: Sendable {
        case term(Int)
        case and([Node])
        case or([Node])
        case not(Node)
        case near(Node, Node, Int)
    }

    /// What explanations need of a watch (read only for the watches that match).
    private struct CompiledWatch: Sendable {
        let name: String
        /// The terms outside any NOT, each once, in the order the expression names them: those
        /// that occur are what made the watch match.
        let explaining: [Int]
    }

    /// What evaluating a watch needs, without references: evaluated for every candidate watch.
    private struct Program: Sendable {
        /// The watch's steps: `steps[start ..< end]`.
        let start: Int32
        let end: Int32
        /// Whether the watch has regular-expression terms (`regexTerms[watch]`), run only when
        /// the watch is evaluated.
        let hasRegex: Bool
    }

    /// One instruction of a watch's postfix program over a stack of truth values.
    private struct Step: Sendable {
        enum Kind: UInt8, Sendable {
            /// Push whether term `argument` occurs.
            case term
            /// Between the items of an OR: when the value on top is true, so is the OR: go to
            /// step `argument` (its end), keeping it; else drop it and go on to the next item.
            case orElse
            /// Between the items of an AND: when the value on top is false, so is the AND: go to
            /// step `argument`, keeping it; else drop it and go on.
            case andThen
            /// Pop one value, push its negation.
            case not
            /// Push whether NEAR test `argument` (of `nears`) holds.
            case near
            /// Push whether any term of list `argument` occurs: `lists[argument]` is the count,
            /// the terms follow. An OR of terms (an alias, an `any` list) in one step, read until
            /// the first term that occurs.
            case anyTerm
            /// Pop one value: when false, the watch does not match (the rest is not run). Between
            /// the items of a watch's top-level AND, so that most candidates stop at their first
            /// unmet item.
            case require
        }
        let kind: Kind
        let argument: Int32

        /// Appends `n`'s program (a watch's whole expression when `top`); returns the stack
        /// depth it needs. An AND or OR stops at the first item that decides it, so a costly item
        /// (NEAR) written after a cheap one runs only when the cheap one leaves the answer open.
        @discardableResult
        static func compile(
            _ n: Node, into program: inout [Step], lists: inout [Int32], nears: inout [NearTest], top: Bool = false
        ) -> Int {
            switch n {
            case .term(let i):
                program.append(Step(kind: .term, argument: Int32(i)))
                return 1
            case .or(let items) where items.allSatisfy({ if case .term = $0 { true } else { false } }):
                program.append(Step(kind: .anyTerm, argument: Int32(lists.count)))
                lists.append(Int32(items.count))
                for case .term(let i) in items { lists.append(Int32(i)) }
                return 1
            case .and(let items) where top:
                var depth = 1
                for (k, item) in items.enumerated() {
                    depth = max(depth, compile(item, into: &program, lists: &lists, nears: &nears))
                    if k < items.count - 1 { program.append(Step(kind: .require, argument: 0)) }
                }
                return depth
            case .and(let items), .or(let items):
                let kind: Kind = if case .and = n { .andThen } else { .orElse }
                var depth = 1
                var exits: [Int] = []
                for (k, item) in items.enumerated() {
                    depth = max(depth, compile(item, into: &program, lists: &lists, nears: &nears))
                    if k < items.count - 1 {
                        exits.append(program.count)
                        program.append(Step(kind: kind, argument: 0))
                    }
                }
                for k in exits { program[k] = Step(kind: kind, argument: Int32(program.count)) }
                return depth
            case .not(let inner):
                let depth = compile(inner, into: &program, lists: &lists, nears: &nears)
                program.append(Step(kind: .not, argument: 0))
                return depth
            case .near(let a, let b, let distance):
                nears.append(NearTest(left: NearTest.terms(of: a), right: NearTest.terms(of: b), distance: distance))
                program.append(Step(kind: .near, argument: Int32(nears.count - 1)))
                return 1
            }
        }
    }

    /// What explanations and regular expressions need of a term.
    private struct Term: Sendable {
        let display: String
        let regex: NSRegularExpressionBox?
        let fields: FieldSet
    }

    private let terms: [Term]
    private let tables: TermTables
    /// Scanners and term finders between stories: their word buffer and hit storage are made
    /// once per thread that matches, not once per story (a tenth of matching with one watch was
    /// allocating, initialising and freeing them).
    private let scratches = Mutex<[Scratch]>([])
    private let watches: [CompiledWatch]
    private let programs: [Program]
    private let regexTerms: [[Int]]
    /// Every watch's program, one after another.
    private let steps: [Step]
    /// The term lists of `anyTerm` steps, each its count and then its terms.
    private let lists: [Int32]
    /// NEAR sub-expressions of every watch, which need the hits' positions.
    private let nears: [NearTest]
    /// The deepest stack any program needs.
    private let stackDepth: Int
    /// Per term, the watches it anchors: `anchored[anchorStart[t] ..< anchorStart[t + 1]]`. A
    /// watch is anchored by a set of terms one of which must occur for it to match (the smallest
    /// such set its expression gives), so it is evaluated only when one of those occurs.
    private let anchorStart: [Int32]
    private let anchored: [Int32]
    /// Watches that must be evaluated whatever words occur (their only positive terms are
    /// regular expressions).
    private let alwaysEvaluate: [Int]
    private let fieldsUsed: FieldSet

    /// How many watches were compiled.
    public var watchCount: Int { watches.count }
    public var watchNames: [String] { watches.map(\.name) }

    public init(watches definitions: [WatchDefinition], aliases: [String: [String]] = [:]) throws(WatchErrors) {
        var errors: [WatchError] = []
        var termIndex: [TermSpec: Int] = [:]
        var specs: [TermSpec] = []
        var parsed: [(name: String, node: Node)] = []

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
                switch ExpressionParser.parseReportingAll(text, aliases: aliases, scope: def.fields) {
                case .success(let e): parts.append(e)
                case .failure(let problems):
                    for problem in problems.errors {
                        errors.append(WatchError(watch: def.name, place: .expression, error: problem))
                    }
                }
            }
            for (key, list) in [("any", def.any), ("all", def.all), ("none", def.none)] {
                var items: [Expr] = []
                for (i, item) in list.enumerated() {
                    do throws(ExpressionError) {
                        items.append(try ExpressionParser.parseListItem(item, aliases: aliases, scope: def.fields))
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
            parsed.append((def.name, intern(expr)))
        }
        if !errors.isEmpty { throw WatchErrors(errors: errors) }

        var terms: [Term] = []
        var wordTerms: [(words: [[UInt8]], lastIsPrefix: Bool, fields: FieldSet, abbreviation: Bool)?] = []
        var fieldsUsed: FieldSet = []
        for spec in specs {
            fieldsUsed.formUnion(spec.fields)
            switch spec.kind {
            case .words(let w, let lastIsPrefix):
                terms.append(Term(display: spec.display, regex: nil, fields: spec.fields))
                wordTerms.append((w, lastIsPrefix, spec.fields, spec.abbreviation))
            case .regex(let pattern):
                let re = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
                terms.append(
                    Term(display: spec.display, regex: re.map(NSRegularExpressionBox.init), fields: spec.fields))
                wordTerms.append(nil)
            }
        }
        var steps: [Step] = []
        var lists: [Int32] = []
        var nears: [NearTest] = []
        var depth = 1
        var compiled: [CompiledWatch] = []
        var programs: [Program] = []
        var regexTerms: [[Int]] = []
        var anchors = [[Int32]](repeating: [], count: terms.count)
        var always: [Int] = []
        for (w, watch) in parsed.enumerated() {
            let start = steps.count
            depth = max(depth, Step.compile(watch.node, into: &steps, lists: &lists, nears: &nears, top: true))
            var ids: [Int] = []
            Matcher.collectTerms(watch.node, into: &ids)
            let regexes = Set(ids.filter { terms[$0].regex != nil }).sorted()
            var explaining: [Int] = []
            Matcher.collectTerms(watch.node, into: &explaining, positiveOnly: true)
            var seen = Set<Int>()
            compiled.append(CompiledWatch(name: watch.name, explaining: explaining.filter { seen.insert($0).inserted }))
            programs.append(Program(start: Int32(start), end: Int32(steps.count), hasRegex: !regexes.isEmpty))
            regexTerms.append(regexes)
            if let anchor = Matcher.anchor(watch.node, isWord: { terms[$0].regex == nil }) {
                for t in Set(anchor) { anchors[t].append(Int32(w)) }
            } else {
                always.append(w)
            }
        }
        var anchorStart: [Int32] = [0]
        for list in anchors { anchorStart.append(anchorStart[anchorStart.count - 1] + Int32(list.count)) }
        self.terms = terms
        self.tables = TermTables(terms: wordTerms)
        self.watches = compiled
        self.programs = programs
        self.regexTerms = regexTerms
        self.steps = steps
        self.lists = lists
        self.nears = nears
        self.stackDepth = depth
        self.anchorStart = anchorStart
        self.anchored = anchors.flatMap { $0 }
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

    /// Word terms one of which must occur for `n` to hold, as few as the expression allows; nil
    /// when there are none (a NOT, a regular expression).
    private static func anchor(_ n: Node, isWord: (Int) -> Bool) -> [Int]? {
        switch n {
        case .term(let i): return isWord(i) ? [i] : nil
        case .or(let items):
            var all: [Int] = []
            for item in items {
                guard let a = anchor(item, isWord: isWord) else { return nil }
                all += a
            }
            return all
        case .and(let items): return items.compactMap { anchor($0, isWord: isWord) }.min { $0.count < $1.count }
        case .not: return nil
        case .near(let a, let b, _):
            return [anchor(a, isWord: isWord), anchor(b, isWord: isWord)].compactMap { $0 }.min { $0.count < $1.count }
        }
    }

    private static func collectTerms(_ n: Node, into ids: inout [Int], positiveOnly: Bool = false) {
        switch n {
        case .term(let i): ids.append(i)
        case .and(let items), .or(let items):
            for item in items { collectTerms(item, into: &ids, positiveOnly: positiveOnly) }
        case .not(let inner): if !positiveOnly { collectTerms(inner, into: &ids) }
        case .near(let a, let b, _):
            collectTerms(a, into: &ids, positiveOnly: positiveOnly)
            collectTerms(b, into: &ids, positiveOnly: positiveOnly)
        }
    }

    // MARK: - Matching

    /// One field of the story.
    private struct Field {
        let set: FieldSet
        let name: String
        let value: FieldValue

        /// The field's text (a list's items joined by `listSeparator`), for snippets and regular
        /// expressions: joined only for a story that needs one, not for every story.
        var text: String {
            switch value {
            case .text(let text): text
            case .list(let items): items.joined(separator: Matcher.listSeparator)
            }
        }
    }

    private static let listSeparator = " \u{1F} "

    /// A field's value as the scan reads it.
    private enum FieldValue {
        /// One text, or a list of one item or none.
        case text(String)
        /// A list of two items or more, scanned item by item so that no phrase spans two.
        case list([String])

        static func of(_ items: [String]) -> FieldValue { items.count > 1 ? .list(items) : .text(items.first ?? "") }
    }

    /// Hands `body` each field some watch reads, in one fixed order: a hit names its field by
    /// its place in this order (`Hit.field`), in the scan and in `fields(of:)` alike.
    @inline(__always)
    private func forEachField(of story: StoryText, _ body: (FieldSet, String, FieldValue) -> Void) {
        if fieldsUsed.contains(.title) { body(.title, "title", .text(story.title)) }
        if fieldsUsed.contains(.summary) { body(.summary, "summary", .text(story.summary)) }
        if fieldsUsed.contains(.content) { body(.content, "content", .text(story.content)) }
        if fieldsUsed.contains(.category) { body(.category, "category", .of(story.categories)) }
        if fieldsUsed.contains(.author) { body(.author, "author", .of(story.authors)) }
        if fieldsUsed.contains(.link) { body(.link, "link", .text(story.link)) }
        if fieldsUsed.contains(.feed) { body(.feed, "feed", .text(story.feed)) }
    }

    /// The fields as explanations and regular expressions read them: made only for a story with
    /// a watch to evaluate (most stories have none; making them for every story was an array
    /// and a retain of each text per story).
    private func fields(of story: StoryText) -> [Field] {
        var fields: [Field] = []
        fields.reserveCapacity(7)
        forEachField(of: story) { fields.append(Field(set: $0, name: $1, value: $2)) }
        return fields
    }

    /// The hits of one story, in the order of the text, and each present term's first hit
    /// (what explanations show).
    private struct Found {
        /// Word terms' hits, in the order of the text (the term finder's storage, valid while
        /// it lives: through the matching of one story).
        let hits: UnsafeBufferPointer<Hit>
        /// Regular expressions' hits, found only for the watches evaluated.
        private(set) var regexHits: [Hit] = []
        /// Per term, when its bit in `present` is set: its first hit, as an index into `hits`, or
        /// `-1 - k` for `regexHits[k]`. Read only where `present` says the term occurs, so that
        /// it needs no clearing per story.
        let firstHit: UnsafeMutablePointer<Int32>
        let present: UnsafeMutablePointer<UInt64>

        @inline(__always)
        func occurs(_ t: Int) -> Bool { present[t >> 6] & (1 << UInt64(t & 63)) != 0 }

        func first(of term: Int) -> Hit? {
            guard occurs(term) else { return nil }
            let k = Int(firstHit[term])
            return k >= 0 ? hits[k] : regexHits[-1 - k]
        }

        /// Records a regular expression's hit (its first: each runs once per story).
        mutating func add(regexHit h: Hit) {
            let t = Int(h.term)
            firstHit[t] = Int32(-1 - regexHits.count)
            regexHits.append(h)
            present[t >> 6] |= 1 << UInt64(t & 63)
        }
    }

    /// A story's scanner and term finder, used by one thread at a time: taken from
    /// `scratches` for a story and put back after it.
    private final class Scratch: @unchecked Sendable {
        var scanner = WordScanner()
        var finder: TermFinder
        /// Per term, its first hit in the story (`Found.firstHit`): a table of its own, since a
        /// temporary one of a few hundred terms is past what the stack takes, and was allocated
        /// for every story with a hit.
        let firstHit: UnsafeMutablePointer<Int32>

        init(tables: TermTables, terms: Int) {
            finder = TermFinder(tables: tables)
            firstHit = .allocate(capacity: max(1, terms))
            firstHit.initialize(repeating: 0, count: max(1, terms))
        }

        deinit { firstHit.deallocate() }
    }

    /// More are made when more threads match at once; this many are kept.
    private static let keptScratches = 8

    /// The watches `story` matches, each with its explanation, in configuration order.
    public func match(_ story: StoryText) -> [WatchMatch] {
        let scratch = scratches.withLock { $0.popLast() } ?? Scratch(tables: tables, terms: terms.count)
        defer {
            scratch.finder.reset()
            if !scratch.scanner.isGrown {
                scratches.withLock { if $0.count < Self.keptScratches { $0.append(scratch) } }
            }
        }
        return match(story, scanner: &scratch.scanner, finder: &scratch.finder, firstHit: scratch.firstHit)
    }

    private func match(
        _ story: StoryText, scanner: inout WordScanner, finder: inout TermFinder,
        firstHit: UnsafeMutablePointer<Int32>
    ) -> [WatchMatch] {
        var f = 0
        forEachField(of: story) { set, _, value in
            finder.begin(field: f, set: set)
            f += 1
            switch value {
            case .text(var text): text.withUTF8 { scanner.scan($0, into: &finder) }
            case .list(let items):
                var offset = 0
                for item in items {
                    var item = item
                    item.withUTF8 { scanner.scan($0, base: offset, into: &finder) }
                    finder.breakPhrases()
                    offset += item.utf8.count + Self.listSeparator.utf8.count
                }
            }
        }
        if finder.hitCount == 0 && alwaysEvaluate.isEmpty { return [] }
        return finder.withHits { evaluate($0, story, firstHit: firstHit) }
    }

    /// Which terms occur and which watches to evaluate, from the story's hits; then the
    /// evaluation of those watches.
    private func evaluate(
        _ hits: UnsafeBufferPointer<Hit>, _ story: StoryText, firstHit: UnsafeMutablePointer<Int32>
    ) -> [WatchMatch] {
        let presentWords = (terms.count + 63) / 64
        let candidateWords = (watches.count + 63) / 64
        // Two bit sets: which terms occur (what the programs read), and the watches to evaluate
        // (read in configuration order); and each present term's first hit.
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: presentWords + candidateWords) { bits in
            bits.initialize(repeating: 0)
            guard let present = bits.baseAddress else { return [] }
            let candidates = UnsafeMutableBufferPointer(rebasing: bits[presentWords...])
            for w in alwaysEvaluate { candidates[w >> 6] |= 1 << UInt64(w & 63) }
            var any = !alwaysEvaluate.isEmpty
            for (i, h) in hits.enumerated() {
                let t = Int(h.term)
                guard present[t >> 6] & (1 << UInt64(t & 63)) == 0 else { continue }
                present[t >> 6] |= 1 << UInt64(t & 63)
                firstHit[t] = Int32(i)
                for k in Int(anchorStart[t])..<Int(anchorStart[t + 1]) {
                    let w = Int(anchored[k])
                    candidates[w >> 6] |= 1 << UInt64(w & 63)
                    any = true
                }
            }
            guard any else { return [] }
            return evaluate(
                candidates, Found(hits: hits, firstHit: firstHit, present: present), fields(of: story))
        }
    }

    /// Evaluates the candidate watches, and explains those that match.
    private func evaluate(_ candidates: UnsafeMutableBufferPointer<UInt64>, _ found: Found, _ fields: [Field])
        -> [WatchMatch]
    {
        var found = found
        var regexDone: [Int] = []
        var results: [WatchMatch] = []
        steps.withUnsafeBufferPointer { steps in
            lists.withUnsafeBufferPointer { lists in
                withUnsafeTemporaryAllocation(of: Bool.self, capacity: stackDepth) { stack in
                    for (i, bits) in candidates.enumerated() where bits != 0 {
                        var rest = bits
                        while rest != 0 {
                            let w = i << 6 | rest.trailingZeroBitCount
                            rest &= rest - 1
                            let program = programs[w]
                            // Regular expressions run only for the watches that use them, once per story.
                            if program.hasRegex {
                                for id in regexTerms[w] where !regexDone.contains(id) {
                                    regexDone.append(id)
                                    if let h = regexHit(id, fields: fields) { found.add(regexHit: h) }
                                }
                            }
                            guard run(program, steps, lists, found, stack: stack) else {
                                continue
                            }
                            results.append(explain(watches[w], found, fields))
                        }
                    }
                }
            }
        }
        return results
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
                term: Int32(id), field: Int32(f), position: -1, span: 0, sourceStart: Int32(prefix.utf8.count),
                sourceLength: Int32(matched.utf8.count))
        }
        return nil
    }

    /// Runs a watch's program: whether the story matches it.
    private func run(
        _ program: Program, _ steps: UnsafeBufferPointer<Step>, _ lists: UnsafeBufferPointer<Int32>, _ found: Found,
        stack: UnsafeMutableBufferPointer<Bool>
    ) -> Bool {
        let present = found.present
        var top = 0
        var k = Int(program.start)
        let end = Int(program.end)
        while k < end {
            let step = steps[k]
            let a = Int(step.argument)
            k += 1
            switch step.kind {
            case .term:
                stack[top] = present[a >> 6] & (1 << UInt64(a & 63)) != 0
                top += 1
            case .orElse:
                if stack[top - 1] { k = a } else { top -= 1 }
            case .andThen:
                if !stack[top - 1] { k = a } else { top -= 1 }
            case .not:
                stack[top - 1].toggle()
            case .near:
                stack[top] = nears[a].holds(found)
                top += 1
            case .anyTerm:
                var any = false
                for k in (a + 1)..<(a + 1 + Int(lists[a])) {
                    let t = Int(lists[k])
                    if present[t >> 6] & (1 << UInt64(t & 63)) != 0 {
                        any = true
                        break
                    }
                }
                stack[top] = any
                top += 1
            case .require:
                top -= 1
                if !stack[top] { return false }
            }
        }
        return top > 0 && stack[top - 1]
    }

    /// A NEAR test: the terms of each side (a term, or an OR of terms: what NEAR takes) as bit
    /// sets over term ids, and the largest number of words allowed between a hit of one side and
    /// a hit of the other in the same field.
    private struct NearTest: Sendable {
        let left: [UInt64]
        let right: [UInt64]
        let distance: Int32

        init(left: [Int], right: [Int], distance: Int) {
            func bits(_ ids: [Int]) -> [UInt64] {
                var set = [UInt64](repeating: 0, count: (ids.max() ?? -1) / 64 + 1)
                for t in ids { set[t >> 6] |= 1 << UInt64(t & 63) }
                return set
            }
            self.left = bits(left)
            self.right = bits(right)
            self.distance = Int32(clamping: distance)
        }

        /// The terms whose hits count for one side: a term, or each term of an OR of terms.
        static func terms(of n: Node) -> [Int] {
            switch n {
            case .term(let i): return [i]
            case .or(let items): return items.flatMap(terms)
            default: return []
            }
        }

        @inline(__always)
        private static func has(_ set: [UInt64], _ t: Int32) -> Bool {
            let w = Int(t) >> 6
            return w < set.count && set[w] & (1 << UInt64(t & 63)) != 0
        }

        private static func anyPresent(_ set: [UInt64], _ present: UnsafeMutablePointer<UInt64>) -> Bool {
            for (w, bits) in set.enumerated() where bits & present[w] != 0 { return true }
            return false
        }

        /// Whether the story has the two sides near each other: first whether each side occurs
        /// at all (a bit set test), then one walk over the story's hits per hit of the left side.
        /// Regular expressions' hits have no word position and never count.
        func holds(_ found: Found) -> Bool {
            guard Self.anyPresent(left, found.present), Self.anyPresent(right, found.present) else { return false }
            for x in found.hits where x.position >= 0 && Self.has(left, x.term) {
                for y in found.hits where y.field == x.field && y.position >= 0 && Self.has(right, y.term) {
                    let gap =
                        x.position < y.position
                        ? y.position - (x.position + x.span - 1) : x.position - (y.position + y.span - 1)
                    if gap <= distance { return true }
                }
            }
            return false
        }
    }

    /// The terms that made the watch match (those found outside any NOT), first hit first.
    private func explain(_ watch: CompiledWatch, _ found: Found, _ fields: [Field]) -> WatchMatch {
        var explained: [WatchMatch.Term] = []
        explained.reserveCapacity(watch.explaining.count)
        var earliest: Hit?
        for t in watch.explaining {
            guard let h = found.first(of: t) else { continue }
            explained.append(WatchMatch.Term(term: terms[t].display, field: fields[Int(h.field)].name))
            if let e = earliest, (e.field, e.sourceStart) <= (h.field, h.sourceStart) { continue }
            earliest = h
        }
        let snippet =
            earliest.map {
                Snippet.around(fields[Int($0.field)].text, start: Int($0.sourceStart), length: Int($0.sourceLength))
            } ?? ""
        return WatchMatch(watch: watch.name, terms: explained, snippet: snippet)
    }
}

/// NSRegularExpression is immutable once made and documented as safe to share across threads.
struct NSRegularExpressionBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}
