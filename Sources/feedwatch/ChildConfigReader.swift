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
        let outcome: ChildRun.Outcome
        do {
            outcome = try ChildRun.run(
                executable: executable, arguments: ["feedwatch", "decode-config", "--file", path],
                input: Array(source.utf8), timeout: .seconds(60), maxOutput: 256 << 20)
        } catch {
            fellBack(error.description)
            return try ConfigLoader.parse(source, file: path, environment: environment)
        }
        switch outcome.status {
        case 0:
            return try ConfigLoader.parse(
                source, file: path, decodedDocument: outcome.output, environment: environment)
        case 78:
            if let problems = try? JSONDecoder().decode([ConfigProblem].self, from: outcome.output) {
                throw ConfigError(problems: problems)
            }
            fellBack("decode-config exited with 78 without its problems")
        case let status?:
            fellBack("decode-config exited with \(status)")
        case nil:
            fellBack("decode-config was ended by signal \(outcome.signal ?? 0)")
        }
        return try ConfigLoader.parse(source, file: path, environment: environment)
    }
}
