public import Foundation
import Glibc
public import Logging

/// One line per event on stderr, data as `key=value`, made for journald and for people.
///
/// Under systemd (`JOURNAL_STREAM` set) each line starts with its syslog priority (`<4>`) and has
/// no timestamp: journald records both. Elsewhere a line starts with an RFC 3339 time and the
/// level in words. Values that need it are quoted; control characters, C1 controls and bidi
/// overrides in values (a hostile feed's title) are escaped so that a log line cannot be forged
/// or reordered on a terminal.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let journal: Bool

    public init(
        label: String, level: Logger.Level, journal: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
    ) {
        self.label = label
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = ""
        if journal {
            line += "<\(Self.priority(event.level))>"
        } else {
            line += Self.timestamp() + " " + Self.word(event.level) + " "
        }
        line += Self.escape(event.message.description, quoteSpaces: false)
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for key in all.keys.sorted() {
            guard let value = all[key] else { continue }
            line += " \(key)=\(Self.escape(value.description, quoteSpaces: true))"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func word(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "critical"
        }
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
            Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    /// Escapes what must not reach a terminal or a log parser raw; quotes values with spaces.
    static func escape(_ s: String, quoteSpaces: Bool) -> String {
        var out = ""
        var needsQuotes = s.isEmpty && quoteSpaces
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x22 where quoteSpaces:
                out += "\\\""
                needsQuotes = true
            case 0x5C where quoteSpaces: out += "\\\\"
            case 0x00..<0x20, 0x7F..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                out += String(format: "\\u{%04X}", scalar.value)
            case 0x20, 0x3D:
                if quoteSpaces { needsQuotes = true }
                out.unicodeScalars.append(scalar)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return needsQuotes ? "\"\(out)\"" : out
    }
}

extension Logger.Level {
    /// Parses the configuration's and command line's level names.
    public init?(name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "critical": self = .critical
        default: return nil
        }
    }
}
