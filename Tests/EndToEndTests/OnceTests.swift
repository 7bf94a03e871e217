import FlyingFox
import Foundation
import TestSupport
import Testing

/// `feedwatch once` against a loopback feed server and a loopback webhook receiver.
@Suite("once, end to end")
struct OnceTests {
    static let seedTitle = "Talks to end US-led coalition in Iraq may take till after US elections – source"
    static let seedSummary =
        "Talks between the United States and Iraq on ending the U.S.-led military coalition in the country may not be concluded until after U.S. presidential elections in November, a senior Iraqi government official told Reuters on condition of anonymity."

    /// A feed with the seed story and stories the watch must not report, dated now.
    static func feed() -> Data {
        let now = rfc822(Date())
        return Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>Wire</title><link>http://example.org/</link><description>t</description>
            <item><title>\(seedTitle)</title><link>http://example.org/seed</link><guid>seed-1</guid>
            <pubDate>\(now)</pubDate><description>\(seedSummary)</description></item>
            <item><title>Stocks rise on tech earnings</title><link>http://example.org/stocks</link><guid>s-1</guid>
            <pubDate>\(now)</pubDate><description>Markets were up across the board.</description></item>
            <item><title>Iraqi football team wins a friendly in Basra</title><link>http://example.org/football</link>
            <guid>f-1</guid><pubDate>\(now)</pubDate><description>Fans celebrated late into the night.</description></item>
            <item><title>Crisis talks in Brussels over farm subsidies</title><link>http://example.org/crisis</link>
            <guid>c-1</guid><pubDate>\(now)</pubDate><description>No mention of any militant group.</description></item>
            </channel></rss>
            """.utf8)
    }

    static func rfc822(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: d)
    }

    /// The configuration: the shipped watch's aliases and expression, loopback feed and outputs.
    static func config(dir: TemporaryDirectory, feedURL: String, hookURL: String) throws -> String {
        let path = dir.path("feedwatch.toml")
        try """
        state_dir = "\(dir.path("state"))"
        log_dir = "\(dir.path("log"))"
        [fetch]
        allow_addresses = ["127.0.0.1/32"]
        [aliases]
        isis = ["ISIS", "ISIL", "Daesh", "Islamic State"]
        [[feed]]
        url = "\(feedURL)"
        [[watch]]
        name = "iraq-coalition"
        match = 'Iraq* AND (coalition OR @isis OR ("U.S." NEAR/10 troops))'
        [[output]]
        name = "events"
        type = "jsonl"
        path = "events.jsonl"
        [[output]]
        name = "hook"
        type = "webhook"
        url = "\(hookURL)"
        secret_env = "HOOK_SECRET"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// The events of a file no process is writing: every line must be a whole JSON object.
    static func lines(_ path: String) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try objects(String(contentsOfFile: path, encoding: .utf8))
    }

    /// The events a running daemon has finished writing, read as `tail -f` readers do: text after
    /// the last newline is a line still being written (or a torn one the daemon cuts off when it
    /// opens the file), not an event yet.
    static func linesSoFar(_ path: String) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try objects(String(decoding: data[..<(data.lastIndex(of: 0x0A) ?? data.startIndex)], as: UTF8.self))
    }

    private static func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            guard let o = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
                throw TestSupportError("not a JSON object: \($0)")
            }
            return o
        }
    }

    @Test("writes exactly the matching story to the JSON lines and the webhook, once, across runs")
    func matchingStoryOnceAcrossRuns() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let body = Self.feed()
        await server.route("GET /feed.xml") { request in
            if request.headers[HTTPHeader("If-None-Match")] == "\"v1\"" {
                return HTTPResponse(statusCode: .notModified)
            }
            return HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/rss+xml", HTTPHeader("ETag"): "\"v1\""],
                body: body)
        }
        await server.route("POST /hook") { _ in HTTPResponse(statusCode: .noContent) }
        let config = try Self.config(dir: dir, feedURL: server.url("/feed.xml"), hookURL: server.url("/hook"))
        let env = ["HOOK_SECRET": Self.secret]

        let first = try await BinaryRun.run(["once", "--config", config], environment: env)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let events = try Self.lines(dir.path("log/events.jsonl"))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event["type"] as? String == "story.new")
        #expect(event["v"] as? Int == 1)
        #expect(event["seq"] as? Int == 1)
        let story = try #require(event["story"] as? [String: Any])
        #expect(story["title"] as? String == Self.seedTitle)
        #expect(story["summary"] as? String == Self.seedSummary)
        #expect(story["id"] as? String == "seed-1")
        let watches = try #require(event["watches"] as? [[String: Any]])
        #expect(watches.map { $0["name"] as? String } == ["iraq-coalition"])
        let id = try #require(event["id"] as? String)

        let posts = server.requests.filter { $0.method == "POST" }
        #expect(posts.count == 1)
        let post = try #require(posts.first)
        #expect(post.headers["webhook-id"] == id)
        #expect(post.headers["webhook-signature"]?.hasPrefix("v1,") == true)
        let posted = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: Any])
        #expect(posted["id"] as? String == id)

        // Same feed again, and again from a new process: nothing new anywhere.
        for _ in 0..<2 {
            let again = try await BinaryRun.run(["once", "--config", config], environment: env)
            #expect(again.status == 0, "stderr: \(again.stderr)")
        }
        #expect(try Self.lines(dir.path("log/events.jsonl")).count == 1)
        #expect(server.requests.filter { $0.method == "POST" }.count == 1)
        // The later polls were conditional and answered 304.
        let gets = server.requests.filter { $0.method == "GET" }
        #expect(gets.count == 3)
        #expect(gets.dropFirst().allSatisfy { $0.headers["if-none-match"] == "\"v1\"" })
    }

    @Test("keeps an event in the outbox while the webhook is down and delivers it when it is back")
    func webhookDownThenBack() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", Self.feed())
        let up = UpFlag()
        await server.route("POST /hook") { _ in
            HTTPResponse(statusCode: up.isUp ? .ok : .serviceUnavailable)
        }
        let config = try Self.config(dir: dir, feedURL: server.url("/feed.xml"), hookURL: server.url("/hook"))
        let env = ["HOOK_SECRET": Self.secret]

        let down = try await BinaryRun.run(["once", "--config", config], environment: env)
        #expect(down.status == 75, "stderr: \(down.stderr)")  // polled fine, delivery incomplete
        #expect(try Self.lines(dir.path("log/events.jsonl")).count == 1)  // the file output is unaffected
        let failedPosts = server.requests.filter { $0.method == "POST" }
        #expect(failedPosts.count == 1)
        let id = try #require(failedPosts.first?.headers["webhook-id"])

        up.set(true)
        // The retry is scheduled a few seconds out; run until it is delivered.
        var delivered = false
        for _ in 0..<30 where !delivered {
            let run = try await BinaryRun.run(["once", "--config", config], environment: env)
            delivered = run.status == 0
            if !delivered { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(delivered)
        let posts = server.requests.filter { $0.method == "POST" }
        #expect(posts.last?.headers["webhook-id"] == id)  // the same event, same id
        #expect(try Self.lines(dir.path("log/events.jsonl")).count == 1)
    }
}

/// A flag shared between a test and its server's handlers.
final class UpFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isUp: Bool { lock.withLock { value } }
    func set(_ v: Bool) { lock.withLock { value = v } }
}
