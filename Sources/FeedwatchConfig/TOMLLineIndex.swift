/// Where each key of a TOML document is written, so that errors found after parsing can name a line.
///
/// TOMLKit reports line and column for syntax errors only; values carry no position. This index
/// reads the (already valid) source once and records the line of every `key =` and every table
/// header, under the same paths the decoder uses: `interval`, `fetch.timeout`, `watch[2].any`
/// (arrays of tables are numbered from 0). Multi-line strings and arrays are skipped over.
struct TOMLLineIndex {
    private var lines: [String: Int] = [:]

    /// Reads the source as bytes: every character TOML's syntax uses is ASCII, and no byte of a
    /// multi-byte UTF-8 character is, so a key's name is the only text made. (Read as Swift
    /// `Character`s, a 10,000-feed file took 0.12 s, and `\r\n`, one character, ended no line.)
    init(source: String) {
        let bytes = Array(source.utf8)
        var table: [String] = []
        var counters: [String: Int] = [:]
        var openMultiline: [UInt8]? = nil
        var bracketDepth = 0
        var number = 0
        var lineStart = 0
        while lineStart <= bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: Self.newline) ?? bytes.count
            defer { lineStart = lineEnd + 1 }
            number += 1
            let raw = bytes[lineStart..<lineEnd]
            if let delimiter = openMultiline {
                if Self.contains(raw, delimiter) { openMultiline = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += Self.bracketBalance(raw)
                continue
            }
            let trimmed = Self.trimmed(Self.strippingComment(raw), also: Self.carriageReturn)
            if trimmed.isEmpty { continue }
            if Self.hasPrefix(trimmed, Self.arrayHeader) {
                let name = Self.keyPath(Self.untilClosingBracket(trimmed.dropFirst(2)))
                let i = counters[name.joined(separator: "."), default: -1] + 1
                counters[name.joined(separator: "."), default: -1] = i
                var path = name
                path[path.count - 1] += "[\(i)]"
                table = path
                record(table, number)
                continue
            }
            if trimmed.first == Self.openBracket {
                table = Self.keyPath(Self.untilClosingBracket(trimmed.dropFirst()))
                record(table, number)
                continue
            }
            guard let eq = Self.assignment(trimmed) else { continue }
            record(table + Self.keyPath(trimmed[..<eq]), number)
            let value = Self.trimmed(trimmed[(eq + 1)...])
            for delimiter in [Self.basicMultiline, Self.literalMultiline] where Self.hasPrefix(value, delimiter) {
                if !Self.contains(value.dropFirst(3), delimiter) { openMultiline = delimiter }
            }
            if openMultiline == nil { bracketDepth = max(0, Self.bracketBalance(value)) }
        }
    }

    private mutating func record(_ path: [String], _ line: Int) {
        let key = path.joined(separator: ".")
        if lines[key] == nil { lines[key] = line }
    }

    /// The line of `path`, or of the nearest enclosing key or table that has one.
    func line(for path: [String]) -> Int? {
        var p = path
        while !p.isEmpty {
            if let l = lines[p.joined(separator: ".")] { return l }
            p.removeLast()
        }
        return nil
    }

    // MARK: - Lexing just enough TOML

    private typealias Bytes = ArraySlice<UInt8>

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let openBracket = UInt8(ascii: "[")
    private static let closeBracket = UInt8(ascii: "]")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let singleQuote = UInt8(ascii: "'")
    private static let arrayHeader: [UInt8] = Array("[[".utf8)
    private static let basicMultiline: [UInt8] = Array("\"\"\"".utf8)
    private static let literalMultiline: [UInt8] = Array("'''".utf8)

    /// The bytes without spaces and tabs (and `also`) at either end.
    private static func trimmed(_ s: Bytes, also extra: UInt8? = nil) -> Bytes {
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == extra }
        guard let first = s.firstIndex(where: { !blank($0) }), let last = s.lastIndex(where: { !blank($0) }) else {
            return s[s.startIndex..<s.startIndex]
        }
        return s[first...last]
    }

    private static func hasPrefix(_ s: Bytes, _ prefix: [UInt8]) -> Bool {
        s.count >= prefix.count && s.prefix(prefix.count).elementsEqual(prefix)
    }

    private static func contains(_ s: Bytes, _ needle: [UInt8]) -> Bool {
        guard s.count >= needle.count else { return false }
        var i = s.startIndex
        while i + needle.count <= s.endIndex {
            if s[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    private static func untilClosingBracket(_ s: Bytes) -> Bytes {
        s.prefix { $0 != closeBracket }
    }

    private static func keyPath(_ s: Bytes) -> [String] {
        var parts: [String] = []
        var current: [UInt8] = []
        var quote: UInt8? = nil
        func close() {
            parts.append(String(decoding: trimmed(current[...]), as: UTF8.self))
            current.removeAll(keepingCapacity: true)
        }
        for c in s {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == doubleQuote || c == singleQuote {
                quote = c
            } else if c == UInt8(ascii: ".") {
                close()
            } else {
                current.append(c)
            }
        }
        close()
        return parts
    }

    /// Index of the `=` of a key/value line (outside quotes), if it is one.
    private static func assignment(_ s: Bytes) -> Int? {
        var quote: UInt8? = nil
        for i in s.indices {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == doubleQuote || c == singleQuote {
                quote = c
            } else if c == UInt8(ascii: "=") {
                return i
            }
        }
        return nil
    }

    private static func strippingComment(_ s: Bytes) -> Bytes {
        var quote: UInt8? = nil
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == UInt8(ascii: "\\") && q == doubleQuote {
                    i += 1
                    if i == s.endIndex { break }
                } else if c == q {
                    quote = nil
                }
            } else if c == doubleQuote || c == singleQuote {
                quote = c
            } else if c == UInt8(ascii: "#") {
                return s[..<i]
            }
            i += 1
        }
        return s
    }

    private static func bracketBalance(_ s: Bytes) -> Int {
        var depth = 0
        var quote: UInt8? = nil
        for c in strippingComment(s) {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == doubleQuote || c == singleQuote {
                quote = c
            } else if c == openBracket {
                depth += 1
            } else if c == closeBracket {
                depth -= 1
            }
        }
        return depth
    }
}
