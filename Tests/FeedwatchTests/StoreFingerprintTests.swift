import FeedwatchModel
import FeedwatchNormalise
import GRDB
import GRDBSQLite
import TestSupport
import Testing

@testable import FeedwatchStore

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

    /// The SQLite virtual-machine instructions `body` runs on the store's writer connection: the
    /// work a recording costs, counted the same on every run and machine (a time would not be).
    static func instructions(_ store: SQLiteStore, _ body: () throws -> Void) throws -> Int {
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer { counter.deallocate() }
        try store.pool.write { db in
            sqlite3_progress_handler(
                db.sqliteConnection, 1,
                { context in
                    context?.assumingMemoryBound(to: Int.self).pointee += 1
                    return 0
                }, counter)
        }
        defer { try? store.pool.write { db in sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil) } }
        try body()
        return counter.pointee
    }

    /// Entries of one template with a number: every one's bands are every other's.
    static func templated(_ i: Int, host: String) -> Story {
        story(
            "t-\(i)", link: "https://\(host)/\(i)", title: "Item \(i)",
            body: String(repeating: "Baghdad coalition talks on advisers and bases resume. ", count: 5) + "\(i)")
    }

    @Test(
        "a fingerprint lookup costs the same however many look-alike stories a feed has: its own publisher's are skipped, others' read up to a bound"
    )
    func lookupsStayBounded() async throws {
        // Polls of one feed in a store of its own, 50 new stories each, all to be announced and
        // remembered (none has an original elsewhere): their cost and results. Seconds of work
        // in a debug build, on a thread of its own.
        func pollCosts(_ feed: String, host: @escaping @Sendable (Int) -> String) async throws -> [Int: Int] {
            let (costs, results) = try await OwnThread.run {
                let (dir, store) = try Self.newStore()
                defer { _ = dir }
                var costs: [Int: Int] = [:]
                var results: [RecordResult] = []
                for k in 0..<20 {
                    let stories = (k * 50..<(k + 1) * 50).map { Self.templated($0, host: host($0)) }
                    costs[k] = try Self.instructions(store) {
                        results.append(try Self.poll(store, feed, stories, at: Self.t0.adding(seconds: Int64(k) * 60)))
                    }
                }
                return (costs, results)
            }
            #expect(results.allSatisfy { $0.events == 50 && $0.duplicates == 0 }, "\(results)")
            return costs
        }
        // One publisher: 950 look-alikes stored before the last poll, 50 before the 2nd.
        let own = try await pollCosts("https://one.example/rss") { _ in "one.example" }
        let (early, late) = (try #require(own[1]), try #require(own[19]))
        #expect(Double(late) < 1.25 * Double(early), "poll 2: \(early) instructions, poll 20: \(late)")
        // Each entry its own publisher (a feed could name any host): every band crowded with
        // others', each read up to the bound, reached by the 5th poll.
        let others = try await pollCosts("https://many.example/rss") { "p\($0).example" }
        let (full, fuller) = (try #require(others[4]), try #require(others[19]))
        #expect(Double(fuller) < 1.25 * Double(full), "poll 5: \(full) instructions, poll 20: \(fuller)")
    }
}
