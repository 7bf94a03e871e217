import FeedwatchHTTP
import FeedwatchModel
import Testing

@testable import FeedwatchDaemon

/// How publisher hints move a feed's next poll, within the configured bounds.
@Suite("publisher hints")
struct PublisherHintsTests {
    static func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
        var h = HTTPHeaders()
        for (n, v) in pairs { h.add(n, v) }
        return h
    }

    @Test("hints lengthen the interval, never shorten it, and stay within min and max")
    func delay() {
        func d(_ configured: Int64, ttl: Int64? = nil, period: Int64? = nil, cache: Int64? = nil) -> Int64 {
            PublisherHints.delay(
                configured: .seconds(configured), hints: PollHints(ttl: ttl, updatePeriod: period),
                cacheLifetime: cache, minimum: .seconds(60), maximum: .seconds(3600))
        }
        #expect(d(600) == 600)
        #expect(d(600, ttl: 1800) == 1800)  // RSS ttl asks for less often
        #expect(d(600, ttl: 60) == 600)  // and never for more often
        #expect(d(600, period: 86_400) == 3600)  // sy:updatePeriod daily, capped at max_interval
        #expect(d(600, cache: 7200) == 3600)
        #expect(d(30) == 60)  // below min_interval
    }

    @Test("Cache-Control max-age, no-cache, and Expires against Date")
    func cacheLifetime() {
        let now = Timestamp(seconds: 1_700_000_000)
        #expect(PublisherHints.cacheLifetime(Self.headers([("Cache-Control", "public, max-age=600")]), now: now) == 600)
        #expect(
            PublisherHints.cacheLifetime(Self.headers([("Cache-Control", "no-cache, max-age=600")]), now: now) == nil)
        let expires = Self.headers([
            ("Date", "Tue, 14 Nov 2023 22:13:20 GMT"), ("Expires", "Tue, 14 Nov 2023 22:43:20 GMT"),
        ])
        #expect(PublisherHints.cacheLifetime(expires, now: now) == 1800)
        #expect(PublisherHints.cacheLifetime(HTTPHeaders(), now: now) == nil)
    }

    @Test("skipHours and skipDays move the next poll out of them, at most to the limit")
    func skipping() {
        // 2023-11-14 (a Tuesday) 03:10 GMT.
        let at = Timestamp(seconds: 1_699_931_400)
        let night = PollHints(skipHours: [0, 1, 2, 3, 4, 5])
        #expect(PublisherHints.skipping(at, hints: night, limit: at.adding(seconds: 86_400)).seconds == 1_699_941_600)
        #expect(PublisherHints.skipping(at, hints: night, limit: at.adding(seconds: 600)) == at.adding(seconds: 600))
        let tuesday = PollHints(skipDays: [2])
        let wednesday = PublisherHints.skipping(at, hints: tuesday, limit: at.adding(seconds: 7 * 86_400))
        #expect(wednesday.seconds == 1_699_920_000 + 86_400)  // Wednesday 00:00 GMT
        #expect(PublisherHints.skipping(at, hints: PollHints(), limit: at) == at)
    }
}
