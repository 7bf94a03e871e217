import ArgumentParser
import FeedwatchConfig
import FeedwatchDaemon
import Foundation

/// `feedwatch decode-config --file NAME`: the TOML half of reading a configuration, for the
/// daemon's reloads (`ChildConfigReader`). Reads the file's text on standard input and writes
/// the document as JSON (exit 0), or its problems as a JSON list of {file, line, message}
/// (exit 78). Not for people: hidden from the help.
struct DecodeConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ChildConfigReader.subcommand,
        abstract: "Decode a configuration's TOML from standard input to JSON (used by reloads).",
        shouldDisplay: false)

    @Option(help: "The file's name, for the problems' messages.")
    var file: String

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let source = String(data: input, encoding: .utf8) else {
            try report([ConfigProblem(file: file, line: nil, message: "not valid UTF-8")])
            throw Exit.config
        }
        do throws(ConfigError) {
            FileHandle.standardOutput.write(try ConfigLoader.decodeDocument(source, file: file))
        } catch {
            try report(error.problems)
            throw Exit.config
        }
    }

    private func report(_ problems: [ConfigProblem]) throws {
        FileHandle.standardOutput.write(try JSONEncoder().encode(problems))
    }
}
