internal import CByteScan
import FeedwatchModel

/// Reduces HTML to readable plain text.
///
/// A single forward pass over UTF-8 bytes, following the HTML tokenizer's rules where they matter
/// for text: tags and comments are removed; the contents of `script`, `style`, `template`,
/// `noscript` and `iframe` are dropped; block-level elements and `br` become line breaks, table
/// cells a space; every named (HTML5 list) and numeric reference is decoded; whitespace collapses.
/// A `<` that starts no tag, or whose tag never closes, is text, so "a < b" and "x <y" survive.
/// The pass is linear in the input whatever its shape.
enum HTMLText {
    /// Plain text from HTML.
    static func text(fromHTML html: String, limit: Int = Int.max) -> String {
        var html = html
        return html.withUTF8 { text(fromHTML: $0, limit: limit) }
    }

    static func text(fromHTML s: UnsafeBufferPointer<UInt8>, limit: Int = Int.max) -> String {
        var out = TextBuilder(capacity: s.count, limit: limit)
        convert(s, into: &out)
        return out.string
    }

    /// Plain text from text that is not markup: only whitespace is collapsed.
    static func text(fromPlain s: UnsafeBufferPointer<UInt8>, limit: Int = Int.max) -> String {
        var out = TextBuilder(capacity: s.count, limit: limit)
        out.append(s)
        return out.string
    }

    /// Decodes references in text that holds no markup (attribute values), collapsing whitespace.
    static func decodingReferences(_ s: UnsafeBufferPointer<UInt8>) -> String {
        var out = TextBuilder(capacity: s.count)
        var i = 0
        var start = 0
        while i < s.count {
            if s[i] == 0x26 {
                if start < i { out.append(UnsafeBufferPointer(rebasing: s[start..<i])) }
                i = decodeReference(s, at: i, into: &out)
                start = i
            } else {
                i += 1
            }
        }
        if start < s.count { out.append(UnsafeBufferPointer(rebasing: s[start..<s.count])) }
        return out.string
    }

    static func convert(_ s: UnsafeBufferPointer<UInt8>, into out: inout TextBuilder) {
        let n = s.count
        var i = 0
        var textStart = 0
        // Past this index there is no '>' at all: a '<' there cannot open a tag.
        var noCloseFrom = n + 1
        @inline(__always) func flushText(_ end: Int, _ out: inout TextBuilder) {
            if textStart < end { out.append(UnsafeBufferPointer(rebasing: s[textStart..<end])) }
        }
        while i < n {
            // Fast path: only `&` and `<` start anything.
            i = ByteScan.skip(s, from: i) { fw_bytes16($0, 0, 0x26, 0x3C, 0x3C) }
            guard i < n else { break }
            let b = s[i]
            if b == 0x26 {  // &
                flushText(i, &out)
                i = decodeReference(s, at: i, into: &out)
                textStart = i
                continue
            }
            guard b == 0x3C, i + 1 < n, i < noCloseFrom else {
                i += 1
                continue
            }
            let next = s[i + 1]
            if isASCIILetter(next) || (next == 0x2F && i + 2 < n && isASCIILetter(s[i + 2])) {
                guard let close = tagEnd(s, from: i + 1) else {
                    noCloseFrom = i
                    i += 1
                    continue
                }
                flushText(i, &out)
                let isEnd = next == 0x2F
                let key = nameKey(s, from: isEnd ? i + 2 : i + 1)
                i = close + 1
                switch elementKinds.kind(of: key) {
                case .rawText where !isEnd: i = skipRawText(s, from: i, key: key)
                case .block: out.lineBreak()
                case .cell: out.space()
                default: break
                }
                textStart = i
            } else if next == 0x21 || next == 0x3F {  // <! or <?
                // Comments end at "-->", or failing that at the first ">" (SGML-style comments
                // such as "<!-- -- x >"), or failing that at the end of the text, as HTML5 reads
                // an unclosed comment. Declarations and processing instructions end at ">"; one
                // that never ends is text, so "<!DOCTYPE" quoted in a title survives.
                let end: Int?
                if hasPrefix(s, at: i, "<![CDATA[") {
                    let close = find(s, "]]>", from: i + 9) ?? n
                    flushText(i, &out)
                    out.append(UnsafeBufferPointer(rebasing: s[(i + 9)..<close]))
                    i = min(n, close + 3)
                    textStart = i
                    continue
                } else if hasPrefix(s, at: i, "<!--") {
                    end = find(s, "-->", from: i + 4).map { $0 + 2 } ?? findByte(s, 0x3E, from: i + 4) ?? n - 1
                } else {
                    end = findByte(s, 0x3E, from: i + 2)
                }
                guard let end else {
                    i += 1
                    continue
                }
                flushText(i, &out)
                i = end + 1
                textStart = i
            } else {
                i += 1
            }
        }
        flushText(n, &out)
    }

