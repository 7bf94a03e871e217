/// The fast path of the passes over whole documents and texts, sixteen bytes a step: each step's
/// bytes are tested at once by the caller's `flags` (a bit per byte, bit k for the byte at
/// `p + k`, from `CByteScan`'s SSE2 masks), and a step in which none is flagged is skipped whole.
public enum ByteScan {
    /// From `start`, past every sixteen bytes in which `flags` flags nothing: the index of the
    /// first flagged byte, or where fewer than sixteen bytes (and the `lookahead` bytes `flags`
    /// reads after them) remain (the caller goes on byte by byte).
    @inlinable @inline(__always)
    public static func skip(
        _ s: UnsafeBufferPointer<UInt8>, from start: Int, lookahead: Int = 0,
        _ flags: (UnsafePointer<UInt8>) -> UInt32
    ) -> Int {
        guard let base = s.baseAddress else { return start }
        var i = start
        while i + 16 + lookahead <= s.count {
            let found = flags(base + i)
            if found != 0 { return i + found.trailingZeroBitCount }
            i += 16
        }
        return i
    }
}
