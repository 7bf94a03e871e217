/// A short excerpt of a text around a hit, cut at word boundaries, for explanations.
enum Snippet {
    /// About `before` bytes of context before the hit and `after` bytes after it, line breaks as
    /// spaces. Works on the text's UTF-8 in place: it runs for every watch that matches.
    static func around(_ text: String, start: Int, length: Int, before: Int = 60, after: Int = 80) -> String {
        var text = text
        let cut: (from: Int, to: Int, end: Int, hasBreak: Bool)? = text.withUTF8 { bytes in
            guard start >= 0, start <= bytes.count else { return nil }
            var from = max(0, start - before)
            var to = min(bytes.count, start + length + after)
            // Move outwards to a character boundary, then inwards to a space if one is near.
            while from > 0 && bytes[from] & 0xC0 == 0x80 { from -= 1 }
            while to < bytes.count && bytes[to] & 0xC0 == 0x80 { to += 1 }
            if from > 0, let space = bytes[from..<start].firstIndex(of: 0x20) { from = space + 1 }
            if to < bytes.count, let space = bytes[min(start + length, to)..<to].lastIndex(of: 0x20) { to = space }
            return (from, to, bytes.count, bytes[from..<to].contains { $0 == 0x0D || $0 == 0x0A })
        }
        guard let cut else { return "" }
        let leading = cut.from > 0
        let trailing = cut.to < cut.end
        guard cut.hasBreak else {
            // Most excerpts have no line break: copied from the text as it is, known to be valid
            // UTF-8 (building from bytes would validate them again).
            let utf8 = text.utf8
            let lower = utf8.index(utf8.startIndex, offsetBy: cut.from)
            let upper = utf8.index(lower, offsetBy: cut.to - cut.from)
            var out = ""
            out.reserveCapacity(cut.to - cut.from + 6)
            if leading { out += "…" }
            out += text[lower..<upper]
            if trailing { out += "…" }
            return out
        }
        return text.withUTF8 { bytes in
            // Written straight into the string's storage: no buffer in between.
            String(unsafeUninitializedCapacity: cut.to - cut.from + 6) { out in
                var n = 0
                func ellipsis() {  // …
                    out[n] = 0xE2
                    out[n + 1] = 0x80
                    out[n + 2] = 0xA6
                    n += 3
                }
                if leading { ellipsis() }
                var i = cut.from
                while i < cut.to {
                    let b = bytes[i]
                    if b == 0x0D || b == 0x0A {
                        out[n] = 0x20
                        // CR LF is one line break, one space.
                        if b == 0x0D, i + 1 < cut.to, bytes[i + 1] == 0x0A { i += 1 }
                    } else {
                        out[n] = b
                    }
                    n += 1
                    i += 1
                }
                if trailing { ellipsis() }
                return n
            }
        }
    }
}