    // MARK: - References

    /// Decodes the reference at `start` (an `&`) into `out`; returns the index after it. An `&`
    /// that starts no reference is text.
    static func decodeReference(_ s: UnsafeBufferPointer<UInt8>, at start: Int, into out: inout TextBuilder) -> Int {
        let n = s.count
        var j = start + 1
        if j < n && s[j] == 0x23 {  // &#
            j += 1
            var radix: UInt32 = 10
            if j < n && (s[j] | 0x20) == 0x78 {
                radix = 16
                j += 1
            }
            let digitsStart = j
            var value: UInt32 = 0
            while j < n, let d = HTMLEntities.digitValue(s[j], radix: radix) {
                value = value > 0x10FFFF ? value : value &* radix &+ d
                j += 1
            }
            guard j > digitsStart else {
                out.append("&")
                return start + 1
            }
            if j < n && s[j] == 0x3B { j += 1 }
            out.append(HTMLEntities.numeric(value))
            return j
        }
        while j < n && j - start <= HTMLEntities.maxNameLength && isASCIIAlnum(s[j]) { j += 1 }
        let name = UnsafeBufferPointer(rebasing: s[(start + 1)..<j])
        if j < n && s[j] == 0x3B, let scalars = HTMLEntities.lookup(name) {
            for c in scalars { out.append(c) }
            return j + 1
        }
        if name.count > 0, HTMLEntities.legacyNames.contains(String(decoding: name, as: UTF8.self)),
            let scalars = HTMLEntities.lookup(name)
        {
            for c in scalars { out.append(c) }
            return j
        }
        out.append("&")
        return start + 1
    }

    // MARK: - Tags

    /// Index of the `>` closing the tag whose name starts at `from`, honouring quoted attribute
    /// values; when a quote never closes, the first `>` is taken, as browsers recover.
    private static func tagEnd(_ s: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var quote: UInt8 = 0
        var firstClose: Int? = nil
        var i = from
        while i < s.count {
            let b = s[i]
            if quote != 0 {
                if b == quote { quote = 0 }
                if b == 0x3E && firstClose == nil { firstClose = i }
            } else if b == 0x22 || b == 0x27 {
                // Quotes only open inside an attribute value (after '=').
                var k = i - 1
                while k > from && (s[k] == 0x20 || s[k] == 0x09 || s[k] == 0x0A) { k -= 1 }
                if s[k] == 0x3D { quote = b }
            } else if b == 0x3E {
                return i
            }
            i += 1
        }
        return firstClose
    }

    /// The element name at `from`, lower-cased, packed into 8 bytes (enough to tell apart every
    /// name this converter cares about).
    @inline(__always)
    static func nameKey(_ s: UnsafeBufferPointer<UInt8>, from: Int) -> UInt64 {
        var key: UInt64 = 0
        var i = from
        var shift: UInt64 = 0
        while i < s.count && shift < 64 {
            let b = s[i]
            guard isASCIIAlnum(b) else { break }
            key |= UInt64(b | 0x20) << shift
            shift += 8
            i += 1
        }
        return key
    }

