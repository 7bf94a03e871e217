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

        /// Serves these items; an empty guid leaves the item without one.
        func serve(items: [(guid: String, title: String, link: String, body: String)]) {
            let xml = items.map {
                "<item><title>\($0.title)</title><link>\($0.link)</link>"
                    + ($0.guid.isEmpty ? "" : "<guid isPermaLink=\"false\">\($0.guid)</guid>")
                    + "<description>\($0.body)</description></item>"
            }.joined()
            body.data.withLock {
                $0 = Data("<rss version=\"2.0\"><channel><title>Wire</title>\(xml)</channel></rss>".utf8)
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

        init(feedURL: String, updates: String = "title") throws {
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
            updates = "\(updates)"
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

        /// The next poll's events as "type: title [changes] (was: previous title)".
        mutating func pollEvents() async throws -> [String] {
            let run = try await BinaryRun.run(["once", "--config", config])
            try #require(run.status == 0, "once failed: \(run.stderr)")
            let all = try OnceTests.lines(dir.path("log/events.jsonl"))
            defer { seen = all.count }
            return all.dropFirst(seen).map { e in
                var line =
                    "\(e["type"] as? String ?? "?"): \((e["story"] as? [String: Any])?["title"] as? String ?? "?")"
                if let changes = e["changes"] as? [String] { line += " \(changes)" }
                if let previous = (e["previous"] as? [String: Any])?["title"] as? String {
                    line += " (was: \(previous))"
                }
                return line
            }
        }
    }

    @Test(
        "a feed linking every entry to its home page: each entry is its own story, with guids or without, on the first poll and after"
    )
    func sharedLink() async throws {
        for guids in [true, false] {
            let feed = try await FeedServer()
            defer { Task { await feed.server.stop() } }
            var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
            let home = "https://ministry.example/"
            let stories = [
                ("Iraq and the coalition resume talks", "Negotiators met in Baghdad on the timetable."),
                ("Drone strike near Erbil airport in Iraq", "No casualties were reported by the Kurdish authorities."),
                ("Parliament votes on the budget", "Lawmakers in Baghdad passed the spending bill late."),
                ("Advisers leave Ain al-Asad", "The base in western Iraq is handed over to Iraqi forces this week."),
            ]
            let items = stories.enumerated().map { i, s in
                (guid: guids ? "release-\(i)" : "", title: s.0, link: home, body: s.1)
            }
            feed.serve(items: Array(items.prefix(3)))
            #expect(Set(try await daemon.poll()) == Set(stories.prefix(3).map(\.0)), "guids: \(guids)")
            feed.serve(items: items)
            #expect(try await daemon.pollEvents() == ["story.new: \(stories[3].0)"], "guids: \(guids)")
            #expect(try await daemon.poll().isEmpty, "guids: \(guids)")
        }
    }

    /// The configuration of the cross-feed tests: these feeds, one watch for `Iraq*` within a
    /// backlog of 10, the JSON-lines output; `settings` go before `[fetch]`.
    static func onceConfig(dir: TemporaryDirectory, feeds: [String], settings: String = "") -> String {
        """
        state_dir = "\(dir.path("state"))"
        log_dir = "\(dir.path("log"))"
        \(settings)[fetch]
        allow_addresses = ["127.0.0.1/32"]
        [[watch]]
        name = "iraq"
        match = 'Iraq*'
        backlog = 10
        [[output]]
        name = "events"
        type = "jsonl"
        path = "events.jsonl"
        \(feeds.map { "[[feed]]\nurl = \"\($0)\"\n" }.joined())
        """
    }

    @Test(
        "two feeds of one site linking every entry to its home page: no story is taken for a copy of another; a true copy still is"
    )
    func sharedLinkAcrossFeeds() async throws {
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let home = "https://ministry.example/"
        func rss(_ items: [(guid: String, title: String, body: String)]) -> Data {
            let xml = items.map {
                "<item><guid>\($0.guid)</guid><title>\($0.title)</title><link>\(home)</link>"
                    + "<description>\($0.body)</description></item>"
            }.joined()
            return Data("<rss version=\"2.0\"><channel><title>Ministry</title>\(xml)</channel></rss>".utf8)
        }
        await server.serve(
            "/news.xml",
            rss([
                ("n-1", "Iraq signs power deal", "The ministry announced a grid agreement with Jordan."),
                ("n-2", "Iraq opens new border post", "Trucks crossed at the Trebil post for the first time."),
            ]))
        await server.serve(
            "/statements.xml",
            rss([
                ("s-1", "Iraq condemns attack on convoy", "The ministry called the strike near Baghdad a violation."),
                // The news feed's story again, under the other feed's own id.
                ("s-2", "Iraq signs power deal", "The ministry announced a grid agreement with Jordan."),
            ]))
        let dir = try TemporaryDirectory()
        let config = dir.path("feedwatch.toml")
        // The second feed added later: its stories arrive after the first's.
        for feeds in [["/news.xml"], ["/news.xml", "/statements.xml"]] {
            try Self.onceConfig(dir: dir, feeds: feeds.map(server.url))
                .write(toFile: config, atomically: true, encoding: .utf8)
            let run = try await BinaryRun.run(["once", "--config", config])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let titles = try OnceTests.lines(dir.path("log/events.jsonl")).compactMap {
            ($0["story"] as? [String: Any])?["title"] as? String
        }
        #expect(
            titles.sorted() == [
                "Iraq condemns attack on convoy", "Iraq opens new border post", "Iraq signs power deal",
            ])
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
        let run = try await BinaryRun.run(["once", "--config", daemon.config])
        #expect(run.status == 0)
        #expect(run.stderr.contains("new=0"), "\(run.stderr)")
        // The operator is told why: the feed's ids do not identify its stories.
        #expect(run.stderr.contains("this feed's ids (guids) are unreliable"), "\(run.stderr)")
    }

    @Test("the same item twice in one document is reported once")
    func duplicateInOneDocument() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        try feed.serve("duplicate_items_in_one_feed.xml")
        #expect(try await daemon.poll().sorted() == ["Iraq coalition talks update 1", "Iraq coalition talks update 2"])
    }

    @Test("one story under three guids in a feed's first document (same link, or same text): reported once")
    func oneStoryThreeGuidsFirstPoll() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        let (title, body) = ("Iraq and the coalition resume talks", "Negotiators met in Baghdad on Monday.")
        feed.serve(items: [
            (guid: "wire-1", title: title, link: "https://wire.example/talks", body: body),
            (guid: "wire-2", title: title, link: "https://wire.example/talks", body: body),
            (guid: "wire-3", title: title, link: "https://wire.example/talks-mirror", body: body),
        ])
        #expect(try await daemon.poll() == [title])
        #expect(try await daemon.poll().isEmpty)
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

    @Test("updates = \"all\": an edited body is a story.updated with what changed")
    func editedStoryAll() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"), updates: "all")
        try feed.serve("duplicate_items_in_one_feed.xml")
        #expect(try await daemon.poll().count == 2)
        try feed.serve("same_guid_edited_content.xml")
        #expect(
            try await daemon.pollEvents() == [
                "story.updated: Iraq coalition talks update 1 [\"body\"] (was: Iraq coalition talks update 1)"
            ])
        #expect(try await daemon.pollEvents().isEmpty)
        let schema = try await EventSchema.validate(daemon.dir.path("log/events.jsonl"))
        #expect(schema.status == 0, "\(schema.output)")
    }

    @Test(
        "default updates = \"title\": a new headline is reported with the old one; numbers and tracking parameters are noise"
    )
    func headlineEdits() async throws {
        let feed = try await FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try Daemon(feedURL: feed.server.url("/feed.xml"))
        let link = "http://example.org/story/1"
        feed.serve(items: [("g1", "Iraq talks begin", link, "Talks on the coalition. 12 comments")])
        #expect(try await daemon.pollEvents() == ["story.new: Iraq talks begin"])
        // Only numbers and tracking parameters change: nothing.
        feed.serve(items: [
            ("g1", "Iraq talks begin", link + "?utm_source=rss", "Talks on the coalition. 1,204 comments")
        ])
        #expect(try await daemon.pollEvents().isEmpty)
        // The body changes: an update, but not one this watch reports.
        feed.serve(items: [("g1", "Iraq talks begin", link, "Talks on the coalition resumed in Baghdad.")])
        #expect(try await daemon.pollEvents().isEmpty)
        // The headline changes: reported, with the old headline.
        feed.serve(items: [("g1", "Iraq talks collapse", link, "Talks on the coalition resumed in Baghdad.")])
        #expect(
            try await daemon.pollEvents() == ["story.updated: Iraq talks collapse [\"title\"] (was: Iraq talks begin)"])
        // The same id now names a different story (new link, new headline): a new story.
        feed.serve(items: [("g1", "Baghdad airport reopens", "http://example.org/story/2", "Flights resume.")])
        #expect(try await daemon.pollEvents() == ["story.new: Baghdad airport reopens"])
        // ... and stays known as such.
        #expect(try await daemon.pollEvents().isEmpty)
    }

    @Test(
        "the same story from several feeds is announced once (by link, by text, by near-identical body); across_feeds = \"off\" announces each copy"
    )
    func acrossFeeds() async throws {
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        func rss(_ items: [(guid: String, title: String, link: String, body: String)]) -> Data {
            let xml = items.map {
                "<item><guid>\($0.guid)</guid><title>\($0.title)</title><link>\($0.link)</link>"
                    + "<description>\($0.body)</description></item>"
            }.joined()
            return Data("<rss version=\"2.0\"><channel><title>W</title>\(xml)</channel></rss>".utf8)
        }
        let headline = "Iraq coalition talks resume"
        // The agency's story.
        await server.serve("/a.xml", rss([("a-1", headline, "http://wire.example/1", WireStory.text)]))
        // One outlet links it with tracking parameters; another republishes its text under its own link.
        await server.serve(
            "/b.xml",
            rss([
                ("b-9", headline, "http://wire.example/1?utm_source=b", "Other text."),
                ("b-10", headline, "http://outlet.example/copy", WireStory.text),
            ]))
        // A third outlet edits it lightly under its own headline and link, and has a different
        // story on the same subject.
        await server.serve(
            "/c.xml",
            rss([
                (
                    "c-1", "US and Iraq open talks on coalition drawdown", "http://paper.example/iraq-talks",
                    WireStory.copy
                ),
                (
                    "c-2", "Drone attack on base hosting US troops in Iraq", "http://paper.example/drone",
                    WireStory.other
                ),
            ]))
        // The agency's own second feed, with an updated version under a new headline and link: a
        // publisher's texts that look alike are different stories (live blogs, templates), never
        // taken for copies of each other.
        let updated = WireStory.text + " (This story has been updated with the prime minister's comments.)"
        await server.serve("/d.xml", rss([("d-1", "Iraq talks: what we know", "http://wire.example/2", updated)]))
        for (setting, expected) in [("", 3), ("[stories]\nacross_feeds = \"off\"\n", 6)] {
            let dir = try TemporaryDirectory()
            let config = dir.path("feedwatch.toml")
            // The agency's feeds first, then the others: their copies arrive after a's story.
            for feeds in [["/a.xml", "/d.xml"], ["/a.xml", "/b.xml", "/c.xml", "/d.xml"]] {
                try Self.onceConfig(dir: dir, feeds: feeds.map(server.url), settings: setting)
                    .write(toFile: config, atomically: true, encoding: .utf8)
                let run = try await BinaryRun.run(["once", "--config", config])
                #expect(run.status == 0, "\(run.stderr)")
            }
            let events = try OnceTests.lines(dir.path("log/events.jsonl"))
            let titles = events.compactMap { ($0["story"] as? [String: Any])?["title"] as? String }
            #expect(events.count == expected, "\(setting): \(titles)")
            guard setting.isEmpty else { continue }
            #expect(
                Set(titles) == [headline, "Drone attack on base hosting US troops in Iraq", "Iraq talks: what we know"])
            // The copies are recorded, each with the story it copies and what gave it away.
            let export = try await BinaryRun.run(["store", "export", "--config", config])
            var copies: [String: String] = [:]
            for line in export.stdout.split(separator: "\n") {
                guard let story = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let copy = story["copy_of"] as? [String: Any]
                else { continue }
                let link = story["link"] as? String ?? "?"
                // The edited copy is as near to the agency's updated version as to its first.
                let originals = link.hasPrefix("http://paper.example") ? ["/a.xml", "/d.xml"] : ["/a.xml"]
                #expect(originals.map(server.url).contains(copy["feed"] as? String ?? ""), "\(link)")
                copies[link] = copy["by"] as? String
            }
            #expect(
                copies == [
                    "http://wire.example/1?utm_source=b": "link", "http://outlet.example/copy": "text",
                    "http://paper.example/iraq-talks": "fingerprint",
                ])
            let stats = try await BinaryRun.run(["store", "stats", "--json", "--config", config])
            let figures = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
            #expect(figures?["copies"] as? Int == 3, "\(stats.stdout)")
        }
    }
}
