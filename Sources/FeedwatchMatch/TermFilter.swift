/// A first look at a word: which tables can hold it? Per (first two bytes, length): whether
/// an exact word or a phrase's first word has that shape, and which prefix lengths start so. Most
/// words of a story fit no term and are dismissed without hashing or probing any table; the rest
/// probe only the prefix lengths that can match (not one table per prefix length in use).
///
/// Two bytes and a length let through a quarter of a news story's words for the shipped watch
/// ("minister" has the shape of "militia*", "month" of "Mosul"), so a second look asks a bit
/// set (4 KB) keyed by the word's first eight bytes and length, and for prefixes of four bytes
/// or more by its first four: seven in ten of the lookups a story made were for such words.
struct TermFilter: ~Copyable {
    /// Per pair of first bytes (6 bits each): in the low half a bit per word length 1...32 (32:
    /// 32 or more) of exact words; in the high half a bit per prefix length 1...32. One load
    /// answers both.
    private let shapes: UnsafeMutablePointer<UInt64>
    private static let count = 64 * 64
    /// The second look: a bit per key of `exactKey` and `prefixKey` (one hash, 2^15 bits; a few
    /// hundred terms set well under 1 % of them).
    private let keys: UnsafeMutablePointer<UInt64>
    private static let keyWords = 1 << 9

    init(exact words: [[UInt8]], prefixes: [[UInt8]]) {
        shapes = .allocate(capacity: Self.count)
        shapes.initialize(repeating: 0, count: Self.count)
        keys = .allocate(capacity: Self.keyWords)
        keys.initialize(repeating: 0, count: Self.keyWords)
        for w in words where !w.isEmpty {
            let head = w.withUnsafeBufferPointer(WordHash.head)
            shapes[Self.slot(head: head)] |= UInt64(Self.bit(w.count))
            Self.set(Self.exactKey(head: head, length: w.count), in: keys)
        }
        for w in prefixes where !w.isEmpty {
            let head = w.withUnsafeBufferPointer(WordHash.head)
            shapes[Self.slot(head: head)] |= UInt64(Self.bit(w.count)) << 32
            if w.count >= Self.prefixKeyBytes { Self.set(Self.prefixKey(head: head), in: keys) }
        }
    }

    /// Prefix terms this long or longer are asked for by their first four bytes.
    fileprivate static let prefixKeyBytes = 4

    /// A word's key for exact terms: its first eight bytes (as in `WordHash.head`) and length.
    @inline(__always)
    fileprivate static func exactKey(head: UInt64, length: Int) -> Int {
        Int(
            truncatingIfNeeded: ((head ^ UInt64(truncatingIfNeeded: length) &* 0xBF58_476D_1CE4_E5B9)
                &* 0x9E37_79B9_7F4A_7C15) >> 49)
    }

    /// A word's key for prefix terms of at least `prefixKeyBytes`: its first four bytes (a
    /// length of zero keeps it apart from the exact key of a four-byte word).
    @inline(__always)
    fileprivate static func prefixKey(head: UInt64) -> Int {
        Int(truncatingIfNeeded: ((head & 0xFFFF_FFFF) &* 0x9E37_79B9_7F4A_7C15) >> 49)
    }

    private static func set(_ key: Int, in bits: UnsafeMutablePointer<UInt64>) {
        bits[key >> 6] |= 1 << UInt64(key & 63)
    }

    @inline(__always)
    fileprivate static func isSet(_ key: Int, in bits: UnsafePointer<UInt64>) -> Bool {
        bits[key >> 6] & (1 << UInt64(key & 63)) != 0
    }

    /// A word's slot, from its first two bytes as they lie in its `WordHash.head`.
    @inline(__always)
    fileprivate static func slot(head: UInt64) -> Int { Int(head & 0x3F) << 6 | Int((head >> 8) & 0x3F) }

    deinit {
        shapes.deallocate()
        keys.deallocate()
    }

    @inline(__always)
    fileprivate static func bit(_ length: Int) -> UInt32 { 1 << UInt32(min(length, 32) - 1) }

    /// The filter's storage, without ownership: what a scan holds (a copy retains nothing).
    struct View {
        fileprivate let shapes: UnsafePointer<UInt64>
        fileprivate let keys: UnsafePointer<UInt64>

        /// Whether `word` may be an exact word, and the prefix lengths (bit `L - 1` for length
        /// `L`) at which it may start a prefix term: false and 0 when it surely is no term's word.
        /// `head` is the word's `WordHash.head` (its first two bytes are the slot's).
        @inline(__always)
        func candidates(length n: Int, head: UInt64) -> (exact: Bool, prefixLengths: UInt32) {
            guard n > 0 else { return (false, 0) }
            let shape = shapes[TermFilter.slot(head: head)]
            let bit = TermFilter.bit(n)
            var exact = UInt32(truncatingIfNeeded: shape) & bit != 0
            // Prefixes no longer than the word: this bit and every bit below it.
            var prefixLengths = UInt32(truncatingIfNeeded: shape >> 32) & (bit | (bit &- 1))
            if exact { exact = TermFilter.isSet(TermFilter.exactKey(head: head, length: n), in: keys) }
            // Only prefixes of four bytes or more: a shorter one is not in the key.
            if prefixLengths != 0 && prefixLengths & (1 << UInt32(TermFilter.prefixKeyBytes - 1) - 1) == 0
                && !TermFilter.isSet(TermFilter.prefixKey(head: head), in: keys)
            {
                prefixLengths = 0
            }
            return (exact, prefixLengths)
        }
    }

    var view: View { View(shapes: shapes, keys: keys) }
}
