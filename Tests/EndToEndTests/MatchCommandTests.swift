import FlyingFox
import Foundation
import TestSupport
import Testing

/// `feedwatch match`, as an analyst tries a watch before deploying it.
@Suite("match command")
struct MatchCommandTests {
    static func objects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func titles(_ stdout: String) throws -> [String] {
        try objects(stdout).compactMap { ($0["story"] as? [String: Any])?["title"] as? String }
    }

    @Test("--expr on a feed file prints the matching entries with their terms and fields")
    func expression() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("feed.xml")
        try OnceTests.feed().write(to: URL(fileURLWithPath: path))
        let run = try await BinaryRun.run(["match", "--expr", "Iraq* AND coalition", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.titles(run.stdout) == [OnceTests.seedTitle])
        let watches = try #require(try Self.objects(run.stdout).first?["watches"] as? [[String: Any]])
        let terms = try #require(watches.first?["terms"] as? [[String: String]])
        #expect(terms.contains { $0["term"] == "coalition" && $0["field"] == "title" })
        #expect(run.stderr.contains("1 of 4 stories match"))

        let all = try await BinaryRun.run(["match", "--all", "--expr", "Iraq* AND coalition", path])
        #expect(try Self.titles(all.stdout).count == 4)
    }

    @Test("--watch uses the configured watch; an unknown watch or a bad expression is a usage error")
    func configuredWatch() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("feed.xml")
        try OnceTests.feed().write(to: URL(fileURLWithPath: path))
        let config = Paths.repository.appendingPathComponent("config/feedwatch.toml").path
        let run = try await BinaryRun.run(["match", "-c", config, "--watch", "iraq-coalition", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.titles(run.stdout) == [OnceTests.seedTitle])

        let unknown = try await BinaryRun.run(["match", "-c", config, "--watch", "nope", path])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no watch named 'nope'"))

        let bad = try await BinaryRun.run(["match", "--expr", "Iraq AND (", path])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("position"))
    }

    @Test("--since replays the stories the store has seen: what a new watch would have caught")
    func replay() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", OnceTests.feed())
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .noContent) }
        let config = try OnceTests.config(dir: dir, feedURL: server.url("/feed.xml"), hookURL: server.url("/hook"))
        let once = try await BinaryRun.run(
            ["once", "--config", config], environment: ["HOOK_SECRET": OnceTests.secret])
        #expect(once.status == 0, "\(once.stderr)")

        // The football story was seen but matched no watch; a new watch on Basra would have caught it.
        let run = try await BinaryRun.run(["match", "-c", config, "--since", "1d", "--expr", "Basra"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.titles(run.stdout) == ["Iraqi football team wins a friendly in Basra"])
        #expect(run.stderr.contains("1 of 4 stories match"))
        // The summary was kept for replays, not only the title.
        let summary = try await BinaryRun.run(["match", "-c", config, "--since", "1d", "--expr", "summary:Markets"])
        #expect(try Self.titles(summary.stdout) == ["Stocks rise on tech earnings"])
    }
}
