/// Eight bytes tested at once (SWAR): which of them are below a bound or equal to a value. The
/// text passes (whitespace collapsing, JSON escaping) look for a few rare bytes in long runs of
/// ordinary ones; testing a word at a time lets them skip the ordinary runs eight bytes per step.
///
/// Each function returns the high bit of every flagged byte. The lowest flag is exact; flags
/// above a flagged byte may be spurious (borrows), so a caller takes the lowest one only.
public enum ByteFlags {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Eight bytes from `p`, the first in the lowest byte.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Bytes of `x` below `bound` (at most 0x80).
    @inlinable @inline(__always)
    public static func below(_ x: UInt64, _ bound: UInt8) -> UInt64 {
        (x &- ones &* UInt64(bound)) & ~x & highs
    }

    /// Bytes of `x` equal to `value`.
    @inlinable @inline(__always)
    public static func equal(_ x: UInt64, _ value: UInt8) -> UInt64 {
        below(x ^ (ones &* UInt64(value)), 1)
    }

    /// The high bit of every byte: set in `x & highBits` for bytes beyond ASCII.
    public static let highBits: UInt64 = highs

    /// Bytes of `x` in `lo...hi` (both below 0x80), every flag exact: the bytes' high bits are
    /// cleared before adding, so no carry crosses a byte; bytes beyond ASCII are not flagged.
    @inlinable @inline(__always)
    public static func inRange(_ x: UInt64, _ lo: UInt8, _ hi: UInt8) -> UInt64 {
        let low7 = x & ~highs
        let atLeast = low7 &+ ones &* UInt64(0x80 - lo)
        let above = low7 &+ ones &* UInt64(0x7F - hi)
        return atLeast & ~above & ~x & highs
    }

    /// A mask of the lowest `count` bytes (all eight from 8 up): the bytes of a word before its
    /// first flag, or a word's first `count` bytes.
    @inlinable @inline(__always)
    public static func lowBytes(_ count: Int) -> UInt64 { count >= 8 ? ~0 : (1 << UInt64(count * 8)) &- 1 }

    /// From `start`, past every word of eight bytes in which `flags` flags nothing: the index of
    /// the first flagged byte, or where fewer than eight bytes remain (the caller goes on byte by
    /// byte). The fast path of the passes over whole documents, which stop at a few rare bytes.
    @inlinable @inline(__always)
    public static func skipUnflagged(
        _ s: UnsafeBufferPointer<UInt8>, from start: Int, _ flags: (UInt64) -> UInt64
    ) -> Int {
        guard let base = s.baseAddress else { return start }
        var i = start
        while i + 8 <= s.count {
            let k = first(flags(load(base + i)))
            i += k
            if k < 8 { break }
        }
        return i
    }

    /// The index (0...7) of the lowest flagged byte; 8 when none is.
    @inlinable @inline(__always)
    public static func first(_ flags: UInt64) -> Int { flags.trailingZeroBitCount >> 3 }
}
