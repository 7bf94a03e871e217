import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon polling every endpoint of ../shared/hostile/hostile_server.py at once, as an
/// operator's one bad publisher would be polled beside the good ones: each feed ends in its own
/// bounded, clearly worded error or its stories, the server's request log shows one request per
/// poll (no storm, Retry-After honoured, also across a restart), and the daemon stops promptly.
@Suite("hostile HTTP server, polled by the daemon")
struct HostileServerDaemonTests {
    struct Case: Sendable {
        let path: String
        /// What the feed's `last_error` must contain; nil: polled fine.
        let error: String?
        init(_ path: String, _ error: String? = nil) {
            self.path = path
            self.error = error
        }
    }

    /// `/lying-length` is left to `HostileServerTests`: it sends 100 kB after a `Content-Length`
    /// of 10, libcurl reads the 10 and keeps the connection, and the next request to that server
    /// over it reads the rest as its answer. That request is sent again on a new connection
    /// (`ReusedConnectionTests`), but which feed's it is depends on timing, and the request counts
    /// below are exact.
    static let cases: [Case] = [
        Case("/ok"),
        Case("/redirect-chain/3"),
        Case("/redirect-https-downgrade"),
        Case("/charset-conflict"),
        Case("/feed/utf16le_bom.xml?gzip=1"),
        Case("/feed/wrong_encoding_cp1252_declared_utf8.xml?charset=windows-1252"),
        Case("/redirect-chain/8", "Maximum (5) redirects"),
        Case("/redirect-loop", "Maximum (5) redirects"),
        Case("/redirect-file", "Protocol \"file\" not supported"),
        Case("/redirect-gopher", "Protocol \"gopher\" not supported"),
        Case("/redirect-dict", "Protocol \"dict\" not supported"),
        Case("/redirect-metadata", "refused to connect to 169.254.169.254: not a public address"),
        Case("/redirect-localhost-port", "Couldn't connect to server"),
        Case("/429", "HTTP 429"),
        Case("/429-date", "HTTP 429"),
        Case("/429-huge", "HTTP 429"),
        Case("/429-garbage", "HTTP 429"),
        Case("/503", "HTTP 503"),
        Case("/500", "HTTP 500"),
        Case("/flaky/2", "HTTP 500"),
        Case("/short-body", "transfer closed"),
        Case("/bad-chunked", "chunked"),
        Case("/big", "larger than 1 MiB"),
        Case("/big-chunked", "larger than 1 MiB"),
        Case("/infinite", "larger than 1 MiB"),
        Case("/html", "not a feed: an HTML page"),
        Case("/slow", "(curl 28)"),
        Case("/slow-headers", "(curl 28)"),
        Case("/hang", "(curl 28)"),
    ]

    /// The requests each path should see: one per feed, and the hops of the redirecting feeds'
    /// single polls: the loop's request and its 5 redirects; /redirect-chain/8 down to /3, where
    /// the sixth hop is refused; /ok, ended at by two other feeds' redirects.
    static var expectedRequests: [String: Int] {
        var expected: [String: Int] = [:]
        for c in cases { expected[c.path] = 1 }
        for n in [0, 1, 2, 4, 5, 6, 7] { expected["/redirect-chain/\(n)"] = 1 }
        expected["/redirect-chain/3"] = 2
        expected["/redirect-loop"] = 6
        expected["/ok"] = 3
        return expected
    }

    /// The server's request log: one JSON object per request (`ev` "request": `path`, `ua`,
    /// `accept_encoding`) or per canary hit (`ev` "CANARY").
    static func requestLog(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var entries: [[String: Any]] = []
        for line in text.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            entries.append(try #require(object as? [String: Any]))
        }
        return entries
    }

