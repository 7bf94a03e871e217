public import FeedwatchConfig
import FeedwatchDeliver
import FeedwatchFetch
import FeedwatchHTTP
import FeedwatchModel
import FeedwatchParse
import FeedwatchSchedule
import FeedwatchStore
public import Foundation
public import Logging
import Synchronization

/// What `feedwatch once` did.
public struct OnceSummary: Sendable {
    public let reports: [PollReport]
    /// Events not delivered by this run, per output: still waiting, or dead-lettered during it.
    public let undelivered: [String: Int]

    public var failedFeeds: Int { reports.filter { $0.error != nil }.count }
}

/// The running system: every stage wired together from one configuration.
///
/// `run()` is the daemon: the scheduler polls feeds as they come due, output workers drain the
/// outbox, signals stop it. `once()` polls every feed now, delivers, and returns.
public final class Daemon: Sendable {
    private let config: Config
    private let logger: Logger
    private let store: any Store
    private let feedClient: HTTPClient
    private let outputClient: HTTPClient
    private let poller: Poller
    private let admission: PollAdmission
    private let workers: [OutputWorker]
    private let scheduler = Scheduler()
    private let notifier: SystemdNotifier
    private let feeds: [String: FeedSettings]
    private let state = Mutex(RunState())

    private struct RunState {
        var stopping = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Polls started and not finished; their tasks, once created, for cancellation.
        var inflight: Set<Int> = []
        var tasks: [Int: Task<Void, Never>] = [:]
        /// Feeds due and not yet started (`admission` did not let them in yet), in the order
        /// they came due.
        var waiting: [FeedSettings] = []
        var nextTask = 0
        var lastCycle: Timestamp?
        var polls = 0
        var failures = 0
        var storeFailures = StoreFailureLog()
        /// The daemon built from a reloaded configuration, to run once this one has stopped.
        var successor: Daemon?
    }

