import FeedwatchModel
import Glibc

/// How the bytes of a document are to be read, decided once from its first bytes.
///
/// The order of evidence: a byte-order mark; UTF-16 without a mark, recognised by `<?` spelled in
/// two-byte units; the XML declaration's `encoding`; the HTTP `charset`; UTF-8. A document's own
/// declaration is preferred to the server's header because servers attach a default charset to
/// every file they serve, while the declaration was written with the document.
///
/// Everything labelled UTF-8, ASCII, ISO-8859-1 or windows-1252, or not labelled at all, is read as
/// UTF-8 with a per-byte windows-1252 fallback: a byte that is not part of a valid UTF-8 sequence
/// is read as windows-1252. Valid UTF-8 is then read correctly whatever the label said, and so is
/// Latin-1 text, because Latin-1 prose practically never forms valid multi-byte UTF-8 sequences.
struct Charset: Equatable {
    enum Reading: Equatable {
        /// UTF-8, with invalid bytes read as windows-1252.
        case utf8
        /// Any other encoding, converted by the C library's iconv.
        case iconv(String)
    }

    var reading: Reading
    /// Length of the byte-order mark to skip.
    var bomLength: Int
    /// What the document or server claimed, for messages.
    var label: String
    /// Set when the label could not be honoured (unknown name, UTF-16 label on 8-bit bytes).
    var warning: String?

    /// Bytes needed to decide; fewer are enough at the end of the document.
    static let sniffLength = 1024

    static func detect(_ head: [UInt8], httpCharset: String?) -> Charset {
        func at(_ i: Int) -> UInt8? { i < head.count ? head[i] : nil }
        if at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF {
            return Charset(reading: .utf8, bomLength: 3, label: "UTF-8 (BOM)")
        }
        if at(0) == 0xFF && at(1) == 0xFE && at(2) == 0 && at(3) == 0 {
            return Charset(reading: .iconv("UTF-32LE"), bomLength: 4, label: "UTF-32LE (BOM)")
        }
        if at(0) == 0 && at(1) == 0 && at(2) == 0xFE && at(3) == 0xFF {
            return Charset(reading: .iconv("UTF-32BE"), bomLength: 4, label: "UTF-32BE (BOM)")
        }
        if at(0) == 0xFF && at(1) == 0xFE {
            return Charset(reading: .iconv("UTF-16LE"), bomLength: 2, label: "UTF-16LE (BOM)")
        }
        if at(0) == 0xFE && at(1) == 0xFF {
            return Charset(reading: .iconv("UTF-16BE"), bomLength: 2, label: "UTF-16BE (BOM)")
        }
        if at(0) == 0x3C && at(1) == 0 && at(2) == 0x3F && at(3) == 0 {
            return Charset(reading: .iconv("UTF-16LE"), bomLength: 0, label: "UTF-16LE")
        }
        if at(0) == 0 && at(1) == 0x3C && at(2) == 0 && at(3) == 0x3F {
            return Charset(reading: .iconv("UTF-16BE"), bomLength: 0, label: "UTF-16BE")
        }
        let declared = xmlDeclarationEncoding(head)
        guard let label = declared ?? httpCharset?.trimmingASCIIWhitespace(), !label.isEmpty else {
            return Charset(reading: .utf8, bomLength: 0, label: "UTF-8 (default)")
        }
        return fromLabel(label, head: head)
    }

