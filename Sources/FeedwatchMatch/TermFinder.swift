import FeedwatchModel

/// Where a term occurs in a story.
struct Hit {
    let term: Int32
    /// Index of the story's field (in the order `Matcher` scans them).
    let field: Int32
    /// Index of the first word in the story (-1 for a regular expression's hit), and how many
    /// words the hit spans.
    let position: Int32
    let span: Int32
    /// Byte range in the field's text, for snippets.
    let sourceStart: Int32
    let sourceLength: Int32
}

/// Every word term of every watch, in tables keyed by the words' hashes: exact words and the
/// first words of phrases in one table, single-word prefixes in one table per prefix length.
/// Built once per configuration and shared by every story and thread (unchecked Sendable: its
/// raw storage, of the term facts, tables and filter, is written in `init` and only read after).
final class TermTables: @unchecked Sendable {
    /// A phrase's words past its first, as a waiting phrase compares them with the story's next
    /// words: first eight bytes and length, the rest in `tails`.
    struct Part {
        let head: UInt64
        let length: Int32
        let tailStart: Int32
        /// The phrase's last word, and a prefix ("civil war*").
        let isLastPrefix: Bool
        let isLast: Bool
    }

    /// Per phrase term, its words past the first: `parts[partStart[t] ..< partStart[t] + n - 1]`
    /// (raw storage, read for every word while a phrase waits).
    let parts: UnsafeMutablePointer<Part>
    let partStart: UnsafeMutablePointer<Int32>
    let tails: UnsafeMutablePointer<UInt8>
    let exact: WordTable
    /// Single-word prefixes: a table per prefix length up to 31 (index: length - 1), and one per
    /// longer length, ascending (the filter has one bit for all of those).
    let prefixTables: [WordTable?]
    let longPrefixes: [(length: Int, table: WordTable)]
    let filter: TermFilter

    /// `terms[i]` is nil for a term that is not made of words (a regular expression).
    init(terms: [(words: [[UInt8]], lastIsPrefix: Bool, fields: FieldSet, abbreviation: Bool)?]) {
        var exact: [WordTable.Entry] = []
        var prefixes: [Int: [WordTable.Entry]] = [:]
        var parts: [Part] = []
        var partStart: [Int32] = []
        var tails: [UInt8] = []
        for (i, term) in terms.enumerated() {
            partStart.append(Int32(parts.count))
            guard let term else { continue }
            for (k, word) in term.words.enumerated().dropFirst() {
                let isLast = k == term.words.count - 1
                parts.append(
                    Part(
                        head: word.withUnsafeBufferPointer(WordHash.head), length: Int32(word.count),
                        tailStart: Int32(tails.count), isLastPrefix: isLast && term.lastIsPrefix, isLast: isLast))
                tails.append(contentsOf: word.dropFirst(8))
            }
            let entry = WordTable.Entry(
                bytes: term.words[0], term: Int32(i),
                facts: TermFacts(fields: term.fields, abbreviation: term.abbreviation, phrase: term.words.count > 1))
            if term.words.count == 1 && term.lastIsPrefix {
                prefixes[term.words[0].count, default: []].append(entry)
            } else {
                exact.append(entry)
            }
        }
        self.parts = .allocate(capacity: max(1, parts.count))
        self.parts.initialize(from: parts, count: parts.count)
        self.partStart = .allocate(capacity: max(1, partStart.count))
        self.partStart.initialize(from: partStart, count: partStart.count)
        self.tails = .allocate(capacity: max(1, tails.count))
        self.tails.initialize(from: tails, count: tails.count)
        self.exact = WordTable(exact)
        self.prefixTables = (1...31).map { length in prefixes[length].map(WordTable.init) }
        self.longPrefixes = prefixes.filter { $0.key >= 32 }.sorted { $0.key < $1.key }.map {
            ($0.key, WordTable($0.value))
        }
        self.filter = TermFilter(exact: exact.map(\.bytes), prefixes: prefixes.values.joined().map(\.bytes))
    }

    deinit {
        parts.deallocate()
        partStart.deallocate()
        tails.deallocate()
        exact.deallocate()
        for table in prefixTables { table?.deallocate() }
        for long in longPrefixes { long.table.deallocate() }
    }
}

/// Finds the terms of `TermTables` in a story as `WordScanner` hands over its words, keeping
/// only the hits: each word is looked up once, whatever the number of watches; a phrase whose
/// first word occurs waits for its next words in `pending`.
struct TermFinder: WordSink, ~Copyable {
    private struct PendingPhrase {
        let term: Int32
        var next: Int32
        let position: Int32
        let sourceStart: Int
    }

    let tables: TermTables
    private let parts: UnsafeMutablePointer<TermTables.Part>
    private let partStart: UnsafeMutablePointer<Int32>
    private let tails: UnsafeMutablePointer<UInt8>
    private let filter: TermFilter.View
    /// The hits so far: `hitStorage[0 ..< hitCount]` (raw storage, appended to for every hit).
    private var hitStorage: UnsafeMutablePointer<Hit>
    private var hitCapacity = TermFinder.initialHitCapacity
    private(set) var hitCount = 0
    private var pending: [PendingPhrase] = []
    private var field: Int32 = 0
    private var fieldSet: FieldSet = []
    private var position: Int32 = 0

    init(tables: TermTables) {
        self.tables = tables
        self.parts = tables.parts
        self.partStart = tables.partStart
        self.tails = tables.tails
        self.filter = tables.filter.view
        self.hitStorage = .allocate(capacity: hitCapacity)
    }

    deinit { hitStorage.deallocate() }

