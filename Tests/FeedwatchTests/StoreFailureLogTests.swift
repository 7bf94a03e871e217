import Testing

@testable import FeedwatchDaemon

@Suite struct StoreFailureLogTests {
    @Test("a line at the first failure, then at most one a minute with the count since the last; the count on recovery")
    func spacing() {
        var log = StoreFailureLog()
        let t0 = ContinuousClock.now
        #expect(log.recorded() == nil, "no failures yet: nothing to say")
        #expect(log.failed(at: t0) == 1)
        for s in 1...59 { #expect(log.failed(at: t0 + .seconds(s)) == nil) }
        #expect(log.failed(at: t0 + .seconds(60)) == 60, "the 59 unsaid and this one")
        #expect(log.failed(at: t0 + .seconds(61)) == nil)
        #expect(log.recorded() == 62)
        #expect(log.recorded() == nil)
        // After a recovery, the next failure is news at once.
        #expect(log.failed(at: t0 + .seconds(62)) == 1)
    }
}
