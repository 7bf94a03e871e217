import FlyingFox
import Foundation
import TestSupport
import Testing

/// A server's `ETag` and `Last-Modified` are sent back verbatim in the next request's headers:
/// only values that can be are kept.
@Suite("validators a server sets")
struct ValidatorTests {
    @Test(
        "an oversized ETag or one holding a control character is not sent back; a sound Last-Modified still is",
        arguments: [String(repeating: "x", count: 2000), "\"abc\rX-Injected: 1\""])
    func unsound(etag: String) async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let lastModified = "Tue, 01 Dec 2026 10:00:00 GMT"
        await server.route("GET /feed.xml") { _ in
            HTTPResponse(
                statusCode: .ok,
                headers: [
                    .contentType: "application/rss+xml", HTTPHeader("ETag"): etag,
                    HTTPHeader("Last-Modified"): lastModified,
                ],
                body: OnceTests.feed())
        }
        let config = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [server.url("/feed.xml")])
            .write(toFile: config, atomically: true, encoding: .utf8)
        for _ in 1...2 {
            let run = try await BinaryRun.run(["once", "--config", config])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let requests = server.requests.filter { $0.path == "/feed.xml" }
        try #require(requests.count == 2)
        #expect(requests[1].headers["if-none-match"] == nil)
        #expect(requests[1].headers["x-injected"] == nil)
        #expect(requests[1].headers["if-modified-since"] == lastModified)
    }
}
