import ArgumentParser
import Foundation

/// The feeds a command reads: given as arguments, or one per line in a file (`--files-from`,
/// `-` for standard input), as tar and rsync take them. A list in a file is read in linear time
/// whatever its length; a list given as arguments goes through the argument parser, whose cost
/// grows with the square of their number (measured: 2,000 arguments 0.18 s, 8,000 2.1 s), which
/// a `find … | xargs feedwatch parse` of a large corpus would pay.
struct InputOptions: ParsableArguments {
    @Argument(help: "Feed files, or http(s) URLs.")
    var inputs: [String] = []

    @Option(
        name: .customLong("files-from"),
        help: ArgumentHelp(
            "Also read feed files or URLs from this file, one per line ('-': standard input).",
            valueName: "path"))
    var filesFrom: String?

    /// Every input: the arguments, then the file's lines (blank lines skipped).
    func all() throws -> [String] {
        guard let filesFrom else { return inputs }
        let data: Data
        if filesFrom == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: filesFrom) else {
                Console.error("feedwatch: --files-from: cannot read \(filesFrom)")
                throw Exit.usage
            }
            data = read
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        return inputs + lines.filter { !$0.allSatisfy(\.isWhitespace) }
    }

    /// Whether any input is given (the list file counts as one, even if empty).
    var isEmpty: Bool { inputs.isEmpty && filesFrom == nil }
}
