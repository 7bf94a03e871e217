import FlyingFox
import Foundation
import TestSupport
import Testing

/// The big hostile cases that ../shared/hostile/make_corpus.py generates (not stored: ~275 MB),
/// through `feedwatch parse`: files for the parser's caps, loopback HTTP for the gzip bombs.
@Suite("hostile corpus, generated cases", .serialized)
struct HostileGeneratedTests {
    /// Generates the huge cases once per test into a temporary directory.
    static func generate() async throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let script = try Paths.shared("hostile/make_corpus.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--huge", "--out", dir.url.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        try #require(process.terminationStatus == 0, "make_corpus.py --huge failed")
        return dir
    }

    /// The entry lines after the feed line.
    static func entryCount(_ stdout: String) -> Int {
        max(0, stdout.lineCount - 1)
    }

    @Test("deep nesting, 100k items, a 200 MB body, a 16 MB text node and attribute stay within the caps")
    func generatedFiles() async throws {
        let dir = try await Self.generate()

        let deep = try await BinaryRun.run(["parse", dir.path("deep_nesting_100k.xml")], timeout: 30)
        #expect(deep.status == 1)
        #expect(deep.stdout.contains("nested deeper than 256 levels"), "\(deep.stdout.prefix(300))")

        let many = try await BinaryRun.run(["parse", dir.path("items_100k.xml")], timeout: 120)
        #expect(many.status == 0, "\(many.stderr)")
        #expect(Self.entryCount(many.stdout) == 100_000)

        // The document cap (64 MiB decoded) cuts the body; what came before it is kept.
        let huge = try await BinaryRun.run(["parse", dir.path("feed_200mb.xml")], timeout: 120)
        #expect(huge.status == 0)
        #expect(huge.stderr.contains("document larger than 64 MiB"), "\(huge.stderr)")
        #expect(Self.entryCount(huge.stdout) > 1000)

        let text = try await BinaryRun.run(["parse", dir.path("long_text_16mb.xml")], timeout: 30)
        #expect(text.status == 0)
        #expect(text.stderr.contains("field longer than"), "\(text.stderr)")
        #expect(text.stdout.longestLineBytes < 2 << 20, "a capped field must not carry 16 MB into the output")

        let attribute = try await BinaryRun.run(["parse", dir.path("long_attr_16mb.xml")], timeout: 30)
        #expect(attribute.stdout.longestLineBytes < 2 << 20)
        #expect(!attribute.stderr.isEmpty, "a 16 MB attribute must be reported")
    }

    /// The cap on decoded bytes is what stops a bomb; a small cap keeps the debug build quick.
    @Test("gzip bombs served with Content-Encoding stop at the body cap")
    func gzipBombs() async throws {
        let dir = try await Self.generate()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let single = try Data(contentsOf: dir.url.appendingPathComponent("gzip_bomb_4g.gz"))
        let double = try Data(contentsOf: dir.url.appendingPathComponent("gzip_bomb_4g_double.gz"))
        await server.route("GET /bomb.xml") { _ in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/rss+xml", .contentEncoding: "gzip"], body: single)
        }
        await server.route("GET /double.xml") { _ in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/rss+xml", .contentEncoding: "gzip, gzip"],
                body: double)
        }
        for path in ["/bomb.xml", "/double.xml"] {
            let run = try await BinaryRun.run(
                ["parse", "--max-body-mb", "4", "--allow-address", "127.0.0.1/32", server.url(path)], timeout: 60)
            #expect(run.status == 1, "\(path): \(run.stdout.prefix(300))")
            let feedLine = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(feedLine.contains("larger than 4 MiB (decoded)"), "\(path): \(feedLine)")
        }
    }
}
