import FeedwatchHTTP
import FeedwatchModel

/// What a publisher says about how often to poll it, and where that puts a feed's next poll.
///
/// After a successful poll the configured interval is lengthened to the longest of the
/// publisher's hints (HTTP `Cache-Control: max-age` or `Expires`, RSS `ttl`, `sy:updatePeriod` /
/// `sy:updateFrequency`), then kept within `[min_interval, max_interval]`; a next poll that would
/// fall in an RSS `skipHours` hour or `skipDays` day (GMT) moves to the first hour outside them,
/// but never beyond `max_interval`. Hints never shorten the configured interval: a publisher may
/// ask to be polled less, not more.
enum PublisherHints {
    /// Seconds the response may be cached for: `max-age` (not with `no-cache`/`no-store`), else
    /// `Expires` minus the response's `Date` (or now).
    static func cacheLifetime(_ headers: HTTPHeaders, now: Timestamp) -> Int64? {
        if let cc = headers["cache-control"]?.lowercased() {
            let directives = cc.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }
            if directives.contains(where: { $0 == "no-cache" || $0 == "no-store" }) { return nil }
            for d in directives where d.hasPrefix("max-age=") {
                if let v = Int64(d.dropFirst(8)), v >= 0 { return v }
            }
        }
        guard let expires = headers["expires"].flatMap(DateParser.parse) else { return nil }
        let base = headers["date"].flatMap(DateParser.parse) ?? now
        return max(0, expires.seconds - base.seconds)
    }

    /// The delay in seconds until the next poll after a success.
    static func delay(
        configured: Duration, hints: PollHints?, cacheLifetime: Int64?, minimum: Duration, maximum: Duration
    ) -> Int64 {
        var delay = configured.seconds
        for hint in [hints?.ttl, hints?.updatePeriod, cacheLifetime] {
            if let hint { delay = max(delay, hint) }
        }
        return min(max(delay, minimum.seconds), maximum.seconds)
    }

    /// `at`, moved out of the skipped hours and days (GMT), at most to `limit`.
    static func skipping(_ at: Timestamp, hints: PollHints?, limit: Timestamp) -> Timestamp {
        guard let hints, !hints.skipHours.isEmpty || !hints.skipDays.isEmpty else { return at }
        var t = at
        for _ in 0..<(8 * 24) {
            let hour = Int((t.seconds % 86_400) / 3600)
            // 1970-01-01 was a Thursday (4 with Monday = 1).
            let weekday = Int(((t.seconds / 86_400) + 3) % 7) + 1
            if !hints.skipHours.contains(hour) && !hints.skipDays.contains(weekday) { return t }
            t = Timestamp(seconds: (t.seconds / 3600 + 1) * 3600)  // the next full hour
            if t > limit { return limit }
        }
        return at
    }
}
