import FeedwatchModel
import FeedwatchNormalise
import FeedwatchStore
import GRDB
import TestSupport
import Testing

/// The daemon's path into the store: polls that finish together are committed together, and each
/// still gets its own result, its own events and its own failure.
@Suite("store: polls committed together")
struct StoreGroupCommitTests {
    static let t0 = Timestamp(seconds: 1_800_000_000)

    static func stories(_ feed: Int) -> [Story] {
        (0..<3).map { i in
            Normaliser.story(
                Entry(
                    id: "f\(feed)-\(i)", link: "https://f\(feed).example/\(i)", title: "Story \(i) of feed \(feed)",
                    summary: "Body \(i) of feed \(feed)"))
        }
    }

    /// Records one poll of `url` through the group-commit path, every new story announced.
    static func poll(_ store: SQLiteStore, _ url: String, _ stories: [Story]) async -> Result<RecordResult, any Error> {
        do {
            return .success(
                try await store.record(
                    feedURL: url, poll: PollRecord(polledAt: t0, status: 200, nextPollAt: t0.adding(seconds: 900)),
                    stories: stories, duplicateWindow: nil,
                    decide: { new in [OutboxEntry(output: "events", eventID: Digest.hex(new.story.key), payload: [])] },
                    health: { _, _ in [] }))
        } catch {
            return .failure(error)
        }
    }

    @Test("40 polls at once: each its own result and events; the one the database refuses fails alone")
    func concurrentPollsOneRefused() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("state/feedwatch.db"))
        // The database itself refuses every poll of one feed, inside whatever transaction records it.
        let bad = "https://refused.example/rss"
        try await DatabaseQueue(path: store.path).write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse AFTER INSERT ON feed WHEN NEW.url = '\(bad)'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
        }
        let urls = (0..<40).map { "https://f\($0).example/rss" }
        let results = await withTaskGroup(of: (String, Result<RecordResult, any Error>).self) { group in
            for (i, url) in urls.enumerated() {
                group.addTask { (url, await Self.poll(store, url, Self.stories(i))) }
                if i == 20 { group.addTask { (bad, await Self.poll(store, bad, Self.stories(99))) } }
            }
            var out: [String: Result<RecordResult, any Error>] = [:]
            for await (url, r) in group { out[url] = r }
            return out
        }
        #expect(results.count == 41)
        for url in urls {
            guard case .success(let r) = results[url] else {
                Issue.record("\(url) was not recorded: \(String(describing: results[url]))")
                continue
            }
            #expect(r.new == 3 && r.events == 3, "\(url): \(r)")
        }
        guard case .failure(let e) = results[bad] else {
            Issue.record("the refused poll was recorded")
            return
        }
        #expect("\(e)".contains(bad) && "\(e)".contains("refused by the test"), "\(e)")
        // Committed: every good poll's feed and events, nothing of the refused one.
        let states = try store.feedStates()
        #expect(Set(states.keys) == Set(urls))
        #expect(try store.outboxCounts()["events"]?.pending == 120)

        // The same polls again: everything seen, no event.
        for (i, url) in urls.enumerated() {
            guard case .success(let again) = await Self.poll(store, url, Self.stories(i)) else {
                Issue.record("\(url): second poll failed")
                continue
            }
            #expect(again.new == 0 && again.seen == 3 && again.events == 0)
        }
    }
}
