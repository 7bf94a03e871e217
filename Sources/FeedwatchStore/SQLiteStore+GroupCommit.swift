import FeedwatchModel
public import FeedwatchNormalise
import GRDB
import Synchronization

/// Group commit: the polls that finish while the writer is busy are recorded together, in one
/// transaction, by the next write.
///
/// Why: a cold cycle records thousands of polls of a few dozen new stories each. Each commit
/// writes every page it changed to the WAL, and new stories change pages all over the link and
/// text indexes, so one transaction per poll writes the same index pages again and again (`vmstat`
/// during a cold cycle of 1,000 feeds: about 600 MB written, 320 MB with group commit); a
/// transaction for a few polls writes each of them once.
/// And a poll waiting for the writer suspends instead of blocking one of the few threads that
/// fetch, parse and normalise the next polls.
///
/// What does not change: a poll's `record` returns only after its transaction has committed,
/// so a crash before then loses nothing (the stories are still new next time), and the polls are
/// recorded in the order they arrived. If any poll of a batch fails, the batch is rolled back and
/// each of its polls is recorded again in a transaction of its own, so a failure is that poll's
/// alone, as if it had been recorded by itself.
extension SQLiteStore {
    /// The most polls one transaction records; bounds how long other writers (the output workers
    /// acknowledging deliveries) wait for the writer.
    static let groupCommitLimit = 64

    /// Records one poll (see `recordInOwnTransaction`), committed with the polls that wait for the
    /// writer alongside it. `decide` and `health` run on the writer's queue, inside the transaction.
    public func record(
        feedURL: String, poll: PollRecord, stories: [Story], duplicateWindow: Duration?,
        decide: @escaping @Sendable (StorySighting) -> [OutboxEntry],
        health: @escaping @Sendable (FeedHealthChange, String) -> [OutboxEntry]
    ) async throws -> RecordResult {
        try await withCheckedThrowingContinuation { done in
            let request = WaitingPoll(
                feedURL: feedURL, poll: poll, stories: stories, duplicateWindow: duplicateWindow, decide: decide,
                health: health, done: done)
            if waiting.add(request) { scheduleCommit() }
        }
    }

    /// Asks the writer for one turn; on it, the polls waiting then are committed together.
    private func scheduleCommit() {
        pool.asyncWriteWithoutTransaction { db in
            let batch = self.waiting.take(limit: Self.groupCommitLimit)
            guard !batch.isEmpty else { return }
            self.commit(batch, db)
            // More arrived meanwhile: another turn, queued behind any other writer.
            if self.waiting.continueAfterBatch() { self.scheduleCommit() }
        }
    }

    private func commit(_ batch: [WaitingPoll], _ db: Database) {
        var results: [RecordResult] = []
        do {
            try db.inTransaction {
                results = try batch.map { try recordPoll(db, $0) }
                return .commit
            }
        } catch {
            // One of them failed (or the commit did): each on its own, so that only the failing
            // poll reports the failure.
            for r in batch { r.done.resume(with: Result { try recordAlone(r, db) }) }
            return
        }
        for (r, result) in zip(batch, results) { r.done.resume(returning: result) }
    }

    /// One poll in a transaction of its own, as `recordInOwnTransaction` records it.
    private func recordAlone(_ r: WaitingPoll, _ db: Database) throws -> RecordResult {
        try wrap("record poll of \(RedactedURL.text(r.feedURL))") {
            var result = RecordResult()
            try db.inTransaction {
                result = try recordPoll(db, r)
                return .commit
            }
            return result
        }
    }

    private func recordPoll(_ db: Database, _ r: WaitingPoll) throws -> RecordResult {
        try recordPoll(
            db, feedURL: r.feedURL, poll: r.poll, stories: r.stories, duplicateWindow: r.duplicateWindow,
            decide: r.decide, health: r.health)
    }
}

/// A poll waiting for the writer, with the continuation its `record` call waits on.
struct WaitingPoll: Sendable {
    let feedURL: String
    let poll: PollRecord
    let stories: [Story]
    let duplicateWindow: Duration?
    let decide: @Sendable (StorySighting) -> [OutboxEntry]
    let health: @Sendable (FeedHealthChange, String) -> [OutboxEntry]
    let done: CheckedContinuation<RecordResult, any Error>
}

/// The polls waiting for the writer, in arrival order, and whether a writer turn is scheduled
/// for them. At most one turn is scheduled at a time: the polls that arrive while one is
/// scheduled or running wait for it or for the turn it schedules after itself.
final class WaitingPolls: Sendable {
    private struct State {
        var polls: [WaitingPoll] = []
        var scheduled = false
    }
    private let state = Mutex(State())

    /// Adds a poll; true when no turn is scheduled, and the caller must schedule one.
    func add(_ poll: WaitingPoll) -> Bool {
        state.withLock { s in
            s.polls.append(poll)
            if s.scheduled { return false }
            s.scheduled = true
            return true
        }
    }

    /// The oldest `limit` waiting polls.
    func take(limit: Int) -> [WaitingPoll] {
        state.withLock { s in
            let n = min(limit, s.polls.count)
            let batch = Array(s.polls.prefix(n))
            s.polls.removeFirst(n)
            if batch.isEmpty { s.scheduled = false }
            return batch
        }
    }

    /// After a batch: true when polls wait and the turn's owner must schedule the next turn;
    /// otherwise no turn is scheduled any more.
    func continueAfterBatch() -> Bool {
        state.withLock { s in
            if s.polls.isEmpty { s.scheduled = false }
            return s.scheduled
        }
    }
}
