/// A short excerpt of a text around a hit, cut at word boundaries, for explanations.
enum Snippet {
    /// About `before` bytes of context before the hit and `after` bytes after it, line breaks as
    /// spaces. Works on the text's UTF-8 in place: it runs for every watch that matches.
    static func around(_ text: String, start: Int, length: Int, before: Int = 60, after: Int = 80) -> String {
        var text = text
        return text.withUTF8 { bytes in
            guard start >= 0, start <= bytes.count else { return "" }
            var from = max(0, start - before)
            var to = min(bytes.count, start + length + after)
            // Move outwards to a character boundary, then inwards to a space if one is near.
            while from > 0 && bytes[from] & 0xC0 == 0x80 { from -= 1 }
            while to < bytes.count && bytes[to] & 0xC0 == 0x80 { to += 1 }
            if from > 0, let space = bytes[from..<start].firstIndex(of: 0x20) { from = space + 1 }
            if to < bytes.count, let space = bytes[min(start + length, to)..<to].lastIndex(of: 0x20) { to = space }
            // Written straight into the string's storage: no buffer in between.
            return String(unsafeUninitializedCapacity: to - from + 6) { out in
                var n = 0
                func ellipsis() {  // …
                    out[n] = 0xE2
                    out[n + 1] = 0x80
                    out[n + 2] = 0xA6
                    n += 3
                }
                if from > 0 { ellipsis() }
                var i = from
                while i < to {
                    let b = bytes[i]
                    if b == 0x0D || b == 0x0A {
                        out[n] = 0x20
                        // CR LF is one line break, one space.
                        if b == 0x0D, i + 1 < to, bytes[i + 1] == 0x0A { i += 1 }
                    } else {
                        out[n] = b
                    }
                    n += 1
                    i += 1
                }
                if to < bytes.count { ellipsis() }
                return n
            }
        }
    }
}
