/// A first look at a word: which tables can hold it? Per (first two bytes, length): whether
/// an exact word or a phrase's first word has that shape, and which prefix lengths start so. Most
/// words of a story fit no term and are dismissed without hashing or probing any table; the rest
/// probe only the prefix lengths that can match (not one table per prefix length in use).
struct TermFilter: ~Copyable {
    /// Per pair of first bytes (6 bits each): in the low half a bit per word length 1...32 (32:
    /// 32 or more) of exact words; in the high half a bit per prefix length 1...32. One load
    /// answers both.
    private let shapes: UnsafeMutablePointer<UInt64>
    private static let count = 64 * 64

    init(exact words: [[UInt8]], prefixes: [[UInt8]]) {
        shapes = .allocate(capacity: Self.count)
        shapes.initialize(repeating: 0, count: Self.count)
        for w in words where !w.isEmpty { shapes[Self.slot(w)] |= UInt64(Self.bit(w.count)) }
        for w in prefixes where !w.isEmpty { shapes[Self.slot(w)] |= UInt64(Self.bit(w.count)) << 32 }
    }

    /// A word's slot, from its first two bytes as they lie in its `WordHash.head`.
    @inline(__always)
    fileprivate static func slot(head: UInt64) -> Int { Int(head & 0x3F) << 6 | Int((head >> 8) & 0x3F) }

    private static func slot(_ w: [UInt8]) -> Int {
        slot(head: w.withUnsafeBufferPointer(WordHash.head))
    }

    deinit { shapes.deallocate() }

    @inline(__always)
    fileprivate static func bit(_ length: Int) -> UInt32 { 1 << UInt32(min(length, 32) - 1) }

    /// The filter's storage, without ownership: what a scan holds (a copy retains nothing).
    struct View {
        fileprivate let shapes: UnsafePointer<UInt64>

        /// Whether `word` may be an exact word, and the prefix lengths (bit `L - 1` for length
        /// `L`) at which it may start a prefix term: false and 0 when it surely is no term's word.
        /// `head` is the word's `WordHash.head` (its first two bytes are the slot's).
        @inline(__always)
        func candidates(length n: Int, head: UInt64) -> (exact: Bool, prefixLengths: UInt32) {
            guard n > 0 else { return (false, 0) }
            let shape = shapes[TermFilter.slot(head: head)]
            let bit = TermFilter.bit(n)
            // Prefixes no longer than the word: this bit and every bit below it.
            return (
                UInt32(truncatingIfNeeded: shape) & bit != 0,
                UInt32(truncatingIfNeeded: shape >> 32) & (bit | (bit &- 1))
            )
        }
    }

    var view: View { View(shapes: shapes) }
}
