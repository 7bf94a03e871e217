/// Where each key of a TOML document is written, so that errors found after parsing can name a line.
///
/// TOMLKit reports line and column for syntax errors only; values carry no position. This index
/// reads the (already valid) source once and records the line of every `key =` and every table
/// header, under the same paths the decoder uses: `interval`, `fetch.timeout`, `watch[2].any`
/// (arrays of tables are numbered from 0). Multi-line strings and arrays are skipped over.
struct TOMLLineIndex {
    private var lines: [String: Int] = [:]

    init(source: String) {
        var table: [String] = []
        var counters: [String: Int] = [:]
        var openMultiline: String? = nil
        var bracketDepth = 0
        for (n, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = n + 1
            var line = Substring(raw)
            if let delimiter = openMultiline {
                if line.contains(delimiter) { openMultiline = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += Self.bracketBalance(line)
                continue
            }
            line = Self.stripComment(line)
            let trimmed = line.trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[[") {
                let name = Self.keyPath(trimmed.dropFirst(2).prefix { $0 != "]" })
                let i = counters[name.joined(separator: "."), default: -1] + 1
                counters[name.joined(separator: "."), default: -1] = i
                var path = name
                path[path.count - 1] += "[\(i)]"
                table = path
                record(table, number)
                continue
            }
            if trimmed.hasPrefix("[") {
                table = Self.keyPath(trimmed.dropFirst().prefix { $0 != "]" })
                record(table, number)
                continue
            }
            guard let eq = Self.assignment(trimmed) else { continue }
            let key = Self.keyPath(trimmed[..<eq])
            record(table + key, number)
            let value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: " \t")
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if !value.dropFirst(3).contains(delimiter) { openMultiline = delimiter }
            }
            if openMultiline == nil { bracketDepth = max(0, Self.bracketBalance(Substring(value))) }
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

    private static func keyPath(_ s: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character? = nil
        for c in s {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingCharacters(in: " \t"))
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current.trimmingCharacters(in: " \t"))
        return parts
    }

    /// Index of the `=` of a key/value line (outside quotes), if it is one.
    private static func assignment(_ s: String) -> String.Index? {
        var quote: Character? = nil
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "=" {
                return i
            }
            i = s.index(after: i)
        }
        return nil
    }

    private static func stripComment(_ s: Substring) -> Substring {
        var quote: Character? = nil
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == "\\" && q == "\"" {
                    i = s.index(after: i)
                    if i == s.endIndex { break }
                } else if c == q {
                    quote = nil
                }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return s[..<i]
            }
            i = s.index(after: i)
        }
        return s
    }

    private static func bracketBalance(_ s: Substring) -> Int {
        var depth = 0
        var quote: Character? = nil
        for c in stripComment(s) {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" {
                depth += 1
            } else if c == "]" {
                depth -= 1
            }
        }
        return depth
    }
}

extension StringProtocol {
    /// The text without the characters of `set` at either end, by index: it runs on every line of
    /// the configuration (rebuilding the string from reversed views made loading a 10,000-feed
    /// file take a second).
    func trimmingCharacters(in set: String) -> String {
        guard let first = firstIndex(where: { !set.contains($0) }), let last = lastIndex(where: { !set.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
