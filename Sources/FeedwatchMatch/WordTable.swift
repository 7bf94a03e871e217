/// Words of every watch in one open-addressing table placed by `WordHash`, each distinct word in
/// one 16-byte slot holding its first eight bytes, its length and its first term: a lookup is one
/// probe and, for a word of up to eight bytes, two integer compares, without the standard
/// dictionary's re-hashing, reference counting or a second memory access (a table of 1,000
/// watches' words is 128 KB). The matcher probes it
/// for every word of every story that `TermFilter` lets through, so this is the cost that must not
/// grow with the watches.
///
/// A value over raw storage, so that a lookup retains nothing: its owner (`TermTables`) calls
/// `deallocate()` once. Unchecked Sendable: the storage is written in `init` and only read
/// afterwards.
struct WordTable: @unchecked Sendable {
    private struct Slot {
        /// The word's first eight bytes, zero-padded (`WordHash.head`).
        var head: UInt64 = 0
        var term: Int32 = 0
        /// The word's length; 0: an empty slot.
        var length: UInt16 = 0
        /// More terms with this same word (the same word in two field scopes, say), listed
        /// from `more[slot].extraStart`.
        var extraCount: UInt16 = 0
    }

    /// What a slot rarely needs, apart: where its extra terms and its bytes past the first eight
    /// (`tails[tailStart ..< tailStart + length - 8]`) are.
    private struct More {
        var extraStart: Int32 = 0
        var tailStart: Int32 = 0
    }

    private let shift: UInt64
    private let mask: Int
    private let slots: UnsafeMutablePointer<Slot>
    private let more: UnsafeMutablePointer<More>
    private let extra: UnsafeMutablePointer<Int32>
    private let tails: UnsafeMutablePointer<UInt8>

    init(_ words: [(bytes: [UInt8], term: Int)]) {
        var termsOf: [[UInt8]: [Int32]] = [:]
        for w in words where !w.bytes.isEmpty { termsOf[w.bytes, default: []].append(Int32(w.term)) }
        // At most half full, so that a miss (what most words are) ends within a probe or two.
        var bits: UInt64 = 3
        while (1 << bits) < termsOf.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        shift = 64 - bits
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        more = .allocate(capacity: capacity)
        more.initialize(repeating: More(), count: capacity)
        var extra: [Int32] = []
        var tails: [UInt8] = []
        for (bytes, terms) in termsOf.sorted(by: { $0.value[0] < $1.value[0] }) {
            var slot = Self.slot(bytes.withUnsafeBufferPointer(WordHash.of), shift)
            while slots[slot].length != 0 { slot = (slot + 1) & mask }
            // Words are at most `ExpressionParser.maxWordBytes` long: the length fits.
            slots[slot] = Slot(
                head: bytes.withUnsafeBufferPointer(WordHash.head), term: terms[0],
                length: UInt16(clamping: bytes.count), extraCount: UInt16(clamping: terms.count - 1))
            more[slot] = More(extraStart: Int32(extra.count), tailStart: Int32(tails.count))
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
        slots.deallocate()
        more.deallocate()
        extra.deallocate()
        tails.deallocate()
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: key >> shift) }

    /// Calls `body` with every term whose word is `word` (given with its `WordHash` and head).
    @inline(__always)
    func forEachTerm(hash: UInt64, head: UInt64, word: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        var slot = Self.slot(hash, shift)
        while true {
            let s = slots[slot]
            if s.length == 0 { return }
            if s.head == head && Int(s.length) == word.count && (word.count <= 8 || tailEqual(slot, word)) {
                body(Int(s.term))
                if s.extraCount > 0 {
                    let start = Int(more[slot].extraStart)
                    for i in start..<(start + Int(s.extraCount)) { body(Int(extra[i])) }
                }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private func tailEqual(_ slot: Int, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        UnsafeBufferPointer(start: tails + Int(more[slot].tailStart), count: word.count - 8).elementsEqual(
            UnsafeBufferPointer(rebasing: word[8...]))
    }
}
