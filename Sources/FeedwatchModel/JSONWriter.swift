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
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
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
        bytes.append(contentsOf: String(n).utf8)
        needsComma = true
    }

    public mutating func value(_ n: Int) { value(Int64(n)) }

    public mutating func value(_ n: Int64?) {
        if let n { value(n) } else { null() }
    }

    public mutating func value(_ b: Bool) {
        separate()
        bytes.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        needsComma = true
    }

    public mutating func value(_ t: Timestamp?) {
        if let t { value(t.rfc3339) } else { null() }
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
                let b = utf8[i]
                var escape: [UInt8]? = nil
                var skip = 1
                switch b {
                case 0x22: escape = [0x5C, 0x22]
                case 0x5C: escape = [0x5C, 0x5C]
                case 0x0A: escape = [0x5C, 0x6E]
                case 0x0D: escape = [0x5C, 0x72]
                case 0x09: escape = [0x5C, 0x74]
                case 0x00..<0x20, 0x7F:
                    escape = [0x5C, 0x75, 0x30, 0x30, JSONWriter.hex[Int(b >> 4)], JSONWriter.hex[Int(b & 0xF)]]
                case 0xE2 where i + 2 < n && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
                    escape = Array((utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    skip = 3
                default: break
                }
                if let escape {
                    if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                    bytes.append(contentsOf: escape)
                    i += skip
                    start = i
                } else {
                    i += 1
                }
            }
            if start < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<n])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