    /// Opens the store and builds every stage. Throws when an output or the store cannot be set up.
    public init(
        config: Config, logger: Logger, userAgent: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws
    {
        self.config = config
        self.logger = logger
        let notifier = SystemdNotifier(environment: environment)
        self.notifier = notifier
        do {
            store = try SQLiteStore(path: config.storePath) {
                logger.notice(
                    "upgrading the store to this version's schema (once; minutes for millions of stories)",
                    metadata: ["path": "\(config.storePath)"])
                // Start-up waits for the upgrade: an hour before systemd gives up, not the unit's 90 s.
                notifier.status("upgrading the store")
                notifier.extendTimeout(seconds: 3600)
            }
        } catch {
            throw DaemonError.store("\(error)")
        }
        let allow = config.fetch.allowAddresses.compactMap(AddressRange.init)
        feedClient = HTTPClient(
            settings: HTTPSettings(
                userAgent: userAgent, concurrency: config.fetch.concurrency, perHost: config.fetch.perHost,
                allowAddresses: allow))
        // Each webhook output has one POST in flight at a time; a slot per output (also per host:
        // several chat webhooks share one) means a hanging receiver never holds up another output.
        let webhooks = max(1, config.outputs.filter { if case .webhook = $0.kind { true } else { false } }.count)
        outputClient = HTTPClient(
            settings: HTTPSettings(
                userAgent: userAgent, concurrency: webhooks, perHost: webhooks, allowAddresses: allow))
        let fetcher = FeedFetcher(
            client: feedClient, timeout: config.fetch.timeout, connectTimeout: config.fetch.connectTimeout,
            maxBodyBytes: config.fetch.maxBodyBytes)
        admission = PollAdmission(transfers: config.fetch.concurrency)
        poller = Poller(fetcher: fetcher, store: store, config: config, admission: admission, logger: logger)
        let sinks = try Outputs.make(config.outputs, client: outputClient, environment: environment)
        let openedStore = store
        workers = sinks.map { OutputWorker(sink: $0, store: openedStore, logger: logger) }
        for case let sink as JSONLinesSink in sinks where sink.repairedBytes > 0 {
            logger.warning(
                "removed a partial last line left by an interrupted write",
                metadata: ["output": "\(sink.name)", "bytes": "\(sink.repairedBytes)"])
        }
        feeds = Dictionary(config.feeds.map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: - once

    /// Polls every feed once, concurrently, then delivers what is due to every output.
    public func once(deliveryDeadline: Duration = .seconds(60)) async -> OnceSummary {
        let states = (try? store.feedStates()) ?? [:]
        let deadBefore = (try? store.outboxCounts()) ?? [:]
        // Not every feed at once: a poll holds its parsed stories until the store's single
        // writer records them (`PollAdmission`).
        let reports = await withTaskGroup(of: PollReport.self) { group in
            var out: [PollReport] = []
            var pending = config.feeds[...]
            var inFlight = 0
            repeat {
                while admission.mayStart(inFlight: inFlight), let feed = pending.popFirst() {
                    group.addTask { await self.poller.poll(feed, state: states[feed.url]) }
                    inFlight += 1
                }
                guard let r = await group.next() else { break }
                inFlight -= 1
                log(r)
                out.append(r)
            } while true
            return out
        }
        let deadline = ContinuousClock.now + deliveryDeadline
        await withTaskGroup(of: Void.self) { group in
            for w in workers {
                group.addTask {
                    while ContinuousClock.now < deadline, await w.deliverDue() != nil {}
                }
            }
        }
        prune()
        let counts = (try? store.outboxCounts()) ?? [:]
        var undelivered: [String: Int] = [:]
        // Waiting, or given up on during this run (dead-lettered): either way not delivered.
        for w in workers {
            let newlyDead = (counts[w.name]?.dead ?? 0) - (deadBefore[w.name]?.dead ?? 0)
            undelivered[w.name] = (counts[w.name]?.pending ?? 0) + max(0, newlyDead)
        }
        feedClient.shutdown()
        outputClient.shutdown()
        return OnceSummary(reports: reports, undelivered: undelivered)
    }

    // MARK: - run

    /// Runs until `stop()` (SIGTERM, SIGINT): polls on schedule, delivers continuously.
    ///
    /// SIGHUP calls `reload`, which reads the configuration again and builds the daemon for it.
    /// When it succeeds this daemon stops (polls in flight finish, outputs drain what they hold)
    /// and returns the new one for the caller to run: the store, and with it every feed's state and
    /// the outbox, carries over. When it fails, the reason is logged and this daemon keeps running
    /// on the configuration it has, with its output files reopened (logrotate sends SIGHUP too).
    /// Returns nil when stopped for good.
    public func run(reload: (@Sendable () -> Result<Daemon, DaemonError>)? = nil) async -> Daemon? {
        let signals = SignalHandlers(
            stop: { [weak self] name in
                self?.logger.notice("stopping", metadata: ["signal": "\(name)"])
                self?.stop()
            },
            hangup: { [weak self] in self?.hangup(reload) },
            reopen: { [weak self] in self?.reopenOutputs() })
        let workerTasks = workers.map { w in Task { await w.run() } }
        let pruning = Task.detached { [weak self] in
            // A minute after start, then every six hours; off the scheduler's queue, in chunks.
            var wait = Duration.seconds(60)
            while (try? await Task.sleep(for: wait)) != nil {
                self?.prune()
                wait = .seconds(6 * 3600)
            }
        }
        scheduleAll()
        scheduler.start(
            onDue: { [weak self] urls in for url in urls { self?.launchPoll(url) } },
            onTick: { [weak self] in
                guard let self else { return }
                self.notifier.heartbeat(status: self.statusLine)
            })
        notifier.ready(status: statusLine())
        logger.notice(
            "started",
            metadata: [
                "feeds": "\(config.feeds.count)", "watches": "\(config.watches.count)", "outputs": "\(workers.count)",
                "store": "\(config.storePath)",
            ])
        await waitUntilStopped()

        let successor = state.withLock { $0.successor }
        if successor == nil { notifier.stopping() }
        scheduler.stop()
        await finishInflight(grace: .seconds(10))
        pruning.cancel()
        for w in workers { w.stop() }
        for t in workerTasks { await t.value }
        feedClient.shutdown()
        outputClient.shutdown()
        signals.cancel()
        logger.notice(successor == nil ? "stopped" : "stopped for the reloaded configuration")
        return successor
    }

    private func hangup(_ reload: (@Sendable () -> Result<Daemon, DaemonError>)?) {
        notifier.reloading()
        guard let reload else {
            reopenOutputs()
            notifier.ready(status: statusLine())
            return
        }
        switch reload() {
        case .success(let next):
            logger.notice("configuration reloaded; restarting the stages on it")
            state.withLock { $0.successor = next }
            stop()
        case .failure(let error):
            logger.error(
                "configuration not reloaded; still running on the previous one", metadata: ["error": "\(error)"])
            reopenOutputs()
            notifier.ready(status: statusLine())
        }
    }

    /// Asks `run()` to stop. Safe from any thread, any number of times.
    public func stop() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.stopping = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    private func waitUntilStopped() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.stopping { return true }
                s.waiter = c
                return false
            }
            if now { c.resume() }
        }
    }

