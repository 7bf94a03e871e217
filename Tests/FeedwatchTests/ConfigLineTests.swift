import FeedwatchConfig
import Testing

/// A problem found after the TOML is parsed names the line of the key it is about, whatever the
/// file's line ends and whatever lies between: comments, quotes holding `#`, `=` or `[`, text
/// beyond ASCII, multi-line strings and arrays.
@Suite("configuration: problems name their line")
struct ConfigLineTests {
    static let source = """
        # A comment with a "quote and an = sign
        state_dir = "/tmp/fw"   # a trailing comment
        interval = "1h"

        [aliases]
        militias = [
          "Kataib Hezbollah",  # [ not a table
          "Nujaba",
        ]

        [[watch]]
        name = "Ba\u{0301}ghdad \\"# not a comment\\" = [x]"
        match = '''
        Iraq* AND
        (coalition OR @militias)'''

        [[feed]]
        url = "https://example.org/a"
        name = "Wire, “quoted”"

        [[feed]]
        name = "the second"
        url = "gopher://example.org/b"
        interval = "often"

        [[feed]]
        url = "https://example.org/c"
        interval = "often"
        """

    /// The problems of `source` with `lineEnd` between its lines, as (line, start of message).
    static func problems(lineEnd: String) -> [(line: Int?, message: String)] {
        let text = source.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: lineEnd)
        do throws(ConfigError) {
            _ = try ConfigLoader.parse(text, file: "f.toml")
            return []
        } catch {
            return error.problems.map { ($0.line, $0.message) }
        }
    }

    @Test("the same lines with LF and CRLF line ends", arguments: ["\n", "\r\n"])
    func lines(lineEnd: String) {
        let found = Self.problems(lineEnd: lineEnd)
        let watch = found.first { $0.message.hasPrefix("watch") }
        let url = found.first { $0.message.contains("gopher") }
        let interval = found.first { $0.message.contains("often") }
        #expect(watch?.line == 11, "\(found)")
        #expect(url?.line == 23, "\(found)")
        #expect(interval?.line == 28, "\(found)")
        #expect(found.count == 3, "\(found)")
    }
}
