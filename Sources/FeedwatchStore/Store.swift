public import FeedwatchModel
public import FeedwatchNormalise

/// What the daemon needs of a store: feed state, the record of each poll (stories seen, events
/// caused, in one transaction), the outbox, and pruning.
///
/// `SQLiteStore` is the embedded store and the default. A server database (PostgreSQL, for
/// several daemons sharing one store) would implement this protocol; the stages only see it.
/// Its one hard requirement is the transaction of `record`: the stories it marks seen and the
/// events they cause are committed together or not at all.
public protocol Store: Sendable {
    /// The stored state of every feed, by URL.
    func feedStates() throws -> [String: FeedState]
    /// The stored state of one feed; nil before its first poll.
    func feedState(url: String) throws -> FeedState?
    /// Records one poll (see `SQLiteStore.recordInOwnTransaction`); returns once it is committed.
    /// A store may commit several polls together (`SQLiteStore+GroupCommit.swift`), calling
    /// `decide` and `health` on a thread of its own inside the transaction.
    func record(
        feedURL: String, poll: PollRecord, stories: [Story], duplicateWindow: Duration?,
        decide: @escaping @Sendable (StorySighting) -> [OutboxEntry],
        health: @escaping @Sendable (FeedHealthChange, String) -> [OutboxEntry]
    ) async throws -> RecordResult

    /// The oldest pending events of `output` that are due by `now`, in sequence order, stopping
    /// at the first one that is not due (order is kept).
    func pendingOutbox(output: String, dueBy now: Timestamp, limit: Int) throws -> [OutboxItem]
    /// Removes delivered events.
    func acknowledge(output: String, seqs: [Int64], at now: Timestamp) throws
    /// Records a failed attempt: retried at `nextAttemptAt`, or dead-lettered.
    func deferDelivery(output: String, seq: Int64, nextAttemptAt: Timestamp, error: String, dead: Bool) throws
    /// When the oldest pending event of `output` may next be attempted.
    func nextDue(output: String) throws -> Timestamp?
    /// Makes the pending events of `output` whose next attempt is after `latest` due at `now`.
    @discardableResult
    func bringForwardOutbox(output: String, after latest: Timestamp, to now: Timestamp) throws -> Int
    func outboxCounts() throws -> [String: OutboxCounts]

    /// Forgets stories that left their feed more than `retention` ago; returns how many.
    func prune(retention: Duration, now: Timestamp, dryRun: Bool, chunk: Int) throws -> Int
    /// Forgets near-duplicate fingerprints of stories first seen before `before` (outside the
    /// cross-feed window); returns how many.
    func forgetFingerprints(seenBefore before: Timestamp, chunk: Int) throws -> Int
}

extension Store {
    public func prune(retention: Duration, now: Timestamp) throws -> Int {
        try prune(retention: retention, now: now, dryRun: false, chunk: 5000)
    }

    /// Forgets what the daemon no longer needs (`[stories] forget_after`, `across_feeds`): stories
    /// that left their feed longer ago than `retention`, and fingerprints older than the window
    /// (all of them when the cross-feed check is off). Returns the stories forgotten.
    public func prune(retention: Duration, duplicateWindow: Duration?, now: Timestamp) throws -> Int {
        _ = try forgetFingerprints(seenBefore: now.adding(seconds: -(duplicateWindow?.seconds ?? 0)), chunk: 20000)
        return try prune(retention: retention, now: now)
    }
}

extension SQLiteStore: Store {}
