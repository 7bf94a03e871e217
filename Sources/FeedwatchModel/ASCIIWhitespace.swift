extension String {
    /// The string without leading and trailing spaces, tabs and line ends.
    ///
    /// Works on UTF-8 bytes, not Characters: it runs on every field of every entry, and a
    /// Character walk (grapheme breaking) costs more than parsing the XML did.
    public func trimmingASCIIWhitespace() -> String {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start].isASCIIWhitespace { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before].isASCIIWhitespace else { break }
            end = before
        }
        if start == bytes.startIndex && end == bytes.endIndex { return self }
        return String(self[start..<end])
    }
}

extension UInt8 {
    /// A space, tab or line end: white space to XML and JSON alike.
    @inline(__always)
    public var isASCIIWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}
