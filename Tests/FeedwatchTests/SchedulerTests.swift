import FeedwatchModel
import FeedwatchSchedule
import Foundation
import Synchronization
import Testing

/// The scheduler against a wall clock that moves by steps (NTP, a clock that booted in the
/// future and was corrected): due times keep their distance from now.
@Suite("scheduler and the wall clock")
struct SchedulerTests {
    /// A wall clock the test sets.
    final class TestClock: Sendable {
        let seconds: Mutex<Int64>
        init(_ seconds: Int64) { self.seconds = Mutex(seconds) }
        func set(_ s: Int64) { seconds.withLock { $0 = s } }
        func read() -> Timestamp { Timestamp(seconds: seconds.withLock { $0 }) }
    }

    @Test("a clock set back moves the queued due times back by as much; one set forward moves nothing")
    func setBack() {
        let clock = TestClock(1_800_000_000)
        let scheduler = Scheduler(label: "test.schedule", clock: { clock.read() })
        func next() -> Int64? { scheduler.snapshot().next?.seconds }
        let yearBack: Int64 = 1_800_000_000 - 365 * 86_400
        scheduler.schedule("a", at: Timestamp(seconds: 1_800_000_600))
        #expect(next() == 1_800_000_600)
        clock.set(yearBack)
        #expect(next() == yearBack + 600)
        // A time given after the step is already on the new clock.
        scheduler.schedule("b", at: Timestamp(seconds: yearBack + 60))
        scheduler.remove("a")
        #expect(next() == yearBack + 60)
        clock.set(1_900_000_000)  // forward: "b" is simply overdue
        #expect(next() == yearBack + 60)
    }

    @Test("a feed due in a second is polled in about a second although the clock went back an hour meanwhile")
    func firesAfterSetBack() async throws {
        let clock = TestClock(1_800_000_000)
        let scheduler = Scheduler(label: "test.schedule.fire", heartbeat: .seconds(1), clock: { clock.read() })
        let fired = Mutex<[String]>([])
        scheduler.start(onDue: { keys in fired.withLock { $0 += keys } })
        defer { scheduler.stop() }
        scheduler.schedule("a", at: Timestamp(seconds: 1_800_000_002))
        _ = scheduler.snapshot()  // the schedule is in
        clock.set(1_800_000_000 - 3600)
        // The test clock stands still: advance it as real time passes, an hour behind. Each look
        // comes a sleep after the clock was last moved, so that the scheduler has seen it even
        // when this task is kept waiting (a loaded machine once held it 20 s, past a deadline
        // checked right after moving the clock).
        let start = ContinuousClock.now
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            if !fired.withLock({ $0.isEmpty }) { break }
            let elapsed = (ContinuousClock.now - start).components.seconds
            clock.set(1_800_000_000 - 3600 + elapsed)
        }
        #expect(fired.withLock { $0 } == ["a"])
    }
}
