import Dispatch
public import FeedwatchModel

/// Runs callbacks when feeds come due, from one `DispatchSourceTimer` over a priority queue.
///
/// There is never a timer or a thread per feed: the single timer is re-armed for the earliest
/// due time whenever the queue changes. It also fires at least every `heartbeat`, so that the
/// `onTick` callback proves the scheduler's queue is alive (the systemd watchdog is fed from it:
/// a wedged scheduler stops the pings).
///
/// Due times are wall-clock instants (they are stored, and publishers' dates are wall-clock). When
/// the wall clock is set back (an NTP step, a clock that booted in the future and was corrected),
/// every queued time is moved back by as much, so that a feed due in ten minutes stays due in ten
/// minutes rather than in ten minutes plus the step. A clock set forward needs nothing: what it
/// passed over is due at once.
///
/// All state lives on the scheduler's serial queue; the public methods hop onto it. That
/// confinement is what `@unchecked Sendable` rests on.
public final class Scheduler: @unchecked Sendable {
    private let queue: DispatchQueue
    /// Made in `start()`: libdispatch traps when a source is released while still suspended, so a
    /// scheduler that never starts must never own one.
    private var timer: (any DispatchSourceTimer)?
    private let heartbeat: Duration
    private var heap = DueHeap()
    private var onDue: @Sendable ([String]) -> Void = { _ in }
    private var onTick: @Sendable () -> Void = {}
    private var running = false
    private var armedFor: Int64 = .max
    private let clock: @Sendable () -> Timestamp
    /// The latest wall-clock second seen, to notice the clock being set back.
    private var lastNow: Int64?

    /// - Parameter clock: the wall clock (a test's own in tests).
    public init(
        label: String = "feedwatch.schedule", heartbeat: Duration = .seconds(10),
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        queue = DispatchQueue(label: label)
        self.heartbeat = heartbeat
        self.clock = clock
    }

    /// The wall clock now, after moving the queue back by however far the clock was set back
    /// since it was last read.
    private func now() -> Int64 {
        let now = clock().seconds
        if let last = lastNow, now < last {
            heap.shift(by: now - last)
            armedFor = .max
        }
        lastNow = now
        return now
    }

    /// Starts firing. `onDue` receives the keys that came due (on the scheduler's queue; it must
    /// not block); `onTick` is called on every wake-up.
    public func start(onDue: @escaping @Sendable ([String]) -> Void, onTick: @escaping @Sendable () -> Void = {}) {
        queue.async { [self] in
            guard timer == nil else { return }
            self.onDue = onDue
            self.onTick = onTick
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.fire() }
            timer = t
            running = true
            t.resume()
            rearm()
        }
    }

    /// Stops the timer; nothing fires after this returns.
    public func stop() {
        queue.sync {
            guard running else { return }
            running = false
            timer?.cancel()
        }
    }

    /// Puts `key` in the queue at `due`, replacing any earlier entry for it.
    public func schedule(_ key: String, at due: Timestamp) {
        queue.async { [self] in
            // A due time computed before the clock was set back is moved with the queue; one
            // given after it (reading the clock first here) is not.
            _ = now()
            heap.set(key, due.seconds)
            rearm()
        }
    }

    public func remove(_ key: String) {
        queue.async { [self] in
            heap.remove(key)
            rearm()
        }
    }

    /// The earliest due time and how many keys are queued (for status lines).
    public func snapshot() -> (next: Timestamp?, count: Int) {
        queue.sync {
            _ = now()
            return (heap.peek().map { Timestamp(seconds: $0.due) }, heap.count)
        }
    }

    private func fire() {
        guard running else { return }
        onTick()
        let now = now()
        var due: [String] = []
        while let top = heap.peek(), top.due <= now {
            heap.remove(top.key)
            due.append(top.key)
        }
        armedFor = .max
        if !due.isEmpty { onDue(due) }
        rearm()
    }

    private func rearm() {
        guard running else { return }
        let now = now()
        let next = min(heap.peek()?.due ?? .max, now + heartbeat.seconds)
        guard next != armedFor else { return }
        armedFor = next
        let delay = max(0, next - now)
        timer?.schedule(deadline: .now() + .seconds(Int(delay)), leeway: .milliseconds(200))
    }
}

/// A binary min-heap of (due time, key) with one live entry per key; replaced entries are
/// skipped lazily when they surface.
struct DueHeap {
    private var items: [(due: Int64, key: String)] = []
    private var current: [String: Int64] = [:]

    var count: Int { current.count }

    mutating func set(_ key: String, _ due: Int64) {
        current[key] = due
        items.append((due, key))
        siftUp(items.count - 1)
    }

    mutating func remove(_ key: String) { current[key] = nil }

    /// Moves every due time by `delta` seconds: the order stays the same.
    mutating func shift(by delta: Int64) {
        for i in items.indices { items[i].due += delta }
        current = current.mapValues { $0 + delta }
    }

    mutating func peek() -> (due: Int64, key: String)? {
        while let top = items.first {
            if current[top.key] == top.due { return top }
            popTop()
        }
        return nil
    }

    private mutating func popTop() {
        items.swapAt(0, items.count - 1)
        items.removeLast()
        siftDown(0)
    }

    private mutating func siftUp(_ i: Int) {
        var i = i
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].due < items[parent].due else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var i = i
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var smallest = i
            if l < items.count && items[l].due < items[smallest].due { smallest = l }
            if r < items.count && items[r].due < items[smallest].due { smallest = r }
            if smallest == i { return }
            items.swapAt(i, smallest)
            i = smallest
        }
    }
}