    /// Reading for a charset label on a document whose bytes are ASCII-compatible.
    static func fromLabel(_ label: String, head: [UInt8]) -> Charset {
        let key = label.lowercased()
        if utf8Family.contains(key) { return Charset(reading: .utf8, bomLength: 0, label: label) }
        if key.hasPrefix("utf-16") || key.hasPrefix("utf16") || key.hasPrefix("utf-32") || key.hasPrefix("ucs") {
            // The bytes were checked above for two- and four-byte units: this document is 8-bit.
            return Charset(
                reading: .utf8, bomLength: 0, label: label,
                warning: "document labelled \(label) but its bytes are 8-bit; read as UTF-8")
        }
        guard iconvSupports(label) else {
            return Charset(
                reading: .utf8, bomLength: 0, label: label, warning: "unknown encoding \(label); read as UTF-8")
        }
        if looksLikeUTF8(head) {
            return Charset(
                reading: .utf8, bomLength: 0, label: label,
                warning: "document labelled \(label) but its bytes are UTF-8; read as UTF-8")
        }
        return Charset(reading: .iconv(label), bomLength: 0, label: label)
    }

    private static let utf8Family: Set<String> = [
        "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
        "latin-1", "l1", "windows-1252", "cp1252", "x-cp1252", "iso-8859-15", "iso8859-15", "latin9",
        "unicode-1-1-utf-8",
    ]

    private static func iconvSupports(_ label: String) -> Bool {
        let cd = iconv_open("UTF-8", label)
        if cd == iconv_t(bitPattern: -1) { return false }
        iconv_close(cd)
        return true
    }

    /// True when `head` holds at least one multi-byte UTF-8 sequence and no invalid byte
    /// (a sequence cut by the end of `head` is not held against it).
    static func looksLikeUTF8(_ head: [UInt8]) -> Bool {
        var sawMultibyte = false
        var i = 0
        while i < head.count {
            let b = head[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let n = UTF8Validation.sequenceLength(lead: b)
            if n == 0 { return false }
            if i + n > head.count { break }
            if !UTF8Validation.isValidSequence(head, at: i, length: n) { return false }
            sawMultibyte = true
            i += n
        }
        return sawMultibyte
    }

    /// The `encoding` pseudo-attribute of an XML declaration at the start of `head`, if any.
    static func xmlDeclarationEncoding(_ head: [UInt8]) -> String? {
        var i = 0
        while i < head.count, head[i] == 0x20 || head[i] == 0x09 || head[i] == 0x0A || head[i] == 0x0D { i += 1 }
        let prefix: [UInt8] = Array("<?xml".utf8)
        guard head.count >= i + prefix.count, Array(head[i..<(i + prefix.count)]) == prefix else { return nil }
        guard let end = find(Array("?>".utf8), in: head, from: i),
            let at = find(Array("encoding".utf8), in: Array(head[i..<end]), from: 0)
        else { return nil }
        // Found among the bytes: Foundation's `range(of:)` searched through CoreFoundation for
        // each document (its pages held by the daemon for that alone).
        let decl = String(decoding: head[(i + at + 8)..<end], as: UTF8.self)
        var rest = decl[...].drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        return value.isEmpty ? nil : String(value)
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// The well-formedness rules of UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
/// U+10FFFF.
enum UTF8Validation {
    /// Total length of the sequence a lead byte starts, or 0 if the byte cannot start one.
    @inline(__always)
    static func sequenceLength(lead b: UInt8) -> Int {
        switch b {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    /// Checks the continuation bytes of the `length`-byte sequence starting at `i`.
    @inline(__always)
    static func isValidSequence<C: RandomAccessCollection>(_ s: C, at i: C.Index, length: Int) -> Bool
    where C.Element == UInt8, C.Index == Int {
        let lead = s[i]
        let b1 = s[i + 1]
        switch lead {
        case 0xE0: guard b1 >= 0xA0 && b1 <= 0xBF else { return false }
        case 0xED: guard b1 >= 0x80 && b1 <= 0x9F else { return false }
        case 0xF0: guard b1 >= 0x90 && b1 <= 0xBF else { return false }
        case 0xF4: guard b1 >= 0x80 && b1 <= 0x8F else { return false }
        default: guard b1 & 0xC0 == 0x80 else { return false }
        }
        var k = 2
        while k < length {
            guard s[i + k] & 0xC0 == 0x80 else { return false }
            k += 1
        }
        return true
    }
}
