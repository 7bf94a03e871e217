import FeedwatchDaemon
import FeedwatchModel
import Testing

@Suite struct PollTimingTests {
    let now = Timestamp(seconds: 1_800_000_000)

    private func delay(_ t: Timestamp) -> Int64 { t.seconds - now.seconds }

    @Test("after a success, the feed's interval, jittered by ±10 %")
    func success() {
        for _ in 0..<200 {
            let d = delay(PollTiming.next(after: now, interval: .seconds(600), errorStreak: 0, retryAfter: nil))
            #expect((540...660).contains(d), "\(d)")
        }
    }

    @Test("after failures, a minute doubling per failure in a row, up to six hours")
    func backoff() {
        for (streak, base) in [(1, 60), (2, 120), (3, 240), (8, 7_680), (9, 15_360), (10, 21_600), (60, 21_600)] {
            for _ in 0..<50 {
                let d = delay(
                    PollTiming.next(after: now, interval: .seconds(600), errorStreak: streak, retryAfter: nil))
                #expect(
                    Double(d) >= Double(base) * 0.9 - 1 && Double(d) <= Double(base) * 1.1, "streak \(streak): \(d)")
            }
        }
    }

    @Test("a stored next poll is resumed as it is, unless further away than any poll could have put it")
    func resumed() {
        func r(_ delay: Int64, status: Int? = 200, max: Int64 = 3600) -> Int64 {
            PollTiming.resumed(
                now.adding(seconds: delay), now: now, lastStatus: status, maxInterval: .seconds(max)
            ).seconds - now.seconds
        }
        #expect(r(3_900) == 3_900)  // an interval with its jitter
        #expect(r(86_401, status: 429) == 86_401)  // the longest Retry-After, kept across a restart
        #expect(r(365 * 86_400) == 86_401)  // made by a clock a year ahead
        #expect(r(365 * 86_400, max: 7 * 86_400) == 7 * 86_400 + 7 * 8_640 + 1)
        #expect(r(PollTiming.goneInterval, status: 410) == PollTiming.goneInterval)
        #expect(r(365 * 86_400, status: 410) == PollTiming.goneInterval + 1)
    }

    @Test("never sooner than a Retry-After, whatever the jitter")
    func retryAfter() {
        for _ in 0..<200 {
            let d = delay(
                PollTiming.next(after: now, interval: .seconds(60), errorStreak: 1, retryAfter: .seconds(7_200)))
            #expect(d >= 7_201, "\(d)")
        }
    }

    @Test("a poll the store could not record comes again after the failure backoff, never later than planned")
    func unrecorded() {
        let hourLater = now.adding(seconds: 3_600)
        for _ in 0..<200 {
            // An hourly feed is asked again within about a minute, then two, then four...
            let first = delay(PollTiming.afterUnrecorded(planned: hourLater, now: now, failures: 1, retryAfter: nil))
            #expect((54...66).contains(first), "\(first)")
            let third = delay(PollTiming.afterUnrecorded(planned: hourLater, now: now, failures: 3, retryAfter: nil))
            #expect((216...264).contains(third), "\(third)")
            // ... and never later than its own schedule: a feed due in 10 s keeps it.
            let soon = now.adding(seconds: 10)
            #expect(PollTiming.afterUnrecorded(planned: soon, now: now, failures: 1, retryAfter: nil) == soon)
            #expect(
                PollTiming.afterUnrecorded(planned: hourLater, now: now, failures: 30, retryAfter: nil) == hourLater)
        }
        // A Retry-After still holds (the planned time already honours it).
        let asked = now.adding(seconds: 1_801)
        let d = PollTiming.afterUnrecorded(planned: asked, now: now, failures: 1, retryAfter: .seconds(1_800))
        #expect(d == asked)
    }
}
