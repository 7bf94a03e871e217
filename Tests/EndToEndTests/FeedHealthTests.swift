import FlyingFox
import Foundation
import Glibc
import TestSupport
import Testing

/// feed.failing and feed.recovered in the JSON-lines output: once each, with hysteresis.
@Suite("feed health events")
struct FeedHealthTests {
    @Test("three failures in a row write feed.failing once; the next success writes feed.recovered")
    func failingThenRecovered() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let up = UpFlag()
        let body = SystemdTests.feed([("a1", "Baghdad talks resume")])
        await server.route("GET /feed.xml") { _ in
            up.isUp
                ? HTTPResponse(statusCode: .ok, headers: [.contentType: "application/rss+xml"], body: body)
                : HTTPResponse(statusCode: .internalServerError)
        }
        let url = server.url("/feed.xml")
        let path = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [url]).write(toFile: path, atomically: true, encoding: .utf8)
        func types() throws -> [String] {
            try OnceTests.lines(dir.path("log/events.jsonl")).compactMap { $0["type"] as? String }
        }

        for attempt in 1...4 {
            let run = try await BinaryRun.run(["once", "--config", path])
            #expect(run.status == 1, "attempt \(attempt): \(run.stderr)")
            #expect(try types() == (attempt < 3 ? [] : ["feed.failing"]), "after \(attempt) failures")
        }
        let failing = try #require(try OnceTests.lines(dir.path("log/events.jsonl")).first)
        #expect((failing["feed"] as? [String: Any])?["url"] as? String == url)
        #expect(failing["failures"] as? Int == 3)
        #expect((failing["error"] as? String)?.contains("500") == true)

        up.set(true)
        let ok = try await BinaryRun.run(["once", "--config", path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try types() == ["feed.failing", "feed.recovered", "story.new"])
        let again = try await BinaryRun.run(["once", "--config", path])
        #expect(again.status == 0)
        #expect(try types().count == 3)
        // Each of the three event types matches the documented schema.
        let schema = try await EventSchema.validate(dir.path("log/events.jsonl"))
        #expect(schema.status == 0, "\(schema.output)")
    }

    @Test("429 with Retry-After: the next poll is no sooner than the publisher asked, also across restarts")
    func retryAfter() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.route("GET /feed.xml") { _ in
            HTTPResponse(statusCode: .tooManyRequests, headers: HTTPHeaders([HTTPHeader("Retry-After"): "7200"]))
        }
        let path = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [server.url("/feed.xml")])
            .write(toFile: path, atomically: true, encoding: .utf8)
        let before = Date()
        let run = try await BinaryRun.run(["once", "--config", path])
        #expect(run.status == 1)
        let status = try await BinaryRun.run(["status", "--config", path, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let feed = try #require((report["feeds"] as? [[String: Any]])?.first)
        let nextText = try #require(feed["next_poll"] as? String)
        let next = try #require(ISO8601DateFormatter().date(from: nextText))
        // One failure alone would back off a minute; the publisher asked for two hours.
        #expect(next.timeIntervalSince(before) >= 7200, "next poll \(nextText)")

        // The daemon, restarted, does not ask before then.
        let daemon = try BinaryRun.start(["run", "--config", path])
        try await Task.sleep(for: .seconds(2))
        daemon.signal(SIGTERM)
        let stopped = try await daemon.wait(timeout: 20)
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(server.requests.count == 1)
    }

    @Test("410 Gone says what happened and what to do, and puts the next poll a month out")
    func gone() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.route("GET /feed.xml") { _ in HTTPResponse(statusCode: .gone) }
        let path = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [server.url("/feed.xml")])
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("410 Gone"), "\(run.stderr)")
        let status = try await BinaryRun.run(["status", "--config", path, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let feed = try #require((report["feeds"] as? [[String: Any]])?.first)
        #expect((feed["last_error"] as? String)?.contains("remove it from the configuration") == true)
        let next = try #require(feed["next_poll"] as? String)
        let formatter = ISO8601DateFormatter()
        let when = try #require(formatter.date(from: next))
        #expect(when.timeIntervalSinceNow > 29 * 86_400, "next poll \(next)")
    }
}
