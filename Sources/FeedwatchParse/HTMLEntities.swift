/// The HTML5 named character references (`&eacute;`, `&nbsp;`, `&NotEqualTilde;`, ...).
///
/// Feeds use HTML entities without declaring them; an XML parser in recover mode silently drops
/// every one of them. The input decoder rewrites them to numeric references before libxml2 reads
/// the document, and the HTML-to-text converter decodes them in markup.
enum HTMLEntities {
    /// Name (without `&` and `;`) to the code points it stands for (one or two).
    static let byName: [String: [Unicode.Scalar]] = {
        var map = [String: [Unicode.Scalar]]()
        map.reserveCapacity(2200)
        for entry in table.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let eq = entry.firstIndex(of: "=") else { continue }
            let scalars = entry[entry.index(after: eq)...].split(separator: "+").compactMap {
                UInt32($0, radix: 16).flatMap(Unicode.Scalar.init)
            }
            map[String(entry[..<eq])] = scalars
        }
        return map
    }()

    /// The longest name in the table ("CounterClockwiseContourIntegral" has 31 characters).
    static let maxNameLength = 32

    /// Looks up a name given as ASCII bytes.
    static func lookup(_ name: UnsafeBufferPointer<UInt8>) -> [Unicode.Scalar]? {
        guard name.count <= maxNameLength else { return nil }
        return byName[String(decoding: name, as: UTF8.self)]
    }

    /// The code point a numeric reference stands for, with the HTML5 fix-ups: 0x80-0x9F are read
    /// as windows-1252 (what publishers meant), and NUL, surrogates and values past U+10FFFF become
    /// U+FFFD REPLACEMENT CHARACTER.
    static func numeric(_ value: UInt32) -> Unicode.Scalar {
        if value >= 0x80 && value <= 0x9F { return Windows1252.scalar(UInt8(value)) }
        if value == 0 { return "\u{FFFD}" }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    /// A digit's value in a numeric reference (`&#146;`, `&#x2019;`), or nil if it is none.
    @inline(__always)
    static func digitValue(_ b: UInt8, radix: UInt32) -> UInt32? {
        if b >= 0x30 && b <= 0x39 { return UInt32(b - 0x30) }
        if radix == 16 {
            let l = b | 0x20
            if l >= 0x61 && l <= 0x66 { return UInt32(l - 0x61 + 10) }
        }
        return nil
    }
}
