import FeedwatchModel

/// Reads one JSON document's values in order without building a tree of them.
///
/// The JSON Feed parser asks for the members it knows and skips the rest, so parsing takes the
/// document's own bytes and the entries it yields, whatever the document holds: a tree of
/// dictionaries (`JSONSerialization`) took 94 times the size of a 10 MB feed of 300,000 small
/// items. Skipping is iterative, so nesting costs no stack; it is capped all the same.
///
/// Tolerant where feed publishers are sloppy and nothing is lost by it: a missing or extra comma,
/// a lone UTF-16 surrogate in a `\u` escape (U+FFFD, as a browser shows it), invalid UTF-8
/// (repaired the same way), raw control characters inside strings, bytes after the root value.
struct JSONReader {
    struct Failure: Error {
        let message: String
        let offset: Int
        /// Nesting past the limit: a refusal, not a broken document.
        var tooDeep = false
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset = 0
    private var depth = 0
    private let maxDepth: Int
    /// Strings longer than this (in UTF-8) are cut to it.
    private let maxStringBytes: Int
    /// Whether some string was cut.
    private(set) var cutString = false

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxStringBytes: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
    }

    /// Where the reader stands, to come back to with `seek` (the value of a member noted on a
    /// first pass).
    var mark: (offset: Int, depth: Int) { (offset, depth) }

    mutating func seek(to mark: (offset: Int, depth: Int)) {
        (offset, depth) = mark
    }

    // MARK: - Structure

    /// Enters the object that comes next and returns true; or skips the value that comes next,
    /// whatever it is, and returns false.
    mutating func beginObject() throws(Failure) -> Bool {
        try enter("{")
    }

    /// Enters the array that comes next and returns true; or skips the value and returns false.
    mutating func beginArray() throws(Failure) -> Bool {
        try enter("[")
    }

    /// The next member's name, the reader then standing at its value (which the caller reads or
    /// skips); nil at the end of the object, which is then left.
    mutating func nextKey() throws(Failure) -> String? {
        skipSpace()
        if try separatorOrEnd(UInt8(ascii: "}")) { return nil }
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
        let key = try rawString()
        skipSpace()
        guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
        offset += 1
        return key
    }

    /// Whether another element follows in the current array (the reader then stands at it);
    /// false at the end of the array, which is then left.
    mutating func nextElement() throws(Failure) -> Bool {
        skipSpace()
        return try !separatorOrEnd(UInt8(ascii: "]"))
    }

    // MARK: - Values

