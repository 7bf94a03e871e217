import FeedwatchMatch
import FeedwatchModel
public import Foundation
import TOMLKit

/// One thing wrong with a configuration, located as precisely as the source allows.
public struct ConfigProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Everything wrong with a configuration; `feedwatch check` prints them all.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A configuration document as written, decoded from its TOML elsewhere (a child process,
/// `ConfigLoader.decodeDocument`) and handed over as JSON; not yet validated.
public struct DecodedDocument: Sendable {
    let raw: RawConfig

    /// nil when `json` is not such a document.
    public init?(json: Data) {
        guard let raw = try? JSONDecoder().decode(RawConfig.self, from: json) else { return nil }
        self.raw = raw
    }
}

/// Reads and validates a configuration file.
public enum ConfigLoader {
    /// - Parameter environment: where `STATE_DIRECTORY` and `LOGS_DIRECTORY` are read (the
    ///   process environment by default).
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> Config {
        try parse(try readSource(path: path), file: path, environment: environment)
    }

    /// The text of the configuration file at `path`.
    public static func readSource(path: String) throws(ConfigError) -> String {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(problems: [ConfigProblem(file: path, line: nil, message: "not valid UTF-8")])
            }
            return text
        } catch let error as ConfigError {
            throw error
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "cannot be read"
            throw ConfigError(problems: [ConfigProblem(file: path, line: nil, message: "cannot read: \(reason)")])
        }
    }

    public static func parse(
        _ source: String, file: String, environment: [String: String] = [:]
    ) throws(ConfigError) -> Config {
        try validate(try decode(source, file: file), source: source, file: file, environment: environment)
    }

    /// The document as written (TOML read, keys and types checked, nothing validated), as JSON:
    /// what a child process hands back as a `DecodedDocument` (why a child: `ChildConfigReader`).
    public static func decodeDocument(_ source: String, file: String) throws(ConfigError) -> Data {
        let raw = try decode(source, file: file)
        do {
            return try JSONEncoder().encode(raw)
        } catch {
            throw ConfigError(problems: [ConfigProblem(file: file, line: nil, message: "\(error)")])
        }
    }

    /// Validates a document `decodeDocument` gave for `source`: the same `Config`, and the same
    /// problems, as `parse(source, …)`.
    public static func parse(
        _ source: String, file: String, document: DecodedDocument, environment: [String: String] = [:]
    ) throws(ConfigError) -> Config {
        try validate(document.raw, source: source, file: file, environment: environment)
    }

    private static func decode(_ source: String, file: String) throws(ConfigError) -> RawConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: source)
        } catch let e as TOMLParseError {
            throw ConfigError(problems: [ConfigProblem(file: file, line: e.source.begin.line, message: e.description)])
        } catch {
            throw ConfigError(problems: [ConfigProblem(file: file, line: nil, message: "\(error)")])
        }
        do {
            return try TOMLDecoder(strictDecoding: true).decode(RawConfig.self, from: table)
        } catch let e as UnexpectedKeysError {
            let index = TOMLLineIndex(source: source)
            let problems = e.keys.values.map { path -> ConfigProblem in
                let names = pathNames(path)
                return ConfigProblem(
                    file: file, line: index.line(for: names),
                    message: "\(context(names.dropLast(), raw: table))unknown key '\(names.last ?? "?")'")
            }
            throw ConfigError(problems: problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        } catch let e as DecodingError {
            let index = TOMLLineIndex(source: source)
            throw ConfigError(problems: [decodingProblem(e, file: file, index: index, table: table)])
        } catch {
            throw ConfigError(problems: [ConfigProblem(file: file, line: nil, message: "\(error)")])
        }
    }

    private static func validate(
        _ raw: RawConfig, source: String, file: String, environment: [String: String]
    ) throws(ConfigError) -> Config {
        var v = Validator(file: file, index: TOMLLineIndex(source: source), environment: environment)
        return try v.validate(raw)
    }

    // MARK: - Decoding errors

    static func pathNames(_ path: [any CodingKey]) -> [String] {
        path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            .reduce(into: [String]()) { out, part in
                if part.hasPrefix("["), let last = out.popLast() { out.append(last + part) } else { out.append(part) }
            }
    }

    /// "watch \"iraq\": " for a path inside a named array-of-tables entry, else "key.path: ".
    static func context(_ names: ArraySlice<String>, raw: TOMLTable) -> String {
        guard let first = names.first else { return "" }
        if let open = first.firstIndex(of: "["), let i = Int(first[first.index(after: open)...].dropLast()) {
            let kind = String(first[..<open])
            if let array = raw[kind]?.array, i < array.count, let name = array[i].table?["name"]?.string {
                let rest = names.dropFirst().joined(separator: ".")
                return "\(kind) \"\(name)\"\(rest.isEmpty ? "" : " " + rest): "
            }
            return "\(kind) #\(i + 1): "
        }
        return names.joined(separator: ".") + ": "
    }

    private static func decodingProblem(_ e: DecodingError, file: String, index: TOMLLineIndex, table: TOMLTable)
        -> ConfigProblem
    {
        let path: [any CodingKey]
        let message: String
        switch e {
        case .typeMismatch(let type, let ctx):
            path = ctx.codingPath
            message = "expected \(describe(type))"
        case .valueNotFound(let type, let ctx):
            path = ctx.codingPath
            message = "expected \(describe(type))"
        case .keyNotFound(let key, let ctx):
            // TOMLKit also says "key not found" for a key present with the wrong type.
            let names = pathNames(ctx.codingPath)
            let full = names.last == key.stringValue ? names : names + [key.stringValue]
            let present = lookup(table, full) != nil
            return ConfigProblem(
                file: file, line: index.line(for: full),
                message: "\(context(full.dropLast(), raw: table))"
                    + (present
                        ? "'\(key.stringValue)' has the wrong type" : "missing required key '\(key.stringValue)'"))
        case .dataCorrupted(let ctx):
            path = ctx.codingPath
            message = ctx.debugDescription
        @unknown default:
            return ConfigProblem(file: file, line: nil, message: "\(e)")
        }
        let names = pathNames(path)
        return ConfigProblem(
            file: file, line: index.line(for: names),
            message: "\(context(names.dropLast(), raw: table))'\(names.last ?? "")': \(message)")
    }

    private static func lookup(_ table: TOMLTable, _ names: [String]) -> (any TOMLValueConvertible)? {
        var current: (any TOMLValueConvertible)? = table
        for name in names {
            if let open = name.firstIndex(of: "["), let i = Int(name[name.index(after: open)...].dropLast()) {
                guard let array = current?.table?[String(name[..<open])]?.array, i < array.count else { return nil }
                current = array[i]
            } else {
                current = current?.table?[name]
            }
        }
        return current
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is [String].Type: return "a list of strings"
        default: return "\(type)"
        }
    }
}
