import FlyingFox
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// Webhook delivery as receivers see it: signatures checked by two independent verifiers,
/// batching, and an outage (refused, then 500s, then 429 with Retry-After) that loses nothing.
@Suite("webhook delivery")
struct WebhookDeliveryTests {
    static func secret() -> String {
        "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    static func config(dir: TemporaryDirectory, feed: String, outputs: String, interval: String = "15m") -> String {
        """
        interval = "\(interval)"
        state_dir = "\(dir.path("state"))"
        log_dir = "\(dir.path("log"))"
        [fetch]
        allow_addresses = ["127.0.0.1/32"]
        min_interval = "1s"
        [[feed]]
        url = "\(feed)"
        [[watch]]
        name = "iraq"
        match = 'Iraq* OR Baghdad'
        backlog = "1d"

        """ + outputs
    }

    /// Writes the configuration of one feed and a single webhook output named "hook" at `url`,
    /// with `settings` (TOML lines) added to it; returns the file's path.
    static func hookConfig(
        dir: TemporaryDirectory, feed: String, url: String, _ settings: [String], interval: String = "15m"
    ) throws -> String {
        let path = dir.path("feedwatch.toml")
        let output = (["[[output]]", "name = \"hook\"", "type = \"webhook\"", "url = \"\(url)\""] + settings)
            .joined(separator: "\n")
        try config(dir: dir, feed: feed, outputs: output, interval: interval)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The stories as RSS items, newest last in the list and first in the feed.
    static func feed(_ guids: [String]) -> Data {
        SystemdTests.feed(guids.reversed().map { ($0, "Iraq story \($0)") })
    }

    @Test(
        "every delivery verifies with hostile_server.py and with the standardwebhooks package, for each of two secrets")
    func signatures() async throws {
        let dir = try TemporaryDirectory()
        let (old, new) = (Self.secret(), Self.secret())
        let hostile = try await HostileServer(mode: ["webhook", "--secret", old])
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed((1...5).map { "s\($0)" }))
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .ok) }
        let config = dir.path("feedwatch.toml")
        try Self.config(
            dir: dir, feed: server.url("/feed.xml"),
            outputs: """
                [[output]]
                name = "hostile"
                type = "webhook"
                url = "\(hostile.url("/hook"))"
                secret_env = "HOOK_SECRETS"
                [[output]]
                name = "recorder"
                type = "webhook"
                url = "\(server.url("/hook"))"
                secret_env = "HOOK_SECRETS"
                """
        ).write(toFile: config, atomically: true, encoding: .utf8)
        // Rotation: the new secret first, the old one still signing.
        let run = try await BinaryRun.run(["once", "--config", config], environment: ["HOOK_SECRETS": "\(new) \(old)"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains(old) && !run.stderr.contains(new), "a secret appeared in the log")

        let stats = try await hostile.stats()
        #expect(stats["posts"] as? Int == 5)
        #expect(stats["accepted_unique"] as? Int == 5)
        #expect(stats["rejected_sig"] as? Int == 0)

        let deliveries = server.requests.filter { $0.method == "POST" }
        #expect(deliveries.count == 5)
        let recorded = deliveries.map { r -> [String: Any] in
            ["headers": r.headers, "body": r.body.base64EncodedString()]
        }
        let file = dir.path("deliveries.json")
        try JSONSerialization.data(withJSONObject: recorded).write(to: URL(fileURLWithPath: file))
        let verify = try await PythonScript.run(
            venv: true,
            """
            import base64, json, sys
            from standardwebhooks.webhooks import Webhook, WebhookVerificationError
            deliveries = json.load(open(sys.argv[1]))
            for secret in sys.argv[2:]:
                hook = Webhook(secret)
                for d in deliveries:
                    body = base64.b64decode(d["body"])
                    hook.verify(body, d["headers"])
                    try:
                        hook.verify(body + b" ", d["headers"])
                        sys.exit("a tampered body was accepted")
                    except WebhookVerificationError:
                        pass
            print("verified", len(deliveries), "deliveries with", len(sys.argv) - 2, "secrets")
            """, arguments: [file, old, new])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("verified 5 deliveries with 2 secrets"), "\(verify.output)")
    }

    @Test("a 200 whose body is larger than is read accepts the event: each is delivered once")
    func acceptedWithLargeAnswer() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed((1...3).map { "s\($0)" }))
        let answer = Data(repeating: 0x61, count: 2 << 20)  // 2 MiB: past the 1 MiB a sender reads
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .ok, body: answer) }
        let config = try Self.hookConfig(
            dir: dir, feed: server.url("/feed.xml"), url: server.url("/hook"), ["retry_min = \"1s\""], interval: "1s")
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        let ids = server.requests.filter { $0.method == "POST" }.compactMap { $0.headers["webhook-id"] }
        #expect(ids.count == 3 && Set(ids).count == 3, "\(ids)")
        let pending = try await BinaryRun.run(["outbox", "list", "--config", config, "--json"])
        #expect(!pending.stdout.contains("evt_"), "\(pending.stdout)")
    }

    @Test("a receiver that redirects is not followed; after five attempts the event is dead-lettered, saying why")
    func redirected() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed(["r1"]))
        let moved = server.url("/moved")
        await server.route("POST /hook") { _ in
            HTTPResponse(statusCode: .movedPermanently, headers: HTTPHeaders([HTTPHeader("Location"): moved]))
        }
        await server.route("POST /moved") { _ in HTTPResponse(statusCode: .ok) }
        let config = try Self.hookConfig(
            dir: dir, feed: server.url("/feed.xml"), url: server.url("/hook"),
            ["retry_min = \"1s\"", "retry_max = \"1s\""], interval: "1s")
        let daemon = try BinaryRun.start(["run", "--config", config])
        var dead = ""
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            dead = try await BinaryRun.run(["outbox", "list", "--dead", "--config", config]).stdout
            if dead.contains("dead") { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        daemon.signal(SIGTERM)
        _ = try await daemon.wait(timeout: 30)
        #expect(dead.contains("HTTP 301 to \(moved): redirects are not followed"), "\(dead)")
        #expect(server.requests.filter { $0.path == "/hook" }.count == 5)
        #expect(server.requests.filter { $0.path == "/moved" }.isEmpty)
    }

    @Test("a webhook URL in a private range is refused by the address policy, and the event kept")
    func addressPolicy() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed(["p1"]))
        let config = dir.path("feedwatch.toml")
        // Only 127.0.0.1 is allowed (for the feed); the webhook names another loopback address.
        try Self.config(
            dir: dir, feed: server.url("/feed.xml"),
            outputs: """
                [[output]]
                name = "internal"
                type = "webhook"
                url = "http://127.0.0.2:\(server.port)/hook"
                """
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 75, "\(run.stderr)")
        #expect(run.stderr.contains("refused to connect to 127.0.0.2: not a public address"), "\(run.stderr)")
        #expect(!server.requests.contains { $0.method == "POST" })
    }

    @Test("410 Gone disables the output with a clear log line; the file output is not held up")
    func gone() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed(["g1", "g2"]))
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .gone) }
        let config = dir.path("feedwatch.toml")
        try Self.config(
            dir: dir, feed: server.url("/feed.xml"),
            outputs: """
                [[output]]
                name = "events"
                type = "jsonl"
                path = "events.jsonl"
                [[output]]
                name = "hook"
                type = "webhook"
                url = "\(server.url("/hook"))"
                """
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 75, "\(run.stderr)")
        #expect(run.stderr.contains("output disabled: the receiver says it is gone"), "\(run.stderr)")
        // One POST, then nothing more to a receiver that said it is gone.
        #expect(server.requests.filter { $0.method == "POST" }.count == 1)
        #expect(try OnceTests.lines(dir.path("log/events.jsonl")).count == 2)
        let listed = try await BinaryRun.run(["outbox", "list", "--config", config])
        #expect(listed.stdout.split(separator: "\n").count == 2, "\(listed.stdout)")
    }

    @Test("an event still failing after retry_for is dead-lettered, listed as dead, and retried on request")
    func deadLetter() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed(["d1"]))
        let up = Mutex(false)
        await server.route("POST /hook") { _ in
            HTTPResponse(statusCode: up.withLock { $0 } ? .ok : .internalServerError)
        }
        let config = try Self.hookConfig(
            dir: dir, feed: server.url("/feed.xml"), url: server.url("/hook"),
            ["retry_min = \"1s\"", "retry_for = \"1s\""])
        // The first attempt fails; whether it or the next one (3 s later) passes the 1 s horizon
        // depends on how fast this machine runs the first: either way it ends dead-lettered.
        let first = try await BinaryRun.run(["once", "--config", config])
        // Exit 75 either way: the event waits, or was given up on in this run.
        #expect(first.status == 75, "\(first.stderr)")
        try await Task.sleep(for: .seconds(3))
        let second = try await BinaryRun.run(["once", "--config", config])
        #expect((first.stderr + second.stderr).contains("event dead-lettered"), "\(second.stderr)")
        let dead = try await BinaryRun.run(["outbox", "list", "--dead", "--config", config])
        #expect(dead.stdout.contains("dead"), "\(dead.stdout)")
        #expect(dead.stdout.contains("HTTP 500"), "\(dead.stdout)")
        // Nothing is attempted for a dead letter until someone asks.
        let posts = server.requests.filter { $0.method == "POST" }.count
        let third = try await BinaryRun.run(["once", "--config", config])
        #expect(server.requests.filter { $0.method == "POST" }.count == posts, "\(third.stderr)")

        up.withLock { $0 = true }
        let retry = try await BinaryRun.run(["outbox", "retry", "--config", config])
        #expect(retry.status == 0)
        let fourth = try await BinaryRun.run(["once", "--config", config])
        #expect(fourth.status == 0, "\(fourth.stderr)")
        let empty = try await BinaryRun.run(["outbox", "list", "--config", config])
        #expect(empty.stdout.isEmpty, "\(empty.stdout)")
    }

    @Test("a receiver that hangs does not hold up another output")
    func independentOutputs() async throws {
        let dir = try TemporaryDirectory()
        let slow = try await HostileServer(mode: ["webhook"])
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed(["i1", "i2", "i3"]))
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .ok) }
        let config = dir.path("feedwatch.toml")
        var outputs = ""
        // The slow receivers answer after 60 s (the hostile server's longest hold), and their
        // outputs wait 120 s for an answer: a fast output held up behind them gets nothing within
        // the 30 s allowed below, one that is not gets its events in about a second. No wall-clock
        // bound sits near either.
        for n in 1...3 {  // more hanging outputs than the HTTP client's default transfer limit per host
            outputs += """
                [[output]]
                name = "slow\(n)"
                type = "webhook"
                url = "\(slow.url("/hook/slow/60"))"
                timeout = "120s"

                """
        }
        outputs += "[[output]]\nname = \"fast\"\ntype = \"webhook\"\nurl = \"\(server.url("/hook"))\"\n"
        try Self.config(dir: dir, feed: server.url("/feed.xml"), outputs: outputs, interval: "1s")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try BinaryRun.start(["run", "--config", config])
        // Start-up spreads first polls over up to 30 s.
        try await SystemdTests.waitUntil(timeout: 40, "the first poll") {
            server.requests.contains { $0.method == "GET" }
        }
        try await SystemdTests.waitUntil(timeout: 30, "the fast output's three events while the slow ones hang") {
            server.requests.filter { $0.method == "POST" }.count == 3
        }
        // The slow receivers were sent their events and have answered none of them yet.
        let stats = try await slow.stats()
        #expect((stats["posts"] as? Int ?? 0) >= 1, "\(stats)")
        #expect(stats["accepted_unique"] as? Int == 0, "\(stats)")
        daemon.signal(SIGTERM)
        _ = try await daemon.wait(timeout: 30)
    }

    @Test("batch = 3: seven events arrive as arrays of 3, 3 and 1, in order, signed")
    func batches() async throws {
        let dir = try TemporaryDirectory()
        let secret = Self.secret()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed((1...7).map { "b\($0)" }))
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .noContent) }
        let config = dir.path("feedwatch.toml")
        try Self.config(
            dir: dir, feed: server.url("/feed.xml"),
            outputs: """
                [[output]]
                name = "pipeline"
                type = "webhook"
                url = "\(server.url("/hook"))"
                secret_env = "HOOK_SECRET"
                batch = 3
                """
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config], environment: ["HOOK_SECRET": secret])
        #expect(run.status == 0, "\(run.stderr)")
        let posts = server.requests.filter { $0.method == "POST" }
        let arrays = try posts.map { try #require(try JSONSerialization.jsonObject(with: $0.body) as? [[String: Any]]) }
        #expect(arrays.map(\.count) == [3, 3, 1])
        let events = arrays.flatMap { $0 }
        #expect(events.compactMap { $0["seq"] as? Int } == Array(1...7))
        #expect(Set(events.compactMap { $0["id"] as? String }).count == 7)
        #expect(posts.allSatisfy { $0.headers["webhook-id"]?.hasPrefix("batch_") == true })
        #expect(posts.allSatisfy { $0.headers["webhook-signature"]?.hasPrefix("v1,") == true })
    }

    @Test("receiver refused, then 500s, then 429 with Retry-After: everything arrives after recovery, in order")
    func outage() async throws {
        let dir = try TemporaryDirectory()
        // The feed from a process of its own: this test needs polls to keep coming while the
        // test run is busy (`FileServer`).
        let feedServer = try await FileServer()
        let published = Mutex<[String]>([])
        try feedServer.write("feed.xml", Self.feed([]))
        // A port that refuses connections until the receiver comes up on it.
        let reserved = try ReservedPort()
        let port = reserved.port

        let config = dir.path("feedwatch.toml")
        try Self.config(
            dir: dir, feed: feedServer.url("feed.xml"),
            outputs: """
                [[output]]
                name = "events"
                type = "jsonl"
                path = "events.jsonl"
                [[output]]
                name = "hook"
                type = "webhook"
                url = "http://127.0.0.1:\(port)/hook"
                retry_min = "1s"
                retry_max = "2s"
                """, interval: "1s"
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try BinaryRun.start(["run", "--config", config])
        var next = 0
        // So many stories, one every 0.4 s: a count, not a duration, so that a busy test run
        // (its threads held for seconds) still publishes what the checks below wait for.
        func publish(_ count: Int) async throws {
            for _ in 0..<count {
                next += 1
                let guid = "o\(next)"
                let all = published.withLock { p in
                    p.append(guid)
                    return p
                }
                try feedServer.write("feed.xml", Self.feed(all))
                try await Task.sleep(for: .milliseconds(400))
            }
        }
        try await publish(7)
        // The file output is not held up by the webhook being down.
        do {
            try await SystemdTests.waitUntil("the JSON-lines output to have stories while the webhook is down") {
                try OnceTests.linesSoFar(dir.path("log/events.jsonl")).count >= 3
            }
        } catch {
            daemon.signal(SIGKILL)
            throw TestSupportError("\(error); the daemon said:\n\(daemon.stderrSoFar)")
        }

        // The receiver comes up answering 500, then 429 with Retry-After: 3 twice, then 200.
        struct Answer {
            let at: Date
            let status: Int
            let body: Data
        }
        let answers = Mutex<[Answer]>([])
        let limiting = Mutex(false)
        reserved.release()
        let receiver = try await LoopbackServer(port: port)
        defer { Task { await receiver.stop() } }
        await receiver.route("POST /hook") { request in
            let body = (try? await request.bodyData) ?? Data()
            return answers.withLock { log -> HTTPResponse in
                let limited = log.filter { $0.status == 429 }.count
                let status = !limiting.withLock({ $0 }) ? 500 : limited < 2 ? 429 : 200
                log.append(Answer(at: Date(), status: status, body: body))
                switch status {
                case 500: return HTTPResponse(statusCode: .internalServerError)
                case 429:
                    return HTTPResponse(
                        statusCode: .tooManyRequests, headers: HTTPHeaders([HTTPHeader("Retry-After"): "3"]))
                default: return HTTPResponse(statusCode: .ok)
                }
            }
        }
        try await publish(7)
        try await SystemdTests.waitUntil("two 500s answered") {
            answers.withLock { $0.filter { $0.status == 500 }.count >= 2 }
        }
        limiting.withLock { $0 = true }
        try await publish(5)
        let all = published.withLock { $0 }
        try await SystemdTests.waitUntil(timeout: 40, "every story delivered") {
            let delivered = answers.withLock { $0.filter { $0.status == 200 }.compactMap { Self.guid($0.body) } }
            return Set(delivered).isSuperset(of: all)
        }
        daemon.signal(SIGTERM)
        let result = try await daemon.wait(timeout: 20)
        #expect(result.status == 0, "\(result.stderr)")

        let log = answers.withLock { $0 }
        // Retry-After: 3 was honoured: the attempt after each 429 came no sooner than 3 s later.
        let limited = log.indices.filter { log[$0].status == 429 }
        #expect(limited.count == 2)
        for i in limited {
            let next = try #require(log.indices.contains(i + 1) ? log[i + 1] : nil)
            #expect(next.at.timeIntervalSince(log[i].at) >= 3.0)
        }
        // Delivered in order of detection: accepted in seq order, each event once (the receiver
        // acknowledged each), and the same stories as the JSON-lines output.
        let accepted = log.filter { $0.status == 200 }
        let seqs = accepted.compactMap {
            (try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any])?["seq"] as? Int
        }
        #expect(seqs == Array(1...all.count))
        let fileOrder = try OnceTests.lines(dir.path("log/events.jsonl")).compactMap {
            ($0["story"] as? [String: Any])?["id"] as? String
        }
        #expect(fileOrder.count == all.count && Set(fileOrder) == Set(all))
        #expect(accepted.compactMap { Self.guid($0.body) } == fileOrder)
    }

    static func guid(_ body: Data) -> String? {
        guard let o = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return (o["story"] as? [String: Any])?["id"] as? String
    }
}
