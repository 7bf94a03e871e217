extension Array where Element == UInt8 {
    /// Appends `run` with its ASCII capitals lower-cased, in one copy and, only when the scan that
    /// found the run saw capitals, one pass over what was appended: the text normaliser and the
    /// watch tokenizer both fold runs of ASCII this way, byte appends being their hot spot.
    @inlinable
    public mutating func appendLowercasingASCII(_ run: UnsafeBufferPointer<UInt8>, hasCapitals: Bool) {
        let base = count
        append(contentsOf: run)
        guard hasCapitals else { return }
        withUnsafeMutableBufferPointer { p in
            guard let start = p.baseAddress else { return }
            var k = base
            // Eight bytes at a time: each capital gains 0x20 (its exact flag, 0x80, shifted down).
            while k + 8 <= p.count {
                let x = ByteFlags.load(start + k)
                let lowered = x | ByteFlags.inRange(x, 0x41, 0x5A) >> 2
                UnsafeMutableRawPointer(start + k).storeBytes(of: lowered.littleEndian, as: UInt64.self)
                k += 8
            }
            while k < p.count {
                if p[k] >= 0x41 && p[k] <= 0x5A { p[k] |= 0x20 }
                k += 1
            }
        }
    }
}
