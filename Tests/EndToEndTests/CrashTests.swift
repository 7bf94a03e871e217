import FlyingFox
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// The daemon killed with SIGKILL at 100 moments while stories keep arriving, and restarted each
/// time: every matching story reaches both outputs, nothing is lost, a story is only repeated
/// with its event id, no JSON line is partial, and the store passes SQLite's integrity check.
@Suite("crash: SIGKILL storm")
struct CrashTests {
    @Test("100 SIGKILLs while polling and delivering: zero lost, duplicates only with the same id, no partial line")
    func sigkillStorm() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        // The publisher: a story every 150 ms; every third one is not about Iraq and must not arrive.
        let published = Mutex<[(guid: String, title: String)]>([])
        await server.route("GET /feed.xml") { _ in
            HTTPResponse(statusCode: .ok, body: SystemdTests.feed(published.withLock { $0 }.reversed()))
        }
        let hooks = Mutex<[(id: String, body: Data)]>([])
        await server.route("POST /hook") { request in
            let body = (try? await request.bodyData) ?? Data()
            hooks.withLock { $0.append((request.headers[HTTPHeader("webhook-id")] ?? "", body)) }
            return HTTPResponse(statusCode: .ok)
        }
        let config = dir.path("feedwatch.toml")
        try """
        interval = "1s"
        state_dir = "\(dir.path("state"))"
        log_dir = "\(dir.path("log"))"
        [fetch]
        allow_addresses = ["127.0.0.1/32"]
        min_interval = "1s"
        [[feed]]
        url = "\(server.url("/feed.xml"))"
        [[watch]]
        name = "iraq"
        match = 'Iraq*'
        backlog = "1d"
        [[output]]
        name = "events"
        type = "jsonl"
        path = "events.jsonl"
        [[output]]
        name = "hook"
        type = "webhook"
        url = "\(server.url("/hook"))"
        retry_min = "1s"
        retry_max = "2s"
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let publisher = Task {
            var n = 0
            while !Task.isCancelled {
                n += 1
                let title = n % 3 == 0 ? "Weather report \(n)" : "Iraq story \(n)"
                published.withLock { $0.append(("c\(n)", title)) }
                try? await Task.sleep(for: .milliseconds(150))
            }
        }
        var rng = SeededGenerator(state: 2026)
        for _ in 0..<100 {
            let daemon = try BinaryRun.start(["run", "--config", config])
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...900, using: &rng)))
            daemon.signal(SIGKILL)
            _ = try await daemon.wait(timeout: 10)
        }
        publisher.cancel()
        await publisher.value
        let wanted = Set(published.withLock { $0 }.filter { $0.title.hasPrefix("Iraq") }.map(\.guid))

        // A last, undisturbed run delivers what the storm left behind.
        let daemon = try BinaryRun.start(["run", "--config", config])
        let jsonl = dir.path("log/events.jsonl")
        do {
            try await SystemdTests.waitUntil(timeout: 60, "every matching story in both outputs") {
                let inFile = Set(
                    try OnceTests.linesSoFar(jsonl).compactMap { ($0["story"] as? [String: Any])?["id"] as? String })
                let hooked = Set(hooks.withLock { $0 }.compactMap { WebhookDeliveryTests.guid($0.body) })
                return inFile.isSuperset(of: wanted) && hooked.isSuperset(of: wanted)
            }
        } catch {
            daemon.signal(SIGKILL)
            throw TestSupportError("\(error); the daemon said:\n\(daemon.stderrSoFar)")
        }
        daemon.signal(SIGTERM)
        let last = try await daemon.wait(timeout: 30)
        #expect(last.status == 0, "\(last.stderr)")

        // jq reads the file line by line: no partial or interleaved line survived the kills.
        let jq = try await BinaryRun.tool("/usr/bin/jq", ["-c", "-e", "[.seq, .id, .story.id]", jsonl])
        #expect(jq.status == 0, "jq: \(jq.stderr)")
        let rows = jq.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any]
        }
        let lines = try OnceTests.lines(jsonl)
        #expect(rows.count == lines.count)

        // Nothing lost, nothing unwanted, every repeat under the same event id and seq.
        func check(_ name: String, _ events: [(id: String, guid: String, seq: Int)]) -> Int {
            #expect(Set(events.map(\.guid)) == wanted, "\(name): stories lost or unwanted")
            var idOf: [String: String] = [:]
            var seqOf: [String: Int] = [:]
            for e in events {
                #expect(idOf[e.guid, default: e.id] == e.id, "\(name): \(e.guid) repeated under another id")
                #expect(seqOf[e.guid, default: e.seq] == e.seq, "\(name): \(e.guid) repeated under another seq")
                idOf[e.guid] = e.id
                seqOf[e.guid] = e.seq
            }
            return events.count - wanted.count
        }
        let fileEvents = lines.compactMap { o -> (String, String, Int)? in
            guard let id = o["id"] as? String, let seq = o["seq"] as? Int,
                let guid = (o["story"] as? [String: Any])?["id"] as? String
            else { return nil }
            return (id, guid, seq)
        }
        let hookEvents = hooks.withLock { $0 }.compactMap { h -> (String, String, Int)? in
            guard let o = try? JSONSerialization.jsonObject(with: h.body) as? [String: Any], let seq = o["seq"] as? Int,
                let guid = WebhookDeliveryTests.guid(h.body), o["id"] as? String == h.id
            else { return nil }
            return (h.id, guid, seq)
        }
        #expect(hookEvents.count == hooks.withLock { $0.count }, "a webhook-id differs from its event's id")
        let fileRepeats = check("events.jsonl", fileEvents)
        let hookRepeats = check("webhook", hookEvents)
        // Within the file, sequence numbers never go back except to repeat an event.
        var highest = 0
        for e in fileEvents {
            #expect(e.2 <= highest + 1, "seq jumped from \(highest) to \(e.2)")
            highest = max(highest, e.2)
        }

        let integrity = try await PythonScript.run(
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("PRAGMA integrity_check").fetchone()[0])
            print(db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])
            """, arguments: [dir.path("state/feedwatch.db")])
        #expect(integrity.output == "ok\n0\n", "\(integrity.output)")
        let schema = try await EventSchema.validate(jsonl)
        #expect(schema.status == 0, "\(schema.output)")
        print(
            """
            crash test: 100 SIGKILLs, \(wanted.count) matching stories published; \
            events.jsonl \(fileEvents.count) lines (\(fileRepeats) repeats, \
            \(String(format: "%.1f", 100 * Double(fileRepeats) / Double(max(1, wanted.count))))%), \
            webhook \(hookEvents.count) deliveries (\(hookRepeats) repeats, \
            \(String(format: "%.1f", 100 * Double(hookRepeats) / Double(max(1, wanted.count))))%)
            """)
    }
}
