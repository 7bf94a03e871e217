import FlyingFox
import Foundation
import TestSupport
import Testing

/// `feedwatch outbox list | retry | drop`, on an event a webhook refused.
@Suite("outbox command")
struct OutboxCommandTests {
    /// A config whose webhook is down; after one `once`, its event waits in the outbox.
    static func eventWaiting() async throws -> (TemporaryDirectory, LoopbackServer, UpFlag, String) {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        await server.serve("/feed.xml", OnceTests.feed())
        let up = UpFlag()
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: up.isUp ? .ok : .serviceUnavailable) }
        let config = try OnceTests.config(dir: dir, feedURL: server.url("/feed.xml"), hookURL: server.url("/hook"))
        let run = try await BinaryRun.run(["once", "--config", config], environment: ["HOOK_SECRET": OnceTests.secret])
        #expect(run.status == 75, "\(run.stderr)")
        return (dir, server, up, config)
    }

    static func listed(_ config: String) async throws -> [[String: Any]] {
        let run = try await BinaryRun.run(["outbox", "list", "--config", config, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try run.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("list shows the waiting event; retry makes it due now and the next run delivers it")
    func listAndRetry() async throws {
        let (dir, server, up, config) = try await Self.eventWaiting()
        defer { Task { await server.stop() } }
        defer { withExtendedLifetime(dir) {} }  // the configuration and store live in it
        let waiting = try await Self.listed(config)
        #expect(waiting.count == 1)
        #expect(waiting.first?["output"] as? String == "hook")
        #expect(waiting.first?["state"] as? String == "pending")
        #expect((waiting.first?["last_error"] as? String)?.contains("503") == true)

        up.set(true)
        let retry = try await BinaryRun.run(["outbox", "retry", "--config", config, "--output", "hook"])
        #expect(retry.status == 0)
        #expect(retry.stderr.contains("1 events due now"))
        let run = try await BinaryRun.run(["once", "--config", config], environment: ["HOOK_SECRET": OnceTests.secret])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try await Self.listed(config).isEmpty)
    }

    @Test("drop deletes an event by id; an unknown id is an error")
    func drop() async throws {
        let (dir, server, _, config) = try await Self.eventWaiting()
        defer { Task { await server.stop() } }
        defer { withExtendedLifetime(dir) {} }  // the configuration and store live in it
        let id = try #require(try await Self.listed(config).first?["id"] as? String)
        let dropped = try await BinaryRun.run(["outbox", "drop", "--config", config, id])
        #expect(dropped.status == 0)
        #expect(dropped.stderr.contains("dropped 1 events"))
        #expect(try await Self.listed(config).isEmpty)
        let unknown = try await BinaryRun.run(["outbox", "drop", "--config", config, "evt_nope"])
        #expect(unknown.status == 1)
    }
}
