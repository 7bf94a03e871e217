import FeedwatchConfig
import Foundation

/// Reads the configuration for a reload: this process reads the file and validates it, a child
/// (`feedwatch decode-config`, this same executable) parses its TOML.
///
/// Why: the TOML library keeps every document it parses for the life of the process (upstream
/// LebJe/TOMLKit#26): about 0.8 KB per feed each time, so a daemon on 1,000 feeds grew by 32 MB
/// over 40 reloads. The child's memory goes when it exits. The text is read once, here, and
/// handed to the child on its standard input, so the child and the validation read the same
/// bytes however the file changes meanwhile. The problems are the same as an in-process read's
/// (file:line), from whichever side finds them.
enum ChildConfigReader {
    /// The executable of this process, even when the file was replaced since it started (a
    /// package upgrade followed by a reload): the kernel keeps the running one reachable here.
    static let executable = "/proc/self/exe"

    /// `fellBack` is told why, when the child could not do its part and the document was parsed
    /// in this process after all (the reload still happens; only the memory is kept).
    static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        fellBack: (String) -> Void
    ) throws(ConfigError) -> Config {
        let source = try ConfigLoader.readSource(path: path)
        switch decodeInChild(source, path: path) {
        case .decoded(let document):
            return try ConfigLoader.parse(source, file: path, decodedDocument: document, environment: environment)
        case .refused(let problems):
            throw ConfigError(problems: problems)
        case .unavailable(let why):
            fellBack(why)
            return try ConfigLoader.parse(source, file: path, environment: environment)
        }
    }

    private enum ChildAnswer {
        /// The document as JSON (`ConfigLoader.decodeDocument`).
        case decoded(Data)
        /// The file's problems, as the child found them (exit 78).
        case refused([ConfigProblem])
        /// No answer to use: why.
        case unavailable(String)
    }

    private static func decodeInChild(_ source: String, path: String) -> ChildAnswer {
        let outcome: ChildRun.Outcome
        do {
            outcome = try ChildRun.run(
                executable: executable, arguments: ["feedwatch", "decode-config", "--file", path],
                input: Array(source.utf8), timeout: .seconds(60), maxOutput: 256 << 20)
        } catch {
            return .unavailable(error.description)
        }
        switch outcome.status {
        case 0:
            return .decoded(outcome.output)
        case 78:
            guard let problems = try? JSONDecoder().decode([ConfigProblem].self, from: outcome.output) else {
                return .unavailable("decode-config exited with 78 without its problems")
            }
            return .refused(problems)
        case let status?:
            return .unavailable("decode-config exited with \(status)")
        case nil:
            return .unavailable("decode-config was ended by signal \(outcome.signal ?? 0)")
        }
    }
}
