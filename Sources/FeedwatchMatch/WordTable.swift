/// Words of every watch in one open-addressing table placed by `WordHash`, each distinct word in
/// one 24-byte slot holding its first eight bytes, its length, its first term and that term's
/// facts: a lookup is one probe and, for a word of up to eight bytes, two integer compares,
/// without the standard dictionary's re-hashing, reference counting or a second memory access
/// (a table of 1,000 watches' words is 192 KB). The matcher probes it
/// for every word of every story that `TermFilter` lets through, so this is the cost that must not
/// grow with the watches.
///
/// A value over raw storage, so that a lookup retains nothing: its owner (`TermTables`) calls
/// `deallocate()` once. Unchecked Sendable: the storage is written in `init` and only read
/// afterwards.
struct WordTable: @unchecked Sendable {
    /// One word of one term, with what the scan must know of that term (`TermFacts`).
    struct Entry {
        let bytes: [UInt8]
        let term: Int32
        let facts: TermFacts
    }

    /// 24 bytes: all a probe reads is in the slot, in one cache line or two adjacent ones.
    private struct Slot {
        /// The word's first eight bytes, zero-padded (`WordHash.head`).
        var head: UInt64 = 0
        var term: Int32 = 0
        /// The word's bytes past the first eight: `tails[tailStart ..< tailStart + length - 8]`.
        var tailStart: Int32 = 0
        /// With `TermFacts.more` (more terms share this word: the same word in two field scopes,
        /// a phrase's first word that is also a term of its own): the others are
        /// `extra[extraStart ..< extraStart + extraCounts[slot]]`.
        var extraStart: Int32 = 0
        /// The word's length; 0: an empty slot.
        var length: UInt16 = 0
        /// The term's facts, so that a hit needs no second memory access.
        var facts: TermFacts = TermFacts(rawValue: 0)
    }

    private let shift: UInt64
    private let mask: Int
    /// A bit per value of 16 to 31 bits of the hash (bits 32 and up, apart from the slot's),
    /// set for every word in the table, 16 or more bits per word: most words not in the table
    /// end at their bit, a load from a table a sixteenth of the slots' size that stays in the
    /// first-level cache, not at a slot.
    private let keys: UnsafeMutablePointer<UInt64>
    private let keyMask: UInt64
    private let slots: UnsafeMutablePointer<Slot>
    /// Per slot with extra terms, how many (read only for those).
    private let extraCounts: UnsafeMutablePointer<Int32>
    private let extra: UnsafeMutablePointer<(term: Int32, facts: TermFacts)>
    private let tails: UnsafeMutablePointer<UInt8>

    init(_ entries: [Entry]) {
        var termsOf: [[UInt8]: [(term: Int32, facts: TermFacts)]] = [:]
        for e in entries where !e.bytes.isEmpty { termsOf[e.bytes, default: []].append((e.term, e.facts)) }
        // At most half full, so that a miss (what most words are) ends within a probe or two.
        var bits: UInt64 = 3
        while (1 << bits) < termsOf.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        shift = 64 - bits
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        let keyBits = max(512, capacity * 8)
        keyMask = UInt64(keyBits - 1)
        keys = .allocate(capacity: keyBits / 64)
        keys.initialize(repeating: 0, count: keyBits / 64)
        extraCounts = .allocate(capacity: capacity)
        extraCounts.initialize(repeating: 0, count: capacity)
        var extra: [(term: Int32, facts: TermFacts)] = []
        var tails: [UInt8] = []
        for (bytes, terms) in termsOf.sorted(by: { $0.value[0].term < $1.value[0].term }) {
            let hash = bytes.withUnsafeBufferPointer(WordHash.of)
            let key = Self.key(hash, keyMask)
            keys[key >> 6] |= 1 << UInt64(key & 63)
            var slot = Self.slot(hash, shift)
            while slots[slot].length != 0 { slot = (slot + 1) & mask }
            // Words are at most `ExpressionParser.maxWordBytes` long: the length fits.
            var facts = terms[0].facts
            if terms.count > 1 { facts.insert(.more) }
            slots[slot] = Slot(
                head: bytes.withUnsafeBufferPointer(WordHash.head), term: terms[0].term, tailStart: Int32(tails.count),
                extraStart: Int32(extra.count), length: UInt16(clamping: bytes.count), facts: facts)
            extraCounts[slot] = Int32(terms.count - 1)
            extra.append(contentsOf: terms.dropFirst())
            tails.append(contentsOf: bytes.dropFirst(8))
        }
        self.extra = .allocate(capacity: max(1, extra.count))
        self.extra.initialize(from: extra, count: extra.count)
        self.tails = .allocate(capacity: max(1, tails.count))
        self.tails.initialize(from: tails, count: tails.count)
    }

    /// Frees the storage; the table must not be used afterwards.
    func deallocate() {
        keys.deallocate()
        slots.deallocate()
        extraCounts.deallocate()
        extra.deallocate()
        tails.deallocate()
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: key >> shift) }

    @inline(__always)
    private static func key(_ hash: UInt64, _ mask: UInt64) -> Int { Int(truncatingIfNeeded: (hash >> 32) & mask) }

    /// Calls `body` with every term whose word is `word` (given with its `WordHash` and head),
    /// and that term's facts.
    @inline(__always)
    func forEachTerm(
        hash: UInt64, head: UInt64, word: UnsafeBufferPointer<UInt8>, _ body: (Int32, TermFacts) -> Void
    ) {
        let key = Self.key(hash, keyMask)
        guard keys[key >> 6] & (1 << UInt64(key & 63)) != 0 else { return }
        var slot = Self.slot(hash, shift)
        while true {
            let s = slots[slot]
            if s.length == 0 { return }
            if s.head == head && Int(s.length) == word.count && (word.count <= 8 || tailEqual(s, word)) {
                body(s.term, s.facts)
                if s.facts.contains(.more) {
                    let start = Int(s.extraStart)
                    for i in start..<(start + Int(extraCounts[slot])) { body(extra[i].term, extra[i].facts) }
                }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private func tailEqual(_ slot: Slot, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        UnsafeBufferPointer(start: tails + Int(slot.tailStart), count: word.count - 8).elementsEqual(
            UnsafeBufferPointer(rebasing: word[8...]))
    }
}

/// What looking a word up must know of a term, packed beside the word in its table slot: the
/// fields it is looked for in, whether it asks for an abbreviation ("U.S."), whether it is a
/// phrase (its first word starts a wait for the next).
struct TermFacts: OptionSet, Sendable {
    let rawValue: UInt16

    static let abbreviation = TermFacts(rawValue: 1 << 8)
    static let phrase = TermFacts(rawValue: 1 << 9)
    /// In a table slot: more terms share the slot's word.
    static let more = TermFacts(rawValue: 1 << 10)

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(fields: FieldSet, abbreviation: Bool, phrase: Bool) {
        var raw = UInt16(fields.rawValue)
        if abbreviation { raw |= Self.abbreviation.rawValue }
        if phrase { raw |= Self.phrase.rawValue }
        self.rawValue = raw
    }

    /// Whether the term is looked for in `field` (a single field).
    @inline(__always)
    func covers(_ field: FieldSet) -> Bool { UInt8(truncatingIfNeeded: rawValue) & field.rawValue != 0 }
}
