extension String {
    /// The string without leading and trailing spaces, tabs and line ends.
    ///
    /// Works on UTF-8 bytes, not Characters: it runs on every field of every entry, and a
    /// Character walk (grapheme breaking) costs more than parsing the XML did.
    public func trimmingASCIIWhitespace() -> String {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, Self.isASCIIWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard Self.isASCIIWhitespace(bytes[before]) else { break }
            end = before
        }
        if start == bytes.startIndex && end == bytes.endIndex { return self }
        return String(self[start..<end])
    }

    private static func isASCIIWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
}