    /// Forgets the last story's hits and phrases, keeping the storage for the next story unless
    /// a story with an uncommon number of them grew it (a hostile one can have a hit per word).
    mutating func reset() {
        hitCount = 0
        if hitCapacity > Self.keptHitCapacity {
            hitStorage.deallocate()
            hitCapacity = Self.initialHitCapacity
            hitStorage = .allocate(capacity: hitCapacity)
        }
        pending.removeAll(keepingCapacity: pending.capacity <= Self.keptHitCapacity)
        field = 0
        fieldSet = []
        position = 0
    }

    private static let initialHitCapacity = 64
    private static let keptHitCapacity = 4096

    /// Calls `body` with the hits, in the order of the text (the finder's own storage, valid
    /// during the call).
    func withHits<R>(_ body: (UnsafeBufferPointer<Hit>) -> R) -> R {
        body(UnsafeBufferPointer(start: hitStorage, count: hitCount))
    }

    @inline(__always)
    private mutating func record(_ hit: Hit) {
        if hitCount == hitCapacity {
            let grown = UnsafeMutablePointer<Hit>.allocate(capacity: hitCapacity * 2)
            grown.moveInitialize(from: hitStorage, count: hitCount)
            hitStorage.deallocate()
            hitStorage = grown
            hitCapacity *= 2
        }
        (hitStorage + hitCount).initialize(to: hit)
        hitCount += 1
    }

    /// The words that follow are in field `index` (a phrase never spans two fields).
    mutating func begin(field index: Int, set: FieldSet) {
        field = Int32(index)
        fieldSet = set
        pending.removeAll(keepingCapacity: true)
    }

    /// A break inside a field (between two categories): a phrase never spans it.
    mutating func breakPhrases() {
        pending.removeAll(keepingCapacity: true)
    }

    /// Inlined into the scanner: most words end at the filter, by their shape, before the
    /// scanner works out the rest of them.
    @inline(__always)
    mutating func word(length: Int, head: UInt64, _ make: () -> ScannedWord) {
        let p = position
        position &+= 1
        let (exact, prefixLengths) = filter.candidates(length: length, head: head)
        let wanted = exact || prefixLengths != 0
        guard wanted || !pending.isEmpty else { return }
        let w = make()
        // Waiting phrases first: a phrase this word starts waits for the next word.
        if !pending.isEmpty { advancePhrases(w) }
        if wanted { lookUp(w, at: p, exact: exact, prefixLengths: prefixLengths) }
    }

    /// The tables' terms for word `w`, at position `p`, recorded as hits or waiting phrases.
    @inline(never)
    private mutating func lookUp(_ w: ScannedWord, at p: Int32, exact: Bool, prefixLengths: UInt32) {
        let sourceStart = Int32(w.sourceStart)
        let sourceLength = Int32(w.sourceEnd - w.sourceStart)
        let head = w.head
        if exact {
            tables.exact.forEachTerm(hash: WordHash.of(w.folded, head: head), head: head, word: w.folded) { t, facts in
                guard facts.covers(fieldSet), !facts.contains(.abbreviation) || w.isAbbreviation else { return }
                if facts.contains(.phrase) {
                    pending.append(PendingPhrase(term: t, next: 1, position: p, sourceStart: w.sourceStart))
                } else {
                    record(
                        Hit(
                            term: t, field: field, position: p, span: 1, sourceStart: sourceStart,
                            sourceLength: sourceLength))
                }
            }
        }
        var lengths = prefixLengths
        func probe(_ prefixLength: Int, _ table: WordTable?) {
            guard let table, prefixLength <= w.folded.count else { return }
            let prefix = UnsafeBufferPointer(rebasing: w.folded[0..<prefixLength])
            let prefixHead = head & ByteFlags.lowBytes(prefixLength)
            table.forEachTerm(hash: WordHash.of(prefix, head: prefixHead), head: prefixHead, word: prefix) { t, facts in
                if facts.covers(fieldSet) {
                    record(
                        Hit(
                            term: t, field: field, position: p, span: 1, sourceStart: sourceStart,
                            sourceLength: sourceLength))
                }
            }
        }
        while lengths != 0 {
            let bit = lengths.trailingZeroBitCount
            lengths &= lengths &- 1
            if bit < 31 {
                probe(bit + 1, tables.prefixTables[bit])
            } else {
                // Bit 31 stands for 32 bytes or more: each such length is probed on its own.
                for long in tables.longPrefixes { probe(long.length, long.table) }
            }
        }
    }

    /// Moves every waiting phrase on by word `w`: its next word, or its end (a hit), or a miss.
    private mutating func advancePhrases(_ w: ScannedWord) {
        var kept = 0
        for i in pending.indices {
            var phrase = pending[i]
            let part = parts[Int(partStart[Int(phrase.term)]) + Int(phrase.next) - 1]
            guard matches(w, part) else { continue }
            if part.isLast {
                record(
                    Hit(
                        term: phrase.term, field: field, position: phrase.position, span: phrase.next + 1,
                        sourceStart: Int32(phrase.sourceStart), sourceLength: Int32(w.sourceEnd - phrase.sourceStart)))
            } else {
                phrase.next += 1
                pending[kept] = phrase
                kept += 1
            }
        }
        pending.removeLast(pending.count - kept)
    }

    /// Whether word `w` is the phrase word `part` (or, for a last prefix, starts with it).
    @inline(__always)
    private func matches(_ w: ScannedWord, _ part: TermTables.Part) -> Bool {
        let length = Int(part.length)
        if part.isLastPrefix {
            guard w.folded.count >= length, w.head & ByteFlags.lowBytes(length) == part.head else { return false }
        } else {
            guard w.folded.count == length, w.head == part.head else { return false }
        }
        guard length > 8 else { return true }
        return UnsafeBufferPointer(start: tails + Int(part.tailStart), count: length - 8).elementsEqual(
            UnsafeBufferPointer(rebasing: w.folded[8..<length]))
    }
}
