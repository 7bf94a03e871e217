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
    private let store: SQLiteStore
    private let logger: Logger
    private let retryFor: Duration
    public let wake = WakeSignal()
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var disabled: String?
        var lastError: String?
    }

    /// - Parameter retryFor: how long an event is retried before it is dead-lettered (3 days).
    public init(sink: any OutputSink, store: SQLiteStore, logger: Logger, retryFor: Duration = .seconds(3 * 86_400)) {
        self.sink = sink
        self.store = store
        self.logger = logger
        self.retryFor = retryFor
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
        let report = await sink.deliver(items)
        do {
            try store.acknowledge(output: sink.name, seqs: report.accepted, at: Timestamp.now())
        } catch {
            // The events were delivered but stay in the outbox: they will be sent again, with the
            // same ids, which is what at-least-once allows.
            logger.error("cannot record deliveries", metadata: ["output": "\(sink.name)", "error": "\(error)"])
        }
        if !report.accepted.isEmpty {
            let labels = Metrics.labels(["output": sink.name])
            let accepted = Set(report.accepted)
            let now = Timestamp.now()
            Metrics.shared.increment("feedwatch_deliveries_total", labels: labels, by: UInt64(accepted.count))
            for item in items where accepted.contains(item.seq) {
                Metrics.shared.observe(
                    "feedwatch_delivery_latency_seconds", labels: labels,
                    seconds: Double(max(0, now.seconds - item.createdAt.seconds)))
            }
            logger.debug("delivered", metadata: ["output": "\(sink.name)", "events": "\(report.accepted.count)"])
            let recovered = state.withLock { s -> Bool in
                defer { s.lastError = nil }
                return s.lastError != nil
            }
            if recovered { logger.notice("output recovered", metadata: ["output": "\(sink.name)"]) }
        }
        if let failure = report.failure, let item = items.first(where: { $0.seq == failure.seq }) {
            record(failure, item)
            return nil
        }
        return report.accepted.count
    }

    private func record(_ failure: DeliveryReport.Failure, _ item: OutboxItem) {
        Metrics.shared.increment("feedwatch_delivery_failures_total", labels: Metrics.labels(["output": sink.name]))
        let now = Timestamp.now()
        let attempts = item.attempts + 1
        var dead = failure.disposition == .dead
        if now.seconds - item.createdAt.seconds >= retryFor.seconds { dead = true }
        let wait = failure.retryAfter ?? Backoff.delay(attempt: attempts)
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
            try store.deferDelivery(
                output: sink.name, seq: item.seq, nextAttemptAt: now.adding(seconds: max(1, wait.seconds)),
                error: failure.reason, dead: dead)
        } catch {
            logger.error("cannot record a failed delivery", metadata: ["output": "\(sink.name)", "error": "\(error)"])
        }
    }

    /// How long to sleep when nothing is due: until the next retry, at most a minute.
    private func sleepTime() -> Duration {
        guard let next = try? store.nextDue(output: sink.name) else { return .seconds(60) }
        let wait = next.seconds - Timestamp.now().seconds
        return .seconds(max(1, min(60, wait)))
    }
}

/// Exponential backoff with jitter: 5 s doubling to at most an hour, each delay drawn from
/// 75-125 % of its value so that many failing events do not retry in lock step.
public enum Backoff {
    public static func delay(attempt: Int, base: Duration = .seconds(5), cap: Duration = .seconds(3600)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let raw = min(Double(base.seconds) * Double(1 << exponent), Double(cap.seconds))
        let jittered = raw * Double.random(in: 0.75...1.25)
        return .milliseconds(Int64(jittered * 1000))
    }
}