    /// Puts every feed in the schedule: when the store says it is next due (a restart neither
    /// polls everything at once nor forgets a Retry-After), or, if that has passed or the feed is
    /// new, spread over the next half minute.
    private func scheduleAll() {
        let states = (try? store.feedStates()) ?? [:]
        let now = Timestamp.now()
        for feed in config.feeds {
            let interval = feed.interval ?? config.interval
            let spread = max(1, min(30, interval.seconds))
            if let state = states[feed.url], let next = state.nextPollAt, next > now {
                let resumed = PollTiming.resumed(
                    next, now: now, lastStatus: state.lastStatus, maxInterval: config.fetch.maxInterval)
                scheduler.schedule(feed.url, at: resumed)
            } else {
                scheduler.schedule(feed.url, at: now.adding(seconds: Int64.random(in: 0..<spread)))
            }
        }
    }

    /// Starts a poll of a feed that came due, once `admission` lets it in: a poll holds its parsed
    /// stories until the store's single writer records them, so an unbounded number (10,000 feeds
    /// coming due at start-up) would hold them all in memory at once. Feeds due beyond it wait
    /// their turn in order.
    private func launchPoll(_ url: String) {
        guard let feed = feeds[url] else { return }
        state.withLock { s in if !s.stopping { s.waiting.append(feed) } }
        startAdmitted()
    }

    /// Starts the feeds waiting, in order, as many as `admission` lets in now.
    private func startAdmitted() {
        while let next = state.withLock({ s -> (id: Int, feed: FeedSettings)? in
            guard !s.stopping, !s.waiting.isEmpty, admission.mayStart(inFlight: s.inflight.count) else { return nil }
            s.nextTask += 1
            s.inflight.insert(s.nextTask)
            return (s.nextTask, s.waiting.removeFirst())
        }) {
            start(next.id, next.feed)
        }
    }

    private func start(_ id: Int, _ feed: FeedSettings) {
        let url = feed.url
        let task = Task {
            let previous = try? self.store.feedState(url: url)
            let report = await self.poller.poll(feed, state: previous ?? nil)
            self.log(report)
            if report.result.events > 0 { for worker in self.workers { worker.wake.signal() } }
            let stopping = self.state.withLock { s -> Bool in
                s.inflight.remove(id)
                s.tasks[id] = nil
                s.polls += 1
                s.lastCycle = Timestamp.now()
                if report.error != nil { s.failures += 1 }
                return s.stopping
            }
            if !stopping {
                self.scheduler.schedule(url, at: report.nextPollAt)
                self.notifier.status(self.statusLine())
            }
            self.startAdmitted()
        }
        // The task may already have finished: keep it only while its poll is in flight.
        state.withLock { s in if s.inflight.contains(id) { s.tasks[id] = task } }
    }

