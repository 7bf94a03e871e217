import FlyingFox
import Foundation
import TestSupport
import Testing

/// A private feed whose URL carries a user name and password: libcurl sends them (HTTP Basic),
/// and the password appears in no log line, event or status output.
@Suite("feed URLs with credentials")
struct FeedCredentialsTests {
    @Test("the password is sent to the feed's server and shown nowhere: log, events, status")
    func credentials() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let body = SystemdTests.feed([("p1", "Baghdad talks resume")])
        let expected = "Basic " + Data("reader:s3cret".utf8).base64EncodedString()
        await server.route("GET /private.xml") { request in
            request.headers[HTTPHeader("Authorization")] == expected
                ? HTTPResponse(statusCode: .ok, headers: [.contentType: "application/rss+xml"], body: body)
                : HTTPResponse(statusCode: .unauthorized)
        }
        let url = server.url("/private.xml").replacingOccurrences(of: "http://", with: "http://reader:s3cret@")
        let shown = url.replacingOccurrences(of: ":s3cret@", with: ":xxxxx@")
        let path = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [url]).write(toFile: path, atomically: true, encoding: .utf8)

        let run = try await BinaryRun.run(["once", "--config", path, "--log-level", "debug"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(server.requests.first?.headers["authorization"] == expected)
        #expect(run.stderr.contains("feed=\(shown)"), "\(run.stderr)")
        let events = try String(contentsOfFile: dir.path("log/events.jsonl"), encoding: .utf8)
        let lines = try OnceTests.lines(dir.path("log/events.jsonl"))
        #expect(lines.count == 1)
        #expect((lines.first?["feed"] as? [String: Any])?["url"] as? String == shown)
        let status = try await BinaryRun.run(["status", "--config", path])
        let json = try await BinaryRun.run(["status", "--config", path, "--json"])
        #expect(status.stdout.contains(shown), "\(status.stdout)")
        for (what, text) in [
            ("log", run.stderr + run.stdout), ("events", events), ("status", status.stdout + status.stderr),
            ("status --json", json.stdout + json.stderr),
        ] {
            #expect(!text.contains("s3cret"), "the password in the \(what): \(text)")
        }

        // A configuration error about that feed does not show it either.
        try (SystemdTests.config(dir: dir, feeds: [url]) + "[[feed]]\nurl = \"\(url)\"\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let check = try await BinaryRun.run(["check", "--config", path])
        #expect(check.status == 78, "\(check.stderr)")
        #expect(check.stderr.contains(shown) && !check.stderr.contains("s3cret"), "\(check.stderr)")
    }

    @Test("a redirect to another host (or port) does not take the credentials along")
    func redirectElsewhere() async throws {
        let dir = try TemporaryDirectory()
        let first = try await LoopbackServer()
        let other = try await LoopbackServer()
        defer { Task { await first.stop() } }
        defer { Task { await other.stop() } }
        let target = other.url("/feed.xml")
        await first.route("GET /feed.xml") { _ in
            HTTPResponse(statusCode: .found, headers: HTTPHeaders([.location: target]))
        }
        await other.route("GET /feed.xml") { _ in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/rss+xml"],
                body: SystemdTests.feed([("r1", "Baghdad talks resume")]))
        }
        let url = first.url("/feed.xml").replacingOccurrences(of: "http://", with: "http://reader:s3cret@")
        let path = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [url]).write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(first.requests.first?.headers["authorization"] != nil)
        #expect(other.requests.count == 1)
        #expect(other.requests.first?.headers["authorization"] == nil)
    }
}