    static func key(_ name: StaticString) -> UInt64 {
        var key: UInt64 = 0
        name.withUTF8Buffer { buf in
            for (k, b) in buf.prefix(8).enumerated() { key |= UInt64(b | 0x20) << UInt64(8 * k) }
        }
        return key
    }

    /// Skips the contents of a raw-text element up to and including its end tag. When the end tag
    /// never comes, only the start tag is dropped: text after a stray `<script>` or `<iframe>` in a
    /// feed is far more often the story than a script.
    private static func skipRawText(_ s: UnsafeBufferPointer<UInt8>, from: Int, key: UInt64) -> Int {
        var i = from
        while let lt = findByte(s, 0x3C, from: i) {
            if lt + 1 < s.count && s[lt + 1] == 0x2F && nameKey(s, from: lt + 2) == key {
                return (findByte(s, 0x3E, from: lt) ?? (s.count - 1)) + 1
            }
            i = lt + 1
        }
        return from
    }

    /// What an element does to the text around it.
    enum ElementKind {
        case inline
        case rawText
        case block
        case cell
    }

    static let elementKinds = ElementKindTable(
        (["script", "style", "template", "noscript", "iframe", "noembed", "noframes"] as [StaticString]).map {
            (key($0), ElementKind.rawText)
        }
            + ([
                "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl",
                "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
                "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr",
                "ul",
            ] as [StaticString]).map { (key($0), ElementKind.block) }
            + (["td", "th"] as [StaticString]).map { (key($0), ElementKind.cell) })

    /// The element kinds by packed name: open addressing with a multiplicative hash. Every tag of
    /// every HTML body is looked up here; a `Set`'s seeded SipHash cost more than the rest of
    /// the tag's handling.
    struct ElementKindTable: Sendable {
        private var keys: [UInt64]
        private var kinds: [ElementKind]
        private static let bits = 7

        init(_ entries: [(UInt64, ElementKind)]) {
            let size = 1 << Self.bits
            precondition(entries.count < size / 2, "the table must stay sparse")
            keys = [UInt64](repeating: 0, count: size)
            kinds = [ElementKind](repeating: .inline, count: size)
            for (key, kind) in entries {
                var i = Self.slot(key)
                while keys[i] != 0 && keys[i] != key { i = (i + 1) & (size - 1) }
                keys[i] = key
                kinds[i] = kind
            }
        }

        @inline(__always)
        private static func slot(_ key: UInt64) -> Int {
            Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
        }

        /// The kind of the element named by `key`; `.inline` for every name not listed (and for
        /// 0, no name).
        @inline(__always)
        func kind(of key: UInt64) -> ElementKind {
            guard key != 0 else { return .inline }
            var i = Self.slot(key)
            while true {
                let k = keys[i]
                if k == key { return kinds[i] }
                if k == 0 { return .inline }
                i = (i + 1) & (keys.count - 1)
            }
        }
    }

    // MARK: - Bytes

    @inline(__always) static func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isASCIIAlnum(_ b: UInt8) -> Bool { isASCIILetter(b) || (b >= 0x30 && b <= 0x39) }

    private static func findByte(_ s: UnsafeBufferPointer<UInt8>, _ byte: UInt8, from: Int) -> Int? {
        var i = from
        while i < s.count {
            if s[i] == byte { return i }
            i += 1
        }
        return nil
    }

    private static func hasPrefix(_ s: UnsafeBufferPointer<UInt8>, at i: Int, _ p: StaticString) -> Bool {
        let count = p.utf8CodeUnitCount
        guard i + count <= s.count else { return false }
        return p.withUTF8Buffer { pb in
            for k in 0..<count where s[i + k] != pb[k] { return false }
            return true
        }
    }

    private static func find(_ s: UnsafeBufferPointer<UInt8>, _ p: StaticString, from: Int) -> Int? {
        var i = from
        while let at = findByte(s, p.utf8Start.pointee, from: i) {
            if hasPrefix(s, at: at, p) { return at }
            i = at + 1
        }
        return nil
    }
}
