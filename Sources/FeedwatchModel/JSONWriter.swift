internal import CByteScan

/// Writes JSON into a byte buffer, keys in the order they are written.
///
/// Foundation's `JSONEncoder` sorts or scrambles keys and costs a dictionary per object; every line
/// feedwatch prints (events, `parse` output) has a documented key order and sits on a hot path, so
/// this writer appends directly. Strings are escaped per RFC 8259; U+2028 and U+2029 are escaped
/// as well so that a line can be pasted into JavaScript unchanged. Input strings are Swift strings,
/// hence valid UTF-8, hence so is the output.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// True when the next value or key needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        needsComma = false
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":`; the next call writes its value.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a key that is not a literal (a map's key).
    public mutating func key(dynamic name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func value(_ s: String) {
        separate()
        appendQuoted(s)
        needsComma = true
    }

    public mutating func value(_ s: String?) {
        if let s { value(s) } else { null() }
    }

    public mutating func value(_ n: Int64) {
        separate()
        // Digits written from the end of a small buffer: no string per number.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = n.magnitude
            var i = 20
            repeat {
                i -= 1
                digits[i] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if n < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
        needsComma = true
    }

    public mutating func value(_ n: Int) { value(Int64(n)) }

    public mutating func value(_ n: Int64?) {
        if let n { value(n) } else { null() }
    }

    public mutating func value(_ b: Bool) {
        separate()
        let literal: StaticString = b ? "true" : "false"
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    public mutating func value(_ t: Timestamp?) {
        guard let t else { return null() }
        separate()
        bytes.append(UInt8(ascii: "\""))
        t.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func value(strings: [String]) {
        beginArray()
        for s in strings { value(s) }
        endArray()
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        needsComma = true
    }

    /// Appends an already-encoded JSON value verbatim (for payloads stored pre-rendered).
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// `s` escaped for use inside a JSON string, without the quotes (for templates).
    public static func escaped(_ s: String) -> [UInt8] {
        var w = JSONWriter(capacity: s.utf8.count + 8)
        w.appendQuoted(s)
        return Array(w.bytes.dropFirst().dropLast())
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            var i = 0
            let n = utf8.count
            while i < n {
                // Fast path: most bytes of most text need no escape; sixteen tested at a time.
                if i + 16 <= n, let base = utf8.baseAddress {
                    let q = base + i
                    let flags = fw_bytes16(q, 0x20, 0x22, 0x5C, 0x7F) | fw_bytes16(q, 0, 0xE2, 0xE2, 0xE2)
                    if flags == 0 {
                        i += 16
                        continue
                    }
                    i += flags.trailingZeroBitCount
                }
                let b = utf8[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || b == 0xE2 else {
                    i += 1
                    continue
                }
                var skip = 1
                let escape: String
                switch b {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0xE2 where i + 2 < n && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR end a line in JavaScript.
                    escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    skip = 3
                case 0xE2:
                    i += 1
                    continue
                default:
                    escape =
                        "\\u00" + String(UnicodeScalar(JSONWriter.hex[Int(b >> 4)]))
                        + String(UnicodeScalar(JSONWriter.hex[Int(b & 0xF)]))
                }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                bytes.append(contentsOf: escape.utf8)
                i += skip
                start = i
            }
            if start < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<n])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
