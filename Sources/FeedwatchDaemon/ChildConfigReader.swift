public import FeedwatchConfig
public import Foundation

/// Reads the configuration for a reload: this process reads the file and validates it, a child
/// (`feedwatch decode-config`, this same executable) parses its TOML.
///
/// Why: the TOML library keeps every document it parses for the life of the process (upstream
/// LebJe/TOMLKit#26): about 0.6 KB per feed each time, so a daemon on 1,000 feeds grew from 33 to
/// 92 MB of anonymous memory between its 20th and 120th reload (BENCHMARKS.md, stop 27). The
/// child's memory goes when it exits. The text is read once, here, and
/// handed to the child on its standard input, so the child and the validation read the same
/// bytes however the file changes meanwhile. The problems are the same as an in-process read's
/// (file:line), from whichever side finds them.
public enum ChildConfigReader {
    /// The executable of this process, even when the file was replaced since it started (a
    /// package upgrade followed by a reload): the kernel keeps the running one reachable here.
    public static let ownExecutable = "/proc/self/exe"
    /// The subcommand of the executable that decodes a configuration's TOML (standard input) to a
    /// JSON document (standard output); exit 78 with the problems instead.
    public static let subcommand = "decode-config"

    /// `fellBack` is told why, when the child could not do its part and the document was parsed
    /// in this process after all (the reload still happens; only the memory is kept).
    public static func load(
        path: String, executable: String = ownExecutable,
        environment: [String: String] = ProcessInfo.processInfo.environment, fellBack: (String) -> Void
    ) throws(ConfigError) -> Config {
        let source = try ConfigLoader.readSource(path: path)
        switch decodeInChild(source, path: path, executable: executable) {
        case .decoded(let document):
            return try ConfigLoader.parse(source, file: path, document: document, environment: environment)
        case .refused(let problems):
            throw ConfigError(problems: problems)
        case .unavailable(let why):
            fellBack(why)
            return try ConfigLoader.parse(source, file: path, environment: environment)
        }
    }

    private enum ChildAnswer {
        /// The document (`ConfigLoader.decodeDocument`).
        case decoded(DecodedDocument)
        /// The file's problems, as the child found them (exit 78).
        case refused([ConfigProblem])
        /// No answer to use: why.
        case unavailable(String)
    }

    private static func decodeInChild(_ source: String, path: String, executable: String) -> ChildAnswer {
        let outcome: ChildRun.Outcome
        do {
            outcome = try ChildRun.run(
                executable: executable, arguments: ["feedwatch", subcommand, "--file", path],
                input: Array(source.utf8), timeout: .seconds(60), maxOutput: 256 << 20)
        } catch {
            return .unavailable(error.description)
        }
        switch outcome.status {
        case 0:
            guard let document = DecodedDocument(json: outcome.output) else {
                return .unavailable("\(subcommand) answered with something that is not a configuration document")
            }
            return .decoded(document)
        case 78:
            guard let problems = try? JSONDecoder().decode([ConfigProblem].self, from: outcome.output) else {
                return .unavailable("\(subcommand) exited with 78 without its problems")
            }
            return .refused(problems)
        case let status?:
            return .unavailable("\(subcommand) exited with \(status)")
        case nil:
            return .unavailable("\(subcommand) was ended by signal \(outcome.signal ?? 0)")
        }
    }
}
