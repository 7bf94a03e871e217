import Foundation
import TestSupport
import Testing

/// `feedwatch parse` and `feedwatch check`, as a user runs them.
@Suite("parse and check commands")
struct CommandTests {
    @Test("parse prints valid JSON lines for every real-world feed in the shared corpus")
    func parseCorpus() async throws {
        let dir = try Paths.shared("corpus/dev")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files.count > 100)
        for name in files {
            let run = try await BinaryRun.run(["parse", dir.appendingPathComponent(name).path], timeout: 30)
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let lines = run.stdout.split(separator: "\n")
            #expect(!lines.isEmpty, "\(name): no output")
            for (i, line) in lines.enumerated() {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object != nil, "\(name): line \(i + 1) is not a JSON object")
                if i == 0 { #expect(object?["feed"] != nil, "\(name): the first line is not the feed line") }
            }
        }
    }

    @Test("parse on several threads prints exactly what one thread prints, in input order")
    func parseConcurrentOrder() async throws {
        let dir = try Paths.shared("corpus/dev")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { dir.appendingPathComponent($0).path }
        let one = try await BinaryRun.run(["parse", "--jobs", "1"] + files, timeout: 120)
        let four = try await BinaryRun.run(["parse", "--jobs", "4"] + files, timeout: 120)
        #expect(one.status == four.status)
        #expect(one.stdout.lineCount > 5000)
        #expect(one.stdout == four.stdout)
    }

    @Test("--files-from reads the inputs from a file or standard input, as the same arguments would")
    func filesFrom() async throws {
        let dir = try Paths.shared("corpus/dev")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().prefix(20)
            .map { dir.appendingPathComponent($0).path }
        let tmp = try TemporaryDirectory()
        let list = tmp.path("list")
        try (files.joined(separator: "\n") + "\n\n").write(toFile: list, atomically: true, encoding: .utf8)
        let given = try await BinaryRun.run(["parse", "--jobs", "1"] + files)
        let fromFile = try await BinaryRun.run(["parse", "--jobs", "1", "--files-from", list])
        let fromStdin = try await BinaryRun.tool(
            "/bin/sh", ["-c", "\"$0\" parse --jobs 1 --files-from - < \"$1\"", Paths.binary.path, list])
        #expect(given.status == 0)
        #expect(given.stdout.lineCount > 100)
        #expect(fromFile.stdout == given.stdout)
        #expect(fromStdin.stdout == given.stdout)
        let matched = try await BinaryRun.run(["match", "--expr", "Iraq", "--files-from", list])
        let matchedGiven = try await BinaryRun.run(["match", "--expr", "Iraq"] + files)
        #expect(matched.stdout == matchedGiven.stdout)
        let missing = try await BinaryRun.run(["parse", "--files-from", tmp.path("absent")])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--files-from: cannot read"))
    }

    @Test("parse reports a document that is not a feed on its feed line and exits non-zero")
    func parseNotAFeed() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("page.html")
        try "<!DOCTYPE html><html><head><title>Login</title></head><body><p>Sign in</p></body></html>"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["parse", path])
        #expect(run.status == 1)
        let line = try #require(run.stdout.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["error"] as? String)?.contains("not a feed") == true)
    }

    /// Broken configurations and the message each must give (after "FILE:").
    static let broken: [(String, String, String)] = [
        (
            "unknown key", "[[feed]]\nurl = \"https://example.org/rss\"\nintervall = \"5m\"\n",
            ":3: feed #1: unknown key 'intervall'"
        ),
        ("syntax", "[[feed]]\nurl = \"https://example.org/rss\n", ":2:"),
        (
            "bad duration", "interval = \"soon\"\n[[feed]]\nurl = \"https://example.org/rss\"\n",
            ":1: invalid duration \"soon\""
        ),
        (
            "bad url", "[[feed]]\nurl = \"file:///etc/passwd\"\n",
            ":2: feed #1: url \"file:///etc/passwd\" is not an http or https URL"
        ),
        (
            "url without a host", "[[feed]]\nurl = \"https:///rss\"\n",
            ":2: feed #1: url \"https:///rss\" is not an http or https URL"
        ),
        (
            "port out of range", "[[feed]]\nurl = \"https://example.org:99999/rss\"\n",
            ":2: feed #1: url \"https://example.org:99999/rss\" names port 99999, outside 1-65535"
        ),
        (
            "webhook port out of range",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"h\"\ntype = \"webhook\"\nurl = \"https://hooks.example:0/x\"\n",
            ":6: output \"h\": url \"https://hooks.example:0/x\" names port 0, outside 1-65535"
        ),
        (
            "nested too deep",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"o\"\ntype = \"jsonl\"\npath = \"-\"\n[[watch]]\nname = \"w\"\nmatch = \"\(String(repeating: "(", count: 5000))Iraq\(String(repeating: ")", count: 5000))\"\n",
            ":9: watch \"w\": expression at position 101: groups, NOTs and field prefixes nested more than 100 deep"
        ),
        (
            "bad expression",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"o\"\ntype = \"jsonl\"\npath = \"-\"\n[[watch]]\nname = \"w\"\nmatch = \"Iraq AND (coalition\"\n",
            ":9: watch \"w\": expression at position 10: this '(' is never closed"
        ),
        (
            "metrics not on loopback",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[metrics]\nlisten = \"0.0.0.0:9464\"\n",
            ":4: metrics: listen \"0.0.0.0:9464\" must be a loopback address and port"
        ),
        (
            "unknown output",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[watch]]\nname = \"w\"\nany = [\"Iraq\"]\noutputs = [\"nope\"]\n",
            ":6: watch \"w\": no output named \"nope\""
        ),
        (
            "unknown alias",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"o\"\ntype = \"jsonl\"\npath = \"-\"\n[[watch]]\nname = \"w\"\nmatch = \"@nothere\"\n",
            ":9: watch \"w\": expression at position 1: unknown alias @nothere"
        ),
        (
            "a second problem in the same expression",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"o\"\ntype = \"jsonl\"\npath = \"-\"\n[[watch]]\nname = \"w\"\nmatch = \"@nothere OR nosuch:x\"\n",
            ":9: watch \"w\": expression at position 13: unknown field 'nosuch'"
        ),
        (
            "unknown field in a watch's fields",
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"o\"\ntype = \"jsonl\"\npath = \"-\"\n[[watch]]\nname = \"w\"\nmatch = \"Iraq\"\nfields = [\"title\", \"sumary\"]\n",
            ":10: watch \"w\": unknown field 'sumary' in fields"
        ),
    ]

    @Test("check names the file, line and key of each mistake and exits 78", arguments: broken.indices)
    func checkBroken(_ index: Int) async throws {
        let (name, text, expected) = Self.broken[index]
        let dir = try TemporaryDirectory()
        let path = dir.path("feedwatch.toml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["check", "--config", path])
        #expect(run.status == 78, "\(name)")
        #expect(run.stderr.contains(path + expected), "\(name): stderr was:\n\(run.stderr)")
    }

    @Test("check accepts the shipped configuration and summarises it")
    func checkShipped() async throws {
        let run = try await BinaryRun.run([
            "check", "--config", Paths.repository.appendingPathComponent("config/feedwatch.toml").path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("configuration OK"))
        #expect(run.stdout.contains("watch iraq-coalition -> events"))
    }
}