    /// The string that comes next; nil (the value skipped) when the value is something else.
    mutating func string() throws(Failure) -> String? {
        skipSpace()
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue()
            return nil
        }
        return try rawString()
    }

    /// A number's text as written (`42`, `1.5e3`); nil (the value skipped) for anything else.
    mutating func number() throws(Failure) -> String? {
        skipSpace()
        guard let b = peek(), b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) else {
            try skipValue()
            return nil
        }
        let start = offset
        skipScalar()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
    }

    /// A string, or a number's text as written; nil (the value skipped) for anything else.
    mutating func stringOrNumber() throws(Failure) -> String? {
        skipSpace()
        return peek() == UInt8(ascii: "\"") ? try rawString() : try number()
    }

    /// Skips the value that comes next, however deep, without recursion.
    mutating func skipValue() throws(Failure) {
        skipSpace()
        guard let first = peek() else { throw failure("unexpected end of the document") }
        switch first {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var level = 0
            while offset < bytes.count {
                let b = bytes[offset]
                switch b {
                case UInt8(ascii: "\""):
                    try skipString()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    level += 1
                    if depth + level > maxDepth { throw nestedTooDeep() }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    level -= 1
                    if level == 0 {
                        offset += 1
                        return
                    }
                default:
                    break
                }
                offset += 1
            }
            throw failure("unexpected end of the document")
        case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ":"):
            throw failure("expected a value")
        default:
            skipScalar()
        }
    }

    /// Where `offset` is, as a person looks for it: line and column, from 1.
    func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    // MARK: - Bytes

    private func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private func failure(_ message: String) -> Failure { Failure(message: message, offset: offset) }

    private func nestedTooDeep() -> Failure {
        Failure(message: "nested deeper than \(maxDepth) levels", offset: offset, tooDeep: true)
    }

    private mutating func skipSpace() {
        while offset < bytes.count && bytes[offset].isASCIIWhitespace { offset += 1 }
    }

    private mutating func enter(_ open: Unicode.Scalar) throws(Failure) -> Bool {
        skipSpace()
        guard peek() == UInt8(ascii: open) else {
            try skipValue()
            return false
        }
        guard depth < maxDepth else { throw nestedTooDeep() }
        depth += 1
        offset += 1
        return true
    }

    /// Consumes a separating comma (or several, or none) and reports whether `end` closes the
    /// container, leaving it.
    private mutating func separatorOrEnd(_ end: UInt8) throws(Failure) -> Bool {
        while peek() == UInt8(ascii: ",") {
            offset += 1
            skipSpace()
        }
        guard let b = peek() else { throw failure("unexpected end of the document") }
        guard b == end else {
            if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") { throw failure("mismatched '\(Character(.init(b)))'") }
            return false
        }
        offset += 1
        depth -= 1
        return true
    }

    /// A literal or a number: up to the next delimiter.
    private mutating func skipScalar() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                return
            default:
                offset += 1
            }
        }
    }

    private mutating func skipString() throws(Failure) {
        offset += 1
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                offset += 1
                return
            case UInt8(ascii: "\\"):
                offset += 2
            default:
                offset += 1
            }
        }
        throw failure("unexpected end of the document inside a string")
    }

    /// The string at `offset` (its opening quote), unescaped, at most `maxStringBytes` of UTF-8.
    private mutating func rawString() throws(Failure) -> String {
        let limit = maxStringBytes
        offset += 1
        let start = offset
        // Most strings have no escape: found whole, then decoded once.
        while offset < bytes.count {
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") {
                let s = decoded(UnsafeBufferPointer(rebasing: bytes[start..<offset]), limit: limit)
                offset += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            offset += 1
        }
        var out: [UInt8] = []
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
        var pendingHigh: UInt32? = nil
        func flushHigh() {
            if pendingHigh != nil { append(0xFFFD, to: &out) }
            pendingHigh = nil
        }
        while offset < bytes.count {
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") {
                flushHigh()
                offset += 1
                return decoded(out, limit: limit)
            }
            guard b == UInt8(ascii: "\\") else {
                flushHigh()
                if out.count <= limit { out.append(b) }
                offset += 1
                continue
            }
            guard offset + 1 < bytes.count else { break }
            let e = bytes[offset + 1]
            offset += 2
            if e == UInt8(ascii: "u") {
                guard offset + 4 <= bytes.count, let unit = hex4(offset) else {
                    throw failure("a \\u escape without four hex digits")
                }
                offset += 4
                if (0xD800..<0xDC00).contains(unit) {
                    flushHigh()
                    pendingHigh = unit
                } else if (0xDC00..<0xE000).contains(unit) {
                    if let high = pendingHigh {
                        append(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), to: &out)
                        pendingHigh = nil
                    } else {
                        append(0xFFFD, to: &out)
                    }
                } else {
                    flushHigh()
                    // NUL is text nowhere downstream (C strings, XML, logs): the replacement
                    // character says something was there.
                    append(unit == 0 ? 0xFFFD : unit, to: &out)
                }
                continue
            }
            flushHigh()
            let plain: UInt8
            switch e {
            case UInt8(ascii: "n"): plain = 0x0A
            case UInt8(ascii: "t"): plain = 0x09
            case UInt8(ascii: "r"): plain = 0x0D
            case UInt8(ascii: "b"): plain = 0x08
            case UInt8(ascii: "f"): plain = 0x0C
            default: plain = e  // \" \\ \/ and, tolerated, any other character as itself
            }
            if out.count <= limit { out.append(plain) }
        }
        throw failure("unexpected end of the document inside a string")
    }

    private func hex4(_ at: Int) -> UInt32? {
        var v: UInt32 = 0
        for i in at..<at + 4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    private func append(_ scalar: UInt32, to out: inout [UInt8]) {
        guard out.count <= maxStringBytes, let s = Unicode.Scalar(scalar) else { return }
        out.append(contentsOf: String(Character(s)).utf8)
    }

    /// Valid UTF-8 (invalid sequences replaced), cut at `limit` bytes on a character boundary.
    private mutating func decoded<C: Collection<UInt8>>(_ raw: C, limit: Int) -> String {
        let s = String(decoding: raw, as: UTF8.self)
        guard s.utf8.count > limit else { return s }
        cutString = true
        let head = Array(s.utf8.prefix(limit + 1))
        // The longest prefix within the limit that ends where a character does: the byte after
        // it is not a continuation byte.
        var end = limit
        while end > 0 && head[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: head[..<end], as: UTF8.self)
    }
}
