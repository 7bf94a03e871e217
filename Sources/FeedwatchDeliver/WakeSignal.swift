import Synchronization

/// Wakes one waiting task, or remembers the wake-up for the next wait: an output worker sleeps
/// on it until new events are committed or a retry comes due.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// The timeout ended a wait whose waiter had not parked yet (its task not yet run, on a
        /// busy pool): it must not park when it does, or the wait would outlast its timeout
        /// until the next signal.
        var abandoned = false
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Returns on a signal (also one sent before the call), on `timeout`, or on cancellation.
    public func wait(timeout: Duration) async {
        if state.withLock({ s in
            defer { s.pending = false }
            return s.pending
        }) {
            return
        }
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitForSignal()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let signalled = await group.next() ?? false
            group.cancelAll()
            // The waiter may still be parked, or not yet: release it so the group can finish.
            let w = self.state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                if !signalled && s.waiter == nil { s.abandoned = true }
                return s.waiter
            }
            w?.resume()
        }
    }

    private func waitForSignal() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.abandoned {
                    s.abandoned = false
                    return true
                }
                if s.pending {
                    s.pending = false
                    return true
                }
                s.waiter = c
                return false
            }
            if resumeNow { c.resume() }
        }
    }
}