    /// Lets polls in flight finish for up to `grace`, then cancels the rest: a cancelled poll has
    /// written nothing (its transaction had not started), so the store stays consistent.
    private func finishInflight(grace: Duration) async {
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.inflight.isEmpty }) { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = state.withLock { Array($0.tasks.values) }
        if !remaining.isEmpty {
            logger.notice("abandoning polls in flight", metadata: ["polls": "\(remaining.count)"])
        }
        for t in remaining { t.cancel() }
        for t in remaining { await t.value }
    }

    /// Forgets stories that left their feed more than `[stories] forget_after` ago.
    private func prune() {
        do {
            let n = try store.prune(retention: config.forgetAfter, duplicateWindow: config.acrossFeeds, now: .now())
            if n > 0 {
                logger.notice(
                    "forgot stories that left their feeds",
                    metadata: ["stories": "\(n)", "after": "\(DurationText.format(config.forgetAfter))"])
            }
        } catch {
            logger.error("cannot prune the store", metadata: ["error": "\(error)"])
        }
    }

    private func reopenOutputs() {
        for w in workers {
            do {
                try w.sink.reopen()
            } catch {
                logger.error("cannot reopen output", metadata: ["output": "\(w.name)", "error": "\(error)"])
            }
        }
        logger.notice("outputs reopened")
    }

    private func statusLine() -> String {
        let (polls, failures, last) = state.withLock { ($0.polls, $0.failures, $0.lastCycle) }
        let backlog = ((try? store.outboxCounts()) ?? [:]).values.reduce(0) { $0 + $1.pending }
        let lastPoll = last.map { ", last poll \($0.rfc3339)" } ?? ""
        return "\(config.feeds.count) feeds, \(polls) polls (\(failures) failed)\(lastPoll), outbox \(backlog)"
    }

    // MARK: - Logging

    private func log(_ r: PollReport) {
        var metadata: Logger.Metadata = ["feed": "\(RedactedURL.text(r.url))", "status": "\(r.status)"]
        if r.unrecorded {
            metadata["error"] = "\(r.error ?? "")"
            metadata["retry_at"] = "\(r.nextPollAt)"
            if let failed = state.withLock({ $0.storeFailures.failed(at: .now) }) {
                metadata["unrecorded_polls"] = "\(failed)"
                logger.error(
                    "the store cannot record polls; each feed is polled again after a backoff", metadata: metadata)
            } else {
                logger.debug("poll not recorded", metadata: metadata)
            }
            return
        }
        if let failed = state.withLock({ $0.storeFailures.recorded() }) {
            logger.notice("the store records polls again", metadata: ["unrecorded_polls": "\(failed)"])
        }
        if let error = r.error {
            metadata["error"] = "\(error)"
            metadata["failures"] = "\(r.errorStreak)"
            metadata["retry_at"] = "\(r.nextPollAt)"
            if r.errorStreak == 1 || r.errorStreak == 3 || r.errorStreak % 10 == 0 {
                logger.warning("poll failed", metadata: metadata)
            } else {
                logger.info("poll failed", metadata: metadata)
            }
            return
        }
        metadata["entries"] = "\(r.entries)"
        metadata["new"] = "\(r.result.new)"
        if r.result.updated > 0 { metadata["updated"] = "\(r.result.updated)" }
        if r.result.duplicates > 0 { metadata["duplicates"] = "\(r.result.duplicates)" }
        metadata["events"] = "\(r.result.events)"
        if r.notModified { metadata["not_modified"] = "true" }
        if let warning = r.warning { metadata["warning"] = "\(warning)" }
        // Quiet by default: a poll that found nothing new is routine (10,000 feeds would log
        // 10,000 lines a cycle); one with new stories, events or a parser warning is worth a line.
        let noteworthy = r.result.new > 0 || r.result.events > 0 || r.warning != nil
        logger.log(level: noteworthy ? .info : .debug, "polled", metadata: metadata)
    }
}
