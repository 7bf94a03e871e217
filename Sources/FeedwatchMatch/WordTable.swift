/// Words of every watch by their 64-bit FNV-1a hash (the tokenizer's), in one open-addressing
/// table with flat storage: a lookup is a multiply-free probe and a byte compare, without the
/// standard dictionary's re-hashing or the reference counting of nested arrays. The matcher probes
/// it once per word of every story, so this is the cost that must not grow with the watches.
final class WordTable: Sendable {
    /// An entry: the term it belongs to and its bytes in `bytes`.
    struct Entry: Sendable {
        let term: Int32
        let offset: Int32
        let length: Int32
    }

    private let mask: Int
    /// Per slot: the hash (0: empty; a real hash of 0 is stored as 1), and the slot's entries as a
    /// range of `entries`.
    private let keys: [UInt64]
    private let firsts: [Int32]
    private let counts: [Int32]
    private let entries: [Entry]
    private let bytes: [UInt8]

    var isEmpty: Bool { entries.isEmpty }

    init(_ words: [(bytes: [UInt8], term: Int)]) {
        var byHash: [UInt64: [(bytes: [UInt8], term: Int)]] = [:]
        for w in words { byHash[Self.key(TokenizedText.fnv(w.bytes[...])), default: []].append(w) }
        var capacity = 8
        while capacity < byHash.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: 0, count: capacity)
        var firsts = [Int32](repeating: 0, count: capacity)
        var counts = [Int32](repeating: 0, count: capacity)
        var entries: [Entry] = []
        var bytes: [UInt8] = []
        for (hash, list) in byHash.sorted(by: { $0.key < $1.key }) {
            var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = hash
            firsts[slot] = Int32(entries.count)
            counts[slot] = Int32(list.count)
            for w in list {
                entries.append(Entry(term: Int32(w.term), offset: Int32(bytes.count), length: Int32(w.bytes.count)))
                bytes.append(contentsOf: w.bytes)
            }
        }
        self.mask = capacity - 1
        self.keys = keys
        self.firsts = firsts
        self.counts = counts
        self.entries = entries
        self.bytes = bytes
    }

    @inline(__always)
    private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// Calls `body` with the term of every entry whose bytes equal `word` (given with its hash).
    @inline(__always)
    func forEachTerm(hash: UInt64, word: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        let k = Self.key(hash)
        var slot = Int(truncatingIfNeeded: k) & mask
        while true {
            let stored = keys[slot]
            if stored == 0 { return }
            if stored == k { break }
            slot = (slot + 1) & mask
        }
        let first = Int(firsts[slot])
        for i in first..<(first + Int(counts[slot])) {
            let e = entries[i]
            guard Int(e.length) == word.count else { continue }
            let start = Int(e.offset)
            let equal = bytes.withUnsafeBufferPointer { stored in
                UnsafeBufferPointer(rebasing: stored[start..<(start + word.count)]).elementsEqual(word)
            }
            if equal { body(Int(e.term)) }
        }
    }
}
