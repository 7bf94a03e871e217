import FeedwatchModel
import FeedwatchNormalise
import GRDB
import TestSupport
import Testing

@testable import FeedwatchStore

/// The look across feeds (`across_feeds`): which feeds may hold a story is answered by the
/// writer's table of digests (`CrossFeedDigests`), loaded from the store; these hold it to what
/// the store holds, across a reopened store and a window that moved on.
@Suite("store: copies across feeds")
struct StoreCrossFeedTests {
    static let window = StoreFingerprintTests.window
    static let t0 = StoreFingerprintTests.t0

    static func story(_ id: String, link: String, title: String, body: String = "Talks in Baghdad.") -> Story {
        StoreFingerprintTests.story(id, link: link, title: title, body: body)
    }

    static func poll(_ store: SQLiteStore, _ feed: String, _ stories: [Story], at: Timestamp) throws -> RecordResult {
        try StoreFingerprintTests.poll(store, feed, stories, at: at)
    }

    /// The feed and "by" a stored story was recorded as the copy of, if any.
    static func copyOf(_ store: SQLiteStore, feed: String, title: String) throws -> (feed: String, by: String)? {
        try store.pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.url, s.copy_by FROM story s JOIN feed f ON f.id = s.feed_id
                    JOIN feed o ON o.id = s.copy_of_feed WHERE f.url = ? AND s.title = ?
                    """, arguments: [feed, title])
            return row.map { ($0[0], $0[1]) }
        }
    }

    @Test("a copy by link and a copy by text are known in a store opened again, which loads the table")
    func reopened() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("state/feedwatch.db")
        do {
            let store = try SQLiteStore(path: path)
            let original = Self.story("w-1", link: "https://wire.example/1", title: "Coalition talks resume")
            #expect(try Self.poll(store, "https://wire.example/rss", [original], at: Self.t0).new == 1)
        }
        let store = try SQLiteStore(path: path)
        let later = Self.t0.adding(seconds: 3600)
        // Same link, same headline: the wire's story under another guid.
        let byLink = Self.story("p-1", link: "https://wire.example/1", title: "Coalition talks resume")
        #expect(try Self.poll(store, "https://paper.example/rss", [byLink], at: later).duplicates == 1)
        #expect(
            try Self.copyOf(store, feed: "https://paper.example/rss", title: "Coalition talks resume")?.by == "link")
        // Another link, the same headline and body.
        let byText = Self.story("q-1", link: "https://other.example/a", title: "Coalition talks resume")
        #expect(try Self.poll(store, "https://other.example/rss", [byText], at: later).duplicates == 1)
        #expect(
            try Self.copyOf(store, feed: "https://other.example/rss", title: "Coalition talks resume")?.by == "text")
        // A story of its own is news.
        let own = Self.story("q-2", link: "https://other.example/b", title: "Advisers leave Ain al-Asad")
        let news = try Self.poll(store, "https://other.example/rss", [own], at: later)
        #expect(news.new == 1 && news.duplicates == 0)
    }

    @Test("over weeks of polls the table is loaded again, and still knows every story of the window")
    func windowMoves() throws {
        let (dir, store) = try StoreFingerprintTests.newStore()
        defer { _ = dir }
        let w = Self.window.seconds
        let first = Self.story("a-1", link: "https://a.example/1", title: "First story")
        #expect(try Self.poll(store, "https://a.example/rss", [first], at: Self.t0).new == 1)
        // Seen after the table was loaded (at t0), so noted by the writer; a copy is known by it.
        let second = Self.story("a-2", link: "https://a.example/2", title: "Second story")
        let t1 = Self.t0.adding(seconds: w * 9 / 10)
        #expect(try Self.poll(store, "https://a.example/rss", [first, second], at: t1).new == 1)
        let early = Self.story("c-2", link: "https://a.example/2", title: "Second story")
        #expect(try Self.poll(store, "https://c.example/rss", [early], at: t1.adding(seconds: 60)).duplicates == 1)
        // Over a window after the load, the table is loaded again from the store: the second
        // story is within the window, the first is not.
        let t2 = Self.t0.adding(seconds: w * 3 / 2)
        let copies = [
            Self.story("b-1", link: "https://a.example/1", title: "First story"),
            Self.story("b-2", link: "https://a.example/2", title: "Second story"),
        ]
        let result = try Self.poll(store, "https://b.example/rss", copies, at: t2)
        #expect(result.new == 2 && result.duplicates == 1)
        #expect(
            try Self.copyOf(store, feed: "https://b.example/rss", title: "Second story")?.feed
                == "https://a.example/rss")
        #expect(try Self.copyOf(store, feed: "https://b.example/rss", title: "First story") == nil)
    }

    @Test("a link several feeds carry: a feed with two stories under it is passed over for one with one")
    func sharedLink() throws {
        let (dir, store) = try StoreFingerprintTests.newStore()
        defer { _ = dir }
        let home = "https://site.example/"
        // The site's feed links every entry to its home page; so does its sister feed, once.
        let site = [
            Self.story("s-1", link: home, title: "Morning briefing", body: "One."),
            Self.story("s-2", link: home, title: "Evening briefing", body: "Two."),
        ]
        #expect(try Self.poll(store, "https://site.example/rss", site, at: Self.t0).new == 2)
        let sister = Self.story("t-1", link: home, title: "Evening briefing", body: "Three.")
        #expect(try Self.poll(store, "https://sister.example/rss", [sister], at: Self.t0).new == 1)
        // A third feed's story under that link with the sister's headline is the sister's copy,
        // not the site's, whose link names no one story.
        let third = Self.story("u-1", link: home, title: "Evening briefing", body: "Four.")
        let result = try Self.poll(store, "https://third.example/rss", [third], at: Self.t0.adding(seconds: 60))
        #expect(result.duplicates == 1)
        let copy = try Self.copyOf(store, feed: "https://third.example/rss", title: "Evening briefing")
        #expect(copy?.feed == "https://sister.example/rss" && copy?.by == "link", "\(String(describing: copy))")
    }
    @Test("a look across feeds costs the same however many stories the other feed keeps")
    func lookupCostFlat() async throws {
        // The cost of recording two copies (one by link, one by text) of stories of a feed that
        // keeps `kept` stories. Read through the feed's whole range instead of its index, the
        // look would cost in proportion to `kept`.
        func copyCost(kept: Int) async throws -> Int {
            try await OwnThread.run {
                let (dir, store) = try StoreFingerprintTests.newStore()
                defer { _ = dir }
                let stories = (0..<kept).map {
                    Self.story("a-\($0)", link: "https://a.example/\($0)", title: "Story \($0)", body: "Body \($0).")
                }
                #expect(try Self.poll(store, "https://a.example/rss", stories, at: Self.t0).new == kept)
                let copies = [
                    Self.story("b-1", link: "https://a.example/1", title: "Story 1", body: "Body 1."),
                    Self.story("b-2", link: "https://b.example/2", title: "Story 2", body: "Body 2."),
                ]
                var result = RecordResult()
                let cost = try StoreFingerprintTests.instructions(store) {
                    result = try Self.poll(store, "https://b.example/rss", copies, at: Self.t0.adding(seconds: 60))
                }
                #expect(result.duplicates == 2, "\(result)")
                return cost
            }
        }
        let (few, many) = (try await copyCost(kept: 20), try await copyCost(kept: 2_000))
        #expect(Double(many) < 1.25 * Double(few), "20 kept: \(few) instructions, 2,000 kept: \(many)")
    }
}
