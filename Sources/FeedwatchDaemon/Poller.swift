public import FeedwatchConfig
public import FeedwatchFetch
import FeedwatchHTTP
import FeedwatchMatch
public import FeedwatchModel
import FeedwatchNormalise
import FeedwatchParse
public import FeedwatchStore
public import Logging
import Synchronization

/// What one poll of one feed did, for logs, `once`'s exit code and the scheduler.
public struct PollReport: Sendable {
    public let url: String
    public let status: Int
    /// Why the poll failed; nil on success (including 304).
    public let error: String?
    /// A problem the parser recovered from (not well-formed, truncated).
    public let warning: String?
    public let notModified: Bool
    public let entries: Int
    public let result: RecordResult
    public let errorStreak: Int
    public let nextPollAt: Timestamp
    /// The store could not record this poll (`error` says why): the store's failure, not the feed's.
    public let unrecorded: Bool
}

/// One poll of one feed, through every stage: fetch, parse (streamed inside the fetch),
/// normalise, then record and match in one store transaction that also writes the events.
///
/// Immutable: a configuration reload builds a new poller.
public final class Poller: Sendable {
    private let fetcher: FeedFetcher
    private let store: any Store
    private let matcher: Matcher
    private let watches: [String: WatchSettings]
    private let defaultInterval: Duration
    private let minInterval: Duration
    private let acrossFeeds: Duration?
    private let unreliableFeeds = Mutex(Set<String>())
    /// Consecutive polls of each feed that the store could not record (a full disk, a read-only
    /// file system): counted here, because the store, rolled back, keeps no trace of them.
    private let unrecorded = Mutex([String: Int]())
    private let maxInterval: Duration
    private let logger: Logger
    /// The JSON-lines outputs: where feed.failing and feed.recovered are written.
    private let healthOutputs: [String]
    /// Counts the stories waiting for the store's writer, which decides when further polls start.
    private let admission: PollAdmission

