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

    /// The index (0...7) of the lowest flagged byte; 8 when none is.
    @inlinable @inline(__always)
    public static func first(_ flags: UInt64) -> Int { flags.trailingZeroBitCount >> 3 }
}
