/// Words of every watch in one open-addressing table keyed by `WordHash`, each distinct word in
/// one 32-byte slot holding its hash, its first eight bytes and its first term: a lookup is one
/// probe and, for a word of up to eight bytes, two integer compares, without the standard
/// dictionary's re-hashing, reference counting or a second memory access. The matcher probes it
/// for every word of every story that `TermFilter` lets through, so this is the cost that must not
/// grow with the watches.
///
/// A value over raw storage, so that a lookup retains nothing: its owner (`TermTables`) calls
/// `deallocate()` once. Unchecked Sendable: the storage is written in `init` and only read
/// afterwards.
struct WordTable: @unchecked Sendable {
    private struct Slot {
        /// The word's hash; 0: empty (a real hash of 0 is stored as 1).
        var key: UInt64 = 0
        /// The word's first eight bytes, zero-padded (`WordHash.head`).
        var head: UInt64 = 0
        var term: Int32 = 0
        var length: UInt16 = 0
        /// More terms with this same word (the same word in two field scopes, say):
        /// `extra[extraStart ..< extraStart + extraCount]`.
        var extraCount: UInt16 = 0
        var extraStart: Int32 = 0
        /// The word's bytes past the first eight: `tails[tailStart ..< tailStart + length - 8]`.
        var tailStart: Int32 = 0
    }

    private let shift: UInt64
    private let mask: Int
    private let slots: UnsafeMutablePointer<Slot>
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
        var extra: [Int32] = []
        var tails: [UInt8] = []
        for (bytes, terms) in termsOf.sorted(by: { $0.value[0] < $1.value[0] }) {
            let key = Self.key(bytes.withUnsafeBufferPointer(WordHash.of))
            var slot = Self.slot(key, shift)
            while slots[slot].key != 0 { slot = (slot + 1) & mask }
            slots[slot] = Slot(
                key: key, head: bytes.withUnsafeBufferPointer(WordHash.head), term: terms[0],
                length: UInt16(clamping: bytes.count), extraCount: UInt16(clamping: terms.count - 1),
                extraStart: Int32(extra.count), tailStart: Int32(tails.count))
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
        extra.deallocate()
        tails.deallocate()
    }

    @inline(__always)
    private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: key >> shift) }

    /// Calls `body` with every term whose word is `word` (given with its `WordHash` and head).
    @inline(__always)
    func forEachTerm(hash: UInt64, head: UInt64, word: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        let k = Self.key(hash)
        var slot = Self.slot(k, shift)
        while true {
            let s = slots[slot]
            if s.key == 0 { return }
            if s.key == k && s.head == head && Int(s.length) == word.count
                && (word.count <= 8 || tailEqual(s, word))
            {
                body(Int(s.term))
                if s.extraCount > 0 {
                    for i in Int(s.extraStart)..<(Int(s.extraStart) + Int(s.extraCount)) { body(Int(extra[i])) }
                }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private func tailEqual(_ s: Slot, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        UnsafeBufferPointer(start: tails + Int(s.tailStart), count: word.count - 8).elementsEqual(
            UnsafeBufferPointer(rebasing: word[8...]))
    }
}