    public init(fetcher: FeedFetcher, store: any Store, config: Config, admission: PollAdmission, logger: Logger) {
        self.fetcher = fetcher
        self.admission = admission
        self.store = store
        self.matcher = config.matcher
        self.watches = Dictionary(config.watches.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.defaultInterval = config.interval
        self.minInterval = config.fetch.minInterval
        self.acrossFeeds = config.acrossFeeds
        self.maxInterval = config.fetch.maxInterval
        self.logger = logger
        self.healthOutputs = config.outputs.compactMap { o in
            if case .jsonl = o.kind { return o.name } else { return nil }
        }
    }

    public func poll(_ feed: FeedSettings, state: FeedState?) async -> PollReport {
        let clock = ContinuousClock()
        let start = clock.now
        let report = await pollOnce(feed, state: state)
        let elapsed = clock.now - start
        let m = Metrics.shared
        let outcome = report.error != nil ? "error" : (report.notModified ? "not_modified" : "ok")
        m.increment("feedwatch_polls_total", labels: Metrics.labels(["outcome": outcome]))
        m.observe(
            "feedwatch_poll_duration_seconds",
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        m.increment("feedwatch_stories_total", labels: Metrics.labels(["state": "new"]), by: UInt64(report.result.new))
        m.increment(
            "feedwatch_stories_total", labels: Metrics.labels(["state": "seen"]), by: UInt64(report.result.seen))
        m.increment("feedwatch_events_total", by: UInt64(report.result.events))
        return report
    }

    private func pollOnce(_ feed: FeedSettings, state: FeedState?) async -> PollReport {
        // A feed seen moved permanently in enough polls in a row is fetched at its new address.
        let moved = state.flatMap { $0.movedCount >= FeedHealth.movedAfter ? $0.movedTo : nil }
        let result = await fetcher.fetch(
            url: moved ?? feed.url, etag: state?.etag, lastModified: state?.lastModified)
        let now = Timestamp.now()
        let interval = feed.interval ?? defaultInterval
        var stories: [Story] = []
        var title: String? = nil
        var error: String? = nil
        var warning: String? = nil
        var entries = 0
        var hints: PollHints? = nil
        switch result.outcome {
        case .feed(let outcome):
            hints = outcome.feed.hints
            stories = BacklogRank.oldestFirst(Normaliser.stories(from: outcome.entries), now: now)
            entries = outcome.entryCount
            title = feed.name ?? outcome.feed.title
            warning = outcome.problem?.description
        case .notModified:
            break
        case .failed(let reason):
            error = reason
        }
        let streak = error == nil ? 0 : (state?.errorStreak ?? 0) + 1
        let wanted = PublisherHints.delay(
            configured: interval, hints: hints, cacheLifetime: PublisherHints.cacheLifetime(result.headers, now: now),
            minimum: minInterval, maximum: maxInterval)
        var next = PollTiming.next(
            after: now, interval: .seconds(wanted), errorStreak: streak, retryAfter: result.retryAfter)
        if error == nil {
            next = PublisherHints.skipping(next, hints: hints, limit: now.adding(seconds: maxInterval.seconds))
        }
        if result.status == 410 {
            // Gone: the publisher says the feed will not come back. Asking again every few hours
            // would be rude; once a month notices a feed restored, and the log says what to do.
            error =
                "HTTP 410 Gone: the publisher removed this feed; polling it once a month from now on "
                + "(remove it from the configuration, or fix its URL and reload)"
            next = now.adding(seconds: PollTiming.goneInterval)
        }
        var poll = PollRecord(
            polledAt: now, status: result.status, etag: result.etag, lastModified: result.lastModified,
            notModified: { if case .notModified = result.outcome { return true } else { return false } }(),
            error: error, nextPollAt: next, title: title)
        poll.movedTo = movedTo(result, fetchedMoved: moved != nil, failed: error != nil)
        if let to = poll.movedTo, moved == nil, state?.movedTo == to,
            (state?.movedCount ?? 0) + 1 == FeedHealth.movedAfter
        {
            logger.notice(
                "feed moved permanently; fetching its new address from now on (update the configuration)",
                metadata: ["feed": "\(RedactedURL.text(feed.url))", "moved_to": "\(RedactedURL.text(to))"])
        }
        let ranks = BacklogRank.ranks(oldestFirst: stories)
        let polledAt = poll.polledAt
        var recorded = RecordResult()
        var reportedStreak = streak
        var unrecordedPoll = false
        do {
            recorded = try await admission.waitingForWriter(stories) {
                try await store.record(
                    feedURL: feed.url, poll: poll, stories: stories, duplicateWindow: acrossFeeds,
                    decide: { new in self.events(for: new, rank: ranks[new.story.key] ?? 0) },
                    health: { change, title in
                        let (id, payload) = EventRenderer.feedHealth(
                            change, feedURL: feed.url, feedTitle: title, at: polledAt)
                        return self.healthOutputs.map { OutboxEntry(output: $0, eventID: id, payload: payload) }
                    })
            }
            unrecorded.withLock { _ = $0.removeValue(forKey: feed.url) }
        } catch let e {
            error = "\(e)"
            unrecordedPoll = true
            let failures = unrecorded.withLock { f -> Int in
                let n = f[feed.url, default: 0] + 1
                f[feed.url] = n
                return n
            }
            reportedStreak = max(streak, failures)
            next = PollTiming.afterUnrecorded(
                planned: next, now: now, failures: failures, retryAfter: result.retryAfter)
        }
        noteUnreliableIDs(feed.url, recorded, of: stories.count)
        return PollReport(
            url: feed.url, status: result.status, error: error, warning: warning, notModified: poll.notModified,
            entries: entries, result: recorded, errorStreak: reportedStreak, nextPollAt: next,
            unrecorded: unrecordedPoll)
    }

    /// Says once per feed (per process) when more than 5 % of a document's ids did not identify
    /// their stories, as FreshRSS does: the operator learns why this feed's stories are identified
    /// by link and text; nothing else changes, that fallback is the identity model for every feed.
    private func noteUnreliableIDs(_ url: String, _ r: RecordResult, of count: Int) {
        guard r.unreliableIDs > 0, r.unreliableIDs * 20 > count else { return }
        guard unreliableFeeds.withLock({ $0.insert(url).inserted }) else { return }
        logger.notice(
            "this feed's ids (guids) are unreliable: they change between polls or name several stories; its stories are identified by their link and text",
            metadata: ["feed": "\(RedactedURL.text(url))", "stories": "\(count)", "unreliable": "\(r.unreliableIDs)"])
    }

    /// Where this poll says the feed now lives: the end of a chain of permanent redirects (301,
    /// 308) that led to a successful answer, or, when the new address was fetched directly and
    /// answered, that address. nil otherwise, which also falls back to the configured URL after a
    /// failure at the new one.
    private func movedTo(_ result: FetchResult, fetchedMoved: Bool, failed: Bool) -> String? {
        guard !failed else { return nil }
        guard result.redirects.allSatisfy({ $0.status == 301 || $0.status == 308 }) else { return nil }
        if result.redirects.isEmpty && !fetchedMoved { return nil }
        return result.effectiveURL.isEmpty ? nil : result.effectiveURL
    }

    /// The events a new story, or a new version of a known one, causes: one per output its
    /// matching watches go to (for a new version, the watches whose `updates` policy admits it).
    private func events(for new: StorySighting, rank: Int) -> [OutboxEntry] {
        let e = new.story.entry
        // On a feed's first poll, only stories inside some watch's backlog can be reported: the
        // archive of a newly added feed is recorded as seen without being matched at all.
        var admitted: Set<String>? = nil
        if new.isFirstPoll {
            let names = watches.values.filter {
                BacklogRank.admits($0.backlog, story: new.story, rank: rank, now: new.detectedAt)
            }.map(\.name)
            guard !names.isEmpty else { return [] }
            admitted = Set(names)
        }
        let text = StoryText(entry: e, feedTitle: new.feedTitle, feedURL: new.feedURL)
        var matches = matcher.match(text)
        if let admitted { matches = matches.filter { admitted.contains($0.watch) } }
        if let update = new.update {
            matches = matches.filter { m in
                switch watches[m.watch]?.updates ?? .title {
                case .none: false
                case .title: update.titleChanged
                case .all: true
                }
            }
        }
        guard !matches.isEmpty else { return [] }
        let id = EventRenderer.eventID(new)
        var byOutput: [String: [WatchMatch]] = [:]
        var order: [String] = []
        for m in matches {
            for output in watches[m.watch]?.outputs ?? [] {
                if byOutput[output] == nil { order.append(output) }
                byOutput[output, default: []].append(m)
            }
        }
        return order.map { output in
            OutboxEntry(
                output: output, eventID: id,
                payload: EventRenderer.story(new, id: id, matches: byOutput[output] ?? []))
        }
    }
}

/// When a feed is polled next.
public enum PollTiming {
    /// How often a feed that answered 410 Gone is asked again: 30 days.
    public static let goneInterval: Int64 = 30 * 86_400

    /// How far a delay strays from its nominal value, either way: feeds added together drift apart.
    static let jitter = 0.1

    /// After a success, the feed's interval. After failures, 1 minute doubling with each
    /// consecutive failure up to 6 hours, and never sooner than a `Retry-After`. Every delay is
    /// jittered by ±10 % so that feeds added together drift apart.
    public static func next(after now: Timestamp, interval: Duration, errorStreak: Int, retryAfter: Duration?)
        -> Timestamp
    {
        var delay: Int64
        if errorStreak == 0 {
            delay = interval.seconds
        } else {
            delay = min(60 << Int64(min(errorStreak - 1, 20)), 6 * 3600)
        }
        var jittered = Int64(Double(delay) * Double.random(in: (1 - jitter)...(1 + jitter)))
        // The jitter spreads feeds; it never brings a poll before the publisher's Retry-After (+1 s
        // for the part of the current second `now` rounded away).
        if let retryAfter { jittered = max(jittered, retryAfter.seconds + 1) }
        return now.adding(seconds: max(1, jittered))
    }
}

extension PollTiming {
    /// When a feed whose poll the store could not record (a full disk) is polled next. Nothing of
    /// that poll was kept, not even its validators, so the next poll fetches the whole document
    /// again and finds its stories new. It comes after the failure backoff for `failures` such
    /// polls in a row, so that a store that stays full does not make feedwatch hammer publishers,
    /// and never later than `planned`, so that a story does not leave its feed unrecorded meanwhile.
    public static func afterUnrecorded(planned: Timestamp, now: Timestamp, failures: Int, retryAfter: Duration?)
        -> Timestamp
    {
        min(planned, next(after: now, interval: .zero, errorStreak: max(1, failures), retryAfter: retryAfter))
    }
}

extension PollTiming {
    /// A feed's stored next poll as the daemon resumes it (at start, or on reload), kept unless it
    /// lies further from now than any poll could have put it under this configuration: a month
    /// for a feed that answered 410 Gone, otherwise the longer of `max_interval` (with its jitter)
    /// and the longest `Retry-After` honoured. A stored time beyond that was made by a clock that
    /// was ahead (one that booted in the future, since corrected) or under a longer `max_interval`,
    /// and would otherwise leave the feed unpolled for as long.
    public static func resumed(_ stored: Timestamp, now: Timestamp, lastStatus: Int?, maxInterval: Duration)
        -> Timestamp
    {
        let longest =
            lastStatus == 410
            ? goneInterval + 1
            : max(maxInterval.seconds + Int64(Double(maxInterval.seconds) * jitter), RetryAfter.maximum.seconds) + 1
        return min(stored, now.adding(seconds: longest))
    }
}

/// The backlog policy applied on a feed's first poll.
enum BacklogRank {
    /// The position of each story counted from the newest, read off stories already in
    /// `oldestFirst` order (the newest is last): no second sort per poll.
    static func ranks(oldestFirst stories: [Story]) -> [[UInt8]: Int] {
        var out: [[UInt8]: Int] = [:]
        for (i, story) in stories.enumerated() { out[story.key] = stories.count - 1 - i }
        return out
    }

    /// The stories in the order they are announced: oldest first, as a reader of a chat channel
    /// or a log expects (by publication date; undated stories count as published now). Feeds list
    /// newest first, so stories with the same date keep the reverse of document order.
    /// Sorted as positions, then gathered: a story is a large value, and sorting (position,
    /// story) pairs copied each story twice.
    static func oldestFirst(_ stories: [Story], now: Timestamp) -> [Story] {
        let dates = stories.map { effectiveDate($0, now: now) }
        let order = stories.indices.sorted { a, b in dates[a] != dates[b] ? dates[a] < dates[b] : a > b }
        return order.map { stories[$0] }
    }

    static func effectiveDate(_ s: Story, now: Timestamp) -> Timestamp {
        guard let p = s.entry.published ?? s.entry.updated, p <= now else { return now }
        return p
    }

    static func admits(_ backlog: Backlog, story: Story, rank: Int, now: Timestamp) -> Bool {
        switch backlog {
        case .none: return false
        case .count(let n): return rank < n
        case .window(let d): return now.seconds - effectiveDate(story, now: now).seconds <= d.seconds
        }
    }
}
