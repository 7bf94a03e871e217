import FeedwatchModel
import FeedwatchNormalise
import FeedwatchStore
import TestSupport
import Testing

/// The store's near-duplicate memory: kept for the cross-feed window, forgotten after it and with
/// its feed.
@Suite("store: near-duplicate fingerprints")
struct StoreFingerprintTests {
    static let window = Duration.seconds(48 * 3600)

    static let t0 = Timestamp(seconds: 1_800_000_000)

    static func story(_ id: String, link: String, title: String, body: String) -> Story {
        Normaliser.story(Entry(id: id, link: link, title: title, summary: body))
    }

    /// The agency's story, and an outlet's lightly edited copy of it.
    static let wire = story("a-1", link: "https://wire.example/1", title: "Talks resume", body: WireStory.text)
    static let copy = story("p-1", link: "https://paper.example/1", title: "US, Iraq talk", body: WireStory.copy)

    /// A store in a fresh directory (kept alive by the returned directory).
    static func newStore() throws -> (TemporaryDirectory, SQLiteStore) {
        let dir = try TemporaryDirectory()
        return (dir, try SQLiteStore(path: dir.path("state/feedwatch.db")))
    }

    /// Records one poll of `feed` at `at`, in which every new story is announced (or none).
    static func poll(_ store: SQLiteStore, _ feed: String, _ stories: [Story], at: Timestamp, announce: Bool = true)
        throws -> RecordResult
    {
        try store.recordInOwnTransaction(
            feedURL: feed, poll: PollRecord(polledAt: at, status: 200, nextPollAt: at.adding(seconds: 900)),
            stories: stories, duplicateWindow: window,
            decide: { new in
                announce ? [OutboxEntry(output: "events", eventID: Digest.hex(new.story.key), payload: [])] : []
            })
    }

    @Test("an edited copy within the window is a duplicate; after the fingerprints are pruned it is news")
    func windowAndPrune() throws {
        let (dir, store) = try Self.newStore()
        defer { _ = dir }
        let (t0, wire, copy) = (Self.t0, Self.wire, Self.copy)
        #expect(try Self.poll(store, "https://wire.example/rss", [wire], at: t0).new == 1)

        let copied = try Self.poll(store, "https://paper.example/rss", [copy], at: t0.adding(seconds: 3600))
        #expect(copied.new == 1 && copied.duplicates == 1)

        // Fingerprints go by when they were first seen: the agency's first.
        #expect(try store.forgetFingerprints(seenBefore: t0.adding(seconds: 1)) == 1)
        // Two days on, the pruning the daemon does every six hours forgets the rest (the paper's),
        // and no story (all are still in their feeds); a copy now is news.
        let later = t0.adding(seconds: Self.window.seconds + 7200)
        #expect(try store.prune(retention: .seconds(60 * 86400), duplicateWindow: Self.window, now: later) == 0)
        #expect(try store.forgetFingerprints(seenBefore: later) == 0)
        let late = Self.story("q-1", link: "https://other.example/1", title: "Talks", body: WireStory.copy)
        let news = try Self.poll(store, "https://other.example/rss", [late], at: later)
        #expect(news.new == 1 && news.duplicates == 0)
    }

    @Test("a copy of a story nobody was told about (no watch matched it) is announced where it appears")
    func unannouncedOriginal() throws {
        let (dir, store) = try Self.newStore()
        defer { _ = dir }
        let (t0, wire, copy) = (Self.t0, Self.wire, Self.copy)
        #expect(try Self.poll(store, "https://wire.example/rss", [wire], at: t0, announce: false).events == 0)
        let r = try Self.poll(store, "https://paper.example/rss", [copy], at: t0.adding(seconds: 60))
        #expect(r.duplicates == 0 && r.events == 1)
    }

    @Test("forgetting a feed forgets its fingerprints: its stories no longer hold copies back")
    func forgetFeed() throws {
        let (dir, store) = try Self.newStore()
        defer { _ = dir }
        let (t0, wire, copy) = (Self.t0, Self.wire, Self.copy)
        _ = try Self.poll(store, "https://wire.example/rss", [wire], at: t0)
        #expect(try store.forget(feedURL: "https://wire.example/rss") == 1)
        let r = try Self.poll(store, "https://paper.example/rss", [copy], at: t0.adding(seconds: 60))
        #expect(r.new == 1 && r.duplicates == 0)
    }
}
