import FeedwatchModel
import FeedwatchNormalise
import FeedwatchStore
import Foundation
import Logging
import TestSupport
import Testing

@testable import FeedwatchDeliver

/// An output's retry times are wall-clock instants in the store. One set while the clock was a
/// year ahead must not hold the output (and, since order is kept, every later event) for a year.
@Suite("outbox and a clock set back")
struct OutboxClockTests {
    @Test("an event whose retry is further off than any failure sets is delivered at once, in order")
    func retryFromTheFuture() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("state/feedwatch.db"))
        let now = Timestamp.now()
        let stories = (0..<2).map { i in
            Normaliser.story(
                Entry(id: "s\(i)", link: "https://f.example/\(i)", title: "Story \(i)", summary: "Body \(i)"))
        }
        _ = try await store.record(
            feedURL: "https://f.example/rss", poll: PollRecord(polledAt: now, status: 200, nextPollAt: now),
            stories: stories, duplicateWindow: nil,
            decide: { new in
                [OutboxEntry(output: "events", eventID: new.story.entry.title, payload: Array("{}".utf8))]
            },
            health: { _, _ in [] })
        // The first event failed while the clock read a year later than it does now.
        let first = try #require(try store.pendingOutbox(output: "events", dueBy: now, limit: 10).first)
        try store.deferDelivery(
            output: "events", seq: first.seq, nextAttemptAt: now.adding(seconds: 365 * 86_400), error: "503",
            dead: false)
        let path = dir.path("events.jsonl")
        let worker = OutputWorker(
            sink: try JSONLinesSink(name: "events", path: path, fsync: "never"), store: store,
            logger: Logger(label: "test"))
        #expect(await worker.deliverDue() == nil, "held: the first event is not due and order is kept")
        // What the worker does when it finds nothing due, before it sleeps: the retry a year
        // off is further than any failure sets, so it is made due now.
        #expect(worker.bringForwardRetriesFromTheFuture() == 1)
        #expect(await worker.deliverDue() == 2, "both, in order")
        #expect(try store.pendingOutbox(output: "events", dueBy: now.adding(seconds: 400 * 86_400), limit: 10).isEmpty)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        // Nothing waits any more: nothing to bring forward.
        #expect(worker.bringForwardRetriesFromTheFuture() == nil)
    }
}
