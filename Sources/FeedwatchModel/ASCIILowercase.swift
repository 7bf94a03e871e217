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
            for k in base..<p.count where p[k] >= 0x41 && p[k] <= 0x5A { p[k] |= 0x20 }
        }
    }
}
