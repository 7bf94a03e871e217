import FlyingFox
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// What an operator does around a running daemon: logrotate moves the file and `feedwatch
/// reopen` makes the daemon write a new one; a second poller on the same store is refused.
@Suite("logrotate and one daemon per store")
struct LogrotateTests {
    @Test("after the file is moved, `feedwatch reopen` starts a new one; a second `once` on the store is refused")
    func reopen() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let published = Mutex<[String]>(["r1"])
        await server.route("GET /feed.xml") { _ in
            HTTPResponse(statusCode: .ok, body: WebhookDeliveryTests.feed(published.withLock { $0 }))
        }
        let config = dir.path("feedwatch.toml")
        try WebhookDeliveryTests.config(
            dir: dir, feed: server.url("/feed.xml"),
            outputs: "[[output]]\nname = \"events\"\ntype = \"jsonl\"\npath = \"events.jsonl\"\n", interval: "1s"
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try BinaryRun.start(["run", "--config", config])
        let file = dir.path("log/events.jsonl")
        func guids(_ path: String) throws -> [String] {
            try OnceTests.linesSoFar(path).compactMap { ($0["story"] as? [String: Any])?["id"] as? String }
        }
        try await SystemdTests.waitUntil("the first story") { try guids(file) == ["r1"] }

        let second = try await BinaryRun.run(["once", "--config", config])
        #expect(second.status == 1)
        #expect(second.stderr.contains("feedwatch (pid \(daemon.pid)) is already using this store"), "\(second.stderr)")

        try FileManager.default.moveItem(atPath: file, toPath: file + ".1")
        let reopen = try await BinaryRun.run(["reopen", "--config", config])
        #expect(reopen.status == 0, "\(reopen.stderr)")
        #expect(reopen.stdout.contains("pid \(daemon.pid)"))
        try await SystemdTests.waitUntil("the daemon to reopen") { daemon.stderrSoFar.contains("outputs reopened") }
        published.withLock { $0.append("r2") }
        try await SystemdTests.waitUntil("the second story in the new file") { try guids(file) == ["r2"] }
        #expect(try guids(file + ".1") == ["r1"])

        daemon.signal(SIGTERM)
        let stopped = try await daemon.wait(timeout: 20)
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let none = try await BinaryRun.run(["reopen", "--config", config])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no feedwatch is running"), "\(none.stderr)")
    }
}
