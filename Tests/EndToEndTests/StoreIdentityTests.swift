import FlyingFox
import Foundation
import Synchronization
import TestSupport
import Testing

/// The identity cases of ../shared/hostile through `feedwatch once` and the store: which polls
/// report which stories (README "Identity").
@Suite("story identity across polls")
struct StoreIdentityTests {
    /// A loopback feed whose body the test replaces between polls.
    final class FeedServer: Sendable {
        final class Body: Sendable {
            let data = Mutex(Data())
        }
        let server: LoopbackServer
        let body = Body()

        init() async throws {
            server = try await LoopbackServer()
            let body = self.body
            await server.route("GET /feed.xml") { _ in
                let data = body.data.withLock { $0 }
                return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/rss+xml"], body: data)
            }
        }

        func serve(_ hostileCase: String) throws {
            let data = try Data(contentsOf: try Paths.shared("hostile/\(hostileCase)"))
            body.data.withLock { $0 = data }
        }
    }

    /// One state directory and configuration; `poll` runs `once` and returns the new events' titles.
    struct Daemon {
        let dir: TemporaryDirectory
        let config: String
        var seen = 0

        init(feedURL: String) throws {
            dir = try TemporaryDirectory()
            config = dir.path("feedwatch.toml")
            try """
            state_dir = "\(dir.path("state"))"
            log_dir = "\(dir.path("log"))"
            [fetch]
            allow_addresses = ["127.0.0.1/32"]
            [[feed]]
            url = "\(feedURL)"
            [[watch]]
            name = "iraq"
            match = 'Iraq* OR Baghdad'
            backlog = 100
            [[output]]
            name = "events"
            type = "jsonl"
            path = "events.jsonl"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        mutating func poll() async throws -> [String] {
            let run = try await BinaryRun.run(["once", "--config", config])
            try #require(run.status == 0, "once failed: \(run.stderr)")
            let all = try OnceTests.lines(dir.path("log/events.jsonl"))
            defer { seen = all.count }
            return all.dropFirst(seen).compactMap { ($0["story"] as? [String: Any])?["title"] as? String }
        }
    }

    @Test("one guid on two different stories: both are reported (the guid is not the whole identity)")
    func sameGuidDifferentStories() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        try feed.serve("guid_same_for_different_items.xml")
        #expect(try await daemon.poll().count == 2)
        #expect(try await daemon.poll().isEmpty)
    }

    @Test("new guids and tracking parameters on the same stories: nothing new")
    func changingGuids() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        try feed.serve("guid_changing_v1.xml")
        #expect(try await daemon.poll().count == 2)
        try feed.serve("guid_changing_v2.xml")
        #expect(try await daemon.poll().isEmpty)
    }

    @Test("the same item twice in one document is reported once")
    func duplicateInOneDocument() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        try feed.serve("duplicate_items_in_one_feed.xml")
        #expect(try await daemon.poll().sorted() == ["Iraq coalition talks update 1", "Iraq coalition talks update 2"])
    }

    @Test("a story edited under the same guid is not reported again as new")
    func editedStory() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        try feed.serve("duplicate_items_in_one_feed.xml")
        #expect(try await daemon.poll().count == 2)
        try feed.serve("same_guid_edited_content.xml")
        #expect(try await daemon.poll().isEmpty)
    }
}
