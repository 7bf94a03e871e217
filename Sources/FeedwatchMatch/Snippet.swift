/// A short excerpt of a text around a hit, cut at word boundaries, for explanations.
enum Snippet {
    /// About `before` bytes of context before the hit and `after` bytes after it.
    static func around(_ text: String, start: Int, length: Int, before: Int = 60, after: Int = 80) -> String {
        let bytes = Array(text.utf8)
        guard start >= 0, start <= bytes.count else { return "" }
        var from = max(0, start - before)
        var to = min(bytes.count, start + length + after)
        // Move outwards to a character boundary, then inwards to a space if one is near.
        while from > 0 && bytes[from] & 0xC0 == 0x80 { from -= 1 }
        while to < bytes.count && bytes[to] & 0xC0 == 0x80 { to += 1 }
        if from > 0, let space = bytes[from..<start].firstIndex(of: 0x20) { from = space + 1 }
        if to < bytes.count, let space = bytes[(start + length)..<to].lastIndex(of: 0x20) { to = space }
        var out = String(decoding: bytes[from..<to], as: UTF8.self)
        out = out.replacingOccurrencesOfNewlines()
        if from > 0 { out = "…" + out }
        if to < bytes.count { out += "…" }
        return out
    }
}

extension String {
    fileprivate func replacingOccurrencesOfNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