    /// `feedwatch status --json`, its feeds by URL.
    static func feedStatus(_ config: String) async throws -> [String: [String: Any]] {
        let run = try await BinaryRun.run(["status", "--config", config, "--json"])
        guard run.status == 0 else {
            throw TestSupportError("feedwatch status: exit \(run.status): \(run.stderr) \(run.stdout)")
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let feeds = try #require(report["feeds"] as? [[String: Any]])
        var byURL: [String: [String: Any]] = [:]
        for feed in feeds { byURL[try #require(feed["url"] as? String)] = feed }
        return byURL
    }

    /// Seconds from a feed's last poll to its next.
    static func wait(_ feed: [String: Any]) throws -> TimeInterval {
        let formatter = ISO8601DateFormatter()
        let polledText = try #require(feed["last_poll"] as? String)
        let nextText = try #require(feed["next_poll"] as? String)
        let polled = try #require(formatter.date(from: polledText))
        let next = try #require(formatter.date(from: nextText))
        return next.timeIntervalSince(polled)
    }

    @Test(
        "every endpoint at once: each feed its own error or stories, one request per poll, Retry-After kept across a restart"
    )
    func daemonAgainstEveryEndpoint() async throws {
        let dir = try TemporaryDirectory()
        let logPath = dir.path("server.jsonl")
        let server = try await HostileServer(mode: ["feeds", "--max-seconds", "6", "--log", logPath])
        // A 1 MiB body cap refuses the big bodies quickly, a 4 s timeout the slow ones; with 8
        // transfers at a time to the one host, the slow ones hold the others up little.
        var text = """
            interval = "1m"
            state_dir = "\(dir.path("state"))"
            log_dir = "\(dir.path("log"))"
            [fetch]
            allow_addresses = ["127.0.0.1/32"]
            timeout = "4s"
            max_body_mb = 1
            per_host = 8
            [[watch]]
            name = "iraq"
            match = 'Iraq* OR Baghdad'
            [[output]]
            name = "events"
            type = "jsonl"
            path = "events.jsonl"

            """
        for c in Self.cases { text += "[[feed]]\nurl = \"\(server.url(c.path))\"\n" }
        let config = dir.path("feedwatch.toml")
        try text.write(toFile: config, atomically: true, encoding: .utf8)

        let daemon = try BinaryRun.start(["run", "--config", config])
        // Until every feed has been polled once.
        let deadline = Date().addingTimeInterval(60)
        var status: [String: [String: Any]] = [:]
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            // Read while the daemon creates and writes its store: it must always answer.
            status = try await Self.feedStatus(config)
            let polled = status.values.filter { ($0["polls"] as? Int ?? 0) >= 1 }.count
            if polled == Self.cases.count { break }
        }
        // A while longer: a storm would show in the log.
        try await Task.sleep(for: .seconds(2))
        daemon.signal(SIGTERM)
        let stopped = try await daemon.wait(timeout: 20)
        #expect(stopped.status == 0, "\(stopped.stderr)")

        status = try await Self.feedStatus(config)
        for c in Self.cases {
            let feed = try #require(status[server.url(c.path)], "\(c.path) not in status")
            #expect(feed["polls"] as? Int == 1, "\(c.path): \(feed)")
            if let expected = c.error {
                let error = feed["last_error"] as? String ?? ""
                #expect(error.contains(expected), "\(c.path): \(error)")
            } else {
                #expect(feed["last_error"] is NSNull, "\(c.path): \(feed)")
            }
        }
        // The publisher's Retry-After, from the poll: 120 s as seconds or as a date, a huge one
        // clamped to a day, a garbled one ignored (the failure backoff, a minute with jitter);
        // 503's 30 s is within that backoff.
        func wait(_ path: String) throws -> TimeInterval {
            try Self.wait(try #require(status[server.url(path)]))
        }
        for path in ["/429", "/429-date"] {
            let w = try wait(path)
            #expect(w >= 118 && w <= 180, "\(path): next poll \(w) s after")
        }
        let huge = try wait("/429-huge")
        #expect(huge >= 86_398 && huge <= 86_460, "/429-huge: next poll \(huge) s after")
        let garbage = try wait("/429-garbage")
        #expect(garbage >= 30 && garbage <= 90, "/429-garbage: next poll \(garbage) s after")
        #expect(try wait("/503") >= 30)

        // The request log: the requests expected, no more; as feedwatch, accepting compression;
        // no canary.
        let log = try Self.requestLog(logPath)
        #expect(!log.contains { $0["ev"] as? String == "CANARY" }, "a canary was hit")
        let requests = log.filter { $0["ev"] as? String == "request" }
        var byPath: [String: Int] = [:]
        for r in requests { byPath[r["path"] as? String ?? "", default: 0] += 1 }
        #expect(byPath == Self.expectedRequests)
        for r in requests {
            #expect((r["ua"] as? String)?.hasPrefix("feedwatch/") == true, "\(r)")
            #expect((r["accept_encoding"] as? String)?.contains("gzip") == true, "\(r)")
        }

        // The stories of /ok, reached three ways (and a fourth re-encoded by /charset-conflict),
        // announced once each.
        let events = try String(contentsOfFile: dir.path("log/events.jsonl"), encoding: .utf8)
        for i in 0..<3 {
            let title = "\"title\":\"Iraq coalition story \(i)\""
            #expect(events.components(separatedBy: title).count - 1 == 1, "story \(i)")
        }

        // Restarted, the daemon asks nothing before each feed's next poll, a minute or more away.
        let again = try BinaryRun.start(["run", "--config", config])
        try await Task.sleep(for: .seconds(3))
        again.signal(SIGTERM)
        let second = try await again.wait(timeout: 20)
        #expect(second.status == 0, "\(second.stderr)")
        let after = try Self.requestLog(logPath).filter { $0["ev"] as? String == "request" }
        #expect(after.count == requests.count, "requests after the restart: \(after.dropFirst(requests.count))")
    }
}
