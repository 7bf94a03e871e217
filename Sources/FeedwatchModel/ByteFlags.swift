/// Eight bytes tested at once in an integer (SWAR): which of them fall in a range. The word
/// scanner reads words eight bytes at a time and lower-casing changes eight at once; the passes
/// that look for rare bytes in long runs use `ByteScan`'s sixteen-byte masks instead.
///
/// Each function returns the high bit of every flagged byte, every flag exact.
public enum ByteFlags {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Eight bytes from `p`, the first in the lowest byte.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
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

    /// The index (0...7) of the lowest flagged byte; 8 when none is.
    @inlinable @inline(__always)
    public static func first(_ flags: UInt64) -> Int { flags.trailingZeroBitCount >> 3 }
}
