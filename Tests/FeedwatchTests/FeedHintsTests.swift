import FeedwatchHTTP
import FeedwatchModel
import FeedwatchParse
import Testing

/// The numbers a feed or a server states about itself (RSS `ttl`, `sy:updatePeriod` and
/// `sy:updateFrequency`, `skipHours`, enclosure sizes, `Retry-After`): read when sensible, and
/// never able to stop the parser with an arithmetic trap, whatever their size or sign. Such a
/// trap runs on the thread every transfer shares, so it would end the daemon, and the same feed
/// would end it again after every restart.
@Suite("feed hints and numbers")
struct FeedHintsTests {
    private func parse(_ channel: String, items: String = "") -> ParseOutcome {
        let parser = FeedParser(documentURL: "https://example.org/feed.xml")
        parser.consume(
            Array(
                """
                <?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" \
                xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>\(channel)\
                <item><title>A</title><guid>a</guid></item>\(items)</channel></rss>
                """.utf8))
        return parser.finish()
    }

    @Test("ttl, sy:updatePeriod and sy:updateFrequency, skipHours and skipDays are read")
    func ordinary() {
        let outcome = parse(
            """
            <ttl>30</ttl><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>\
            <skipHours><hour>0</hour><hour>24</hour><hour>7</hour></skipHours><skipDays><day>Sunday</day></skipDays>
            """)
        #expect(outcome.feed.hints.ttl == 1800)
        #expect(outcome.feed.hints.updatePeriod == 1800)
        #expect(outcome.feed.hints.skipHours == [0, 7])
        #expect(outcome.feed.hints.skipDays == [7])
    }

    @Test(
        "a ttl of any size or sign is capped or ignored, never a trap",
        arguments: [
            ("9223372036854775807", Int64.max / 60 * 60), ("200000000000000000", Int64.max / 60 * 60),
            ("153722867280912930", 153_722_867_280_912_930 * 60), ("-9223372036854775808", nil), ("-1", nil),
            ("100000000000000000000000", nil), ("0", 0), ("1e9", nil),
        ] as [(String, Int64?)])
    func ttl(text: String, seconds: Int64?) {
        #expect(parse("<ttl>\(text)</ttl>").feed.hints.ttl == seconds)
    }

    @Test("absurd update frequencies, hours and sizes leave the entries readable")
    func absurd() {
        let huge = ["9223372036854775807", "-9223372036854775808", "0", "-1", "99999999999999999999999"]
        for value in huge {
            let outcome = parse(
                """
                <sy:updatePeriod>yearly</sy:updatePeriod><sy:updateFrequency>\(value)</sy:updateFrequency>\
                <skipHours><hour>\(value)</hour></skipHours>
                """,
                items: """
                    <item><title>B</title><guid>b</guid><enclosure url="https://example.org/b.mp3" length="\(value)" \
                    type="audio/mpeg"/><media:content url="https://example.org/b.jpg" fileSize="\(value)"/></item>
                    """)
            #expect(outcome.entries.map(\.title) == ["A", "B"], "\(value)")
            let period = outcome.feed.hints.updatePeriod ?? -1
            #expect(period >= 0 && period <= 31_536_000, "\(value): \(period)")
            #expect(outcome.feed.hints.skipHours.isEmpty || value == "0", "\(value)")
        }
    }

    @Test("Retry-After is whole seconds in ASCII digits or a date; other digits are not seconds")
    func retryAfter() {
        let now = Timestamp(seconds: 1_700_000_000)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse("99999999999999999999999", now: now) == RetryAfter.maximum)
        #expect(RetryAfter.parse("\u{663}\u{660}", now: now) == nil)  // Arabic-Indic "30"
        #expect(RetryAfter.parse("\u{BD}", now: now) == nil)  // "½"
    }

    @Test("durations run to a hundred years; longer ones, or parts summing past that, are refused, not a trap")
    func durationSum() {
        #expect(DurationText.parse("36500d") == DurationText.longest)
        #expect(DurationText.parse("36500d1ms") == nil)
        #expect(DurationText.parse("999999999w") == nil)
        #expect(DurationText.parse(String(repeating: "999999999w", count: 16)) == nil)
        #expect(DurationText.parse(String(repeating: "1000d", count: 36)) == .seconds(36_000 * 86_400))
        #expect(DurationText.parse("1h30m") == .seconds(5400))
    }
}
