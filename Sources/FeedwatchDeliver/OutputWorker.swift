import FeedwatchHTTP
import FeedwatchModel
public import FeedwatchStore
public import Logging
import Synchronization

/// Drains one output's outbox, in sequence order, until stopped.
///
/// Events are handed to the sink oldest first. Acknowledged ones leave the outbox; the first
/// one that fails is rescheduled (exponential backoff with jitter, or the receiver's
/// `Retry-After`), and nothing after it is attempted before it, so each output sees events in
/// the order they were detected. An event still failing `retryFor` after it was created is
/// dead-lettered. One worker per output: a failing output never delays another.
public final class OutputWorker: Sendable {
    public let sink: any OutputSink
    private let store: any Store
    private let logger: Logger
    public let wake = WakeSignal()
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var disabled: String?
        var lastError: String?
    }

    public init(sink: any OutputSink, store: any Store, logger: Logger) {
        self.sink = sink
        self.store = store
        self.logger = logger
    }

    public var name: String { sink.name }

    /// Why the output is disabled, if it is.
    public var disabledReason: String? { state.withLock { $0.disabled } }

    public func stop() {
        state.withLock { $0.stopping = true }
        wake.signal()
    }

    /// Runs until `stop()`.
    public func run() async {
        while !state.withLock({ $0.stopping }) && !Task.isCancelled {
            let delivered = await deliverDue()
            if delivered == nil {
                await wake.wait(timeout: sleepTime())
            }
        }
    }

    /// Delivers what is due now, once. Returns the number of events acknowledged, or nil when
    /// nothing was due (or the output is disabled, or delivery failed and must wait).
    @discardableResult
    public func deliverDue() async -> Int? {
        if state.withLock({ $0.disabled != nil }) { return nil }
        let now = Timestamp.now()
        let items: [OutboxItem]
        do {
            items = try store.pendingOutbox(output: sink.name, dueBy: now, limit: sink.batchLimit)
        } catch {
            logger.error("cannot read the outbox", metadata: ["output": "\(sink.name)", "error": "\(error)"])
            return nil
        }
        guard !items.isEmpty else { return nil }
        // One request (or one write) per group, each acknowledged as soon as it is accepted: a
        // crash repeats at most the group that was in flight.
        var delivered = 0
        var rest = items[...]
        while !rest.isEmpty, !state.withLock({ $0.stopping }) {
            let group = Array(rest.prefix(max(1, sink.groupSize)))
            rest = rest.dropFirst(group.count)
            let report = await sink.deliver(group)
            acknowledge(report.accepted, of: group)
            delivered += report.accepted.count
            if let failure = report.failure, let item = group.first(where: { $0.seq == failure.seq }) {
                record(failure, item)
                return nil
            }
        }
        return delivered
    }

    private func acknowledge(_ seqs: [Int64], of items: [OutboxItem]) {
        guard !seqs.isEmpty else { return }
        do {
            try store.acknowledge(output: sink.name, seqs: seqs, at: Timestamp.now())
        } catch {
            // The events were delivered but stay in the outbox: they will be sent again, with the
            // same ids, which is what at-least-once allows.
            logger.error("cannot record deliveries", metadata: ["output": "\(sink.name)", "error": "\(error)"])
        }
        let labels = Metrics.labels(["output": sink.name])
        let accepted = Set(seqs)
        let now = Timestamp.now()
        Metrics.shared.increment("feedwatch_deliveries_total", labels: labels, by: UInt64(accepted.count))
        for item in items where accepted.contains(item.seq) {
            Metrics.shared.observe(
                "feedwatch_delivery_latency_seconds", labels: labels,
                seconds: Double(max(0, now.seconds - item.createdAt.seconds)))
        }
        logger.debug("delivered", metadata: ["output": "\(sink.name)", "events": "\(seqs.count)"])
        let recovered = state.withLock { s -> Bool in
            defer { s.lastError = nil }
            return s.lastError != nil
        }
        if recovered { logger.notice("output recovered", metadata: ["output": "\(sink.name)"]) }
    }

    private func record(_ failure: DeliveryReport.Failure, _ item: OutboxItem) {
        Metrics.shared.increment("feedwatch_delivery_failures_total", labels: Metrics.labels(["output": sink.name]))
        let now = Timestamp.now()
        let attempts = item.attempts + 1
        var dead = failure.disposition == .dead
        if let horizon = sink.retry.horizon, now.seconds - item.createdAt.seconds >= horizon.seconds { dead = true }
        let wait = failure.retryAfter ?? sink.retry.delay(afterAttempt: attempts)
        let metadata: Logger.Metadata = [
            "output": "\(sink.name)", "event": "\(item.eventID)", "seq": "\(item.seq)", "attempt": "\(attempts)",
            "error": "\(failure.reason)",
        ]
        if failure.disposition == .disableOutput {
            state.withLock { $0.disabled = failure.reason }
            logger.error(
                "output disabled: the receiver says it is gone; events are kept until the configuration is fixed and reloaded",
                metadata: metadata)
        } else if dead {
            logger.error("event dead-lettered (see feedwatch outbox list)", metadata: metadata)
        } else {
            let first = state.withLock { s -> Bool in
                defer { s.lastError = failure.reason }
                return s.lastError == nil
            }
            let m = metadata.merging(["retry_in": "\(DurationText.format(wait))"]) { $1 }
            if first {
                logger.warning("delivery failed, will retry", metadata: m)
            } else {
                logger.info("delivery failed, will retry", metadata: m)
            }
        }
        do {
            // The store counts whole seconds and `now` is rounded down: round the wait up, and add
            // the second `now` may have lost, so a receiver's Retry-After is never cut short.
            let millis = wait.milliseconds
            let seconds = millis / 1000 + (millis % 1000 > 0 ? 1 : 0) + (failure.retryAfter == nil ? 0 : 1)
            try store.deferDelivery(
                output: sink.name, seq: item.seq, nextAttemptAt: now.adding(seconds: max(1, seconds)),
                error: failure.reason, dead: dead)
        } catch {
            logger.error("cannot record a failed delivery", metadata: ["output": "\(sink.name)", "error": "\(error)"])
        }
    }

    /// How long to sleep when nothing is due: until the next retry, at most a minute; a second
    /// when retries set by a clock since set back were just made due.
    private func sleepTime() -> Duration {
        if bringForwardRetriesFromTheFuture() != nil { return .seconds(1) }
        guard let next = try? store.nextDue(output: sink.name) else { return .seconds(60) }
        let wait = next.seconds - Timestamp.now().seconds
        return .seconds(max(1, min(60, wait)))
    }

    /// A retry set further off than any failure could have set it (the backoff's longest with
    /// its jitter, or the longest `Retry-After` honoured) was set by a clock that has since been
    /// set back: such events are made due now rather than held, and every event after them with
    /// them, for as long as the clock's step. Returns how many were made due; nil when no retry
    /// was that far off.
    func bringForwardRetriesFromTheFuture() -> Int? {
        guard let next = try? store.nextDue(output: sink.name) else { return nil }
        let now = Timestamp.now()
        let longest = max(sink.retry.longestDelay.seconds, RetryAfter.maximum.seconds) + 1
        guard next.seconds - now.seconds > longest else { return nil }
        let moved =
            (try? store.bringForwardOutbox(output: sink.name, after: now.adding(seconds: longest), to: now)) ?? 0
        logger.notice(
            "events waiting for a retry further off than any failure sets: the clock was set back; retrying them now",
            metadata: ["output": "\(sink.name)", "events": "\(moved)"])
        return moved
    }
}
