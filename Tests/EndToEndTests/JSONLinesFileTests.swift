import FlyingFox
import Foundation
import TestSupport
import Testing

/// The JSON-lines output when the file system gets in the way: a torn last line left by a kill,
/// and a full disk.
@Suite("JSON-lines file: torn lines and a full disk")
struct JSONLinesFileTests {
    static func setUp(_ dir: TemporaryDirectory, stories: Int) async throws -> (LoopbackServer, String) {
        let server = try await LoopbackServer()
        await server.serve("/feed.xml", WebhookDeliveryTests.feed((1...stories).map { "j\($0)" }))
        let config = dir.path("feedwatch.toml")
        try WebhookDeliveryTests.config(
            dir: dir, feed: server.url("/feed.xml"),
            outputs: "[[output]]\nname = \"events\"\ntype = \"jsonl\"\npath = \"events.jsonl\"\n"
        ).write(toFile: config, atomically: true, encoding: .utf8)
        return (server, config)
    }

    @Test("a partial last line is cut at start-up, with a warning; the file stays line-parseable")
    func tornLine() async throws {
        let dir = try TemporaryDirectory()
        let (server, config) = try await Self.setUp(dir, stories: 2)
        defer { Task { await server.stop() } }
        try FileManager.default.createDirectory(atPath: dir.path("log"), withIntermediateDirectories: true)
        let torn = "{\"seq\":0,\"v\":1,\"type\":\"story.new\",\"id\":\"evt_before\"}\n{\"seq\":1,\"v\":1,\"ty"
        try torn.write(toFile: dir.path("log/events.jsonl"), atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("removed a partial last line"), "\(run.stderr)")
        let lines = try OnceTests.lines(dir.path("log/events.jsonl"))
        #expect(lines.compactMap { $0["id"] as? String }.first == "evt_before")
        #expect(lines.count == 3)
    }

    @Test("a full disk (ENOSPC) keeps the events in the outbox (exit 75); once there is room, all arrive once")
    func fullDisk() async throws {
        let dir = try TemporaryDirectory()
        let (server, config) = try await Self.setUp(dir, stories: 30)
        defer { Task { await server.stop() } }
        // /dev/full answers every write with ENOSPC, as a full file system does.
        let file = dir.path("log/events.jsonl")
        try FileManager.default.createDirectory(atPath: dir.path("log"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: "/dev/full")
        let full = try await BinaryRun.run(["once", "--config", config])
        #expect(full.status == 75, "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        let status = try await BinaryRun.run(["status", "--config", config, "--json"])
        #expect(status.stdout.contains("\"pending\":30"), "\(status.stdout)")

        // Space again: after the retry delay (a file output retries after 1 s, doubling to a
        // minute), the events are written, each once, in order.
        try FileManager.default.removeItem(atPath: file)
        try await Task.sleep(for: .seconds(3))
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try OnceTests.lines(file)
        #expect(lines.compactMap { $0["seq"] as? Int } == Array(1...30))
        let schema = try await EventSchema.validate(file)
        #expect(schema.status == 0, "\(schema.output)")
    }

    @Test("an event the file already ends with (written, then killed before it was acknowledged) is not written again")
    func writtenNotAcknowledged() async throws {
        let dir = try TemporaryDirectory()
        let (server, config) = try await Self.setUp(dir, stories: 3)
        defer { Task { await server.stop() } }
        let file = dir.path("log/events.jsonl")
        try FileManager.default.createDirectory(atPath: dir.path("log"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: "/dev/full")
        let held = try await BinaryRun.run(["once", "--config", config])
        #expect(held.status == 75, "\(held.stderr)")
        let listed = try await BinaryRun.run(["outbox", "list", "--json", "--config", config])
        let pending = listed.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let first = try #require(pending.first { $0["seq"] as? Int == 1 }?["id"] as? String)
        // As a crash would leave it: the first event's line in the file, its acknowledgement lost.
        try FileManager.default.removeItem(atPath: file)
        try "{\"seq\":1,\"v\":1,\"id\":\"\(first)\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .seconds(3))  // the file output's retry delay
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try OnceTests.lines(file)
        #expect(lines.compactMap { $0["seq"] as? Int } == [1, 2, 3])
        #expect(lines.compactMap { $0["id"] as? String }.filter { $0 == first }.count == 1)
    }
}
