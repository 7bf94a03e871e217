import Foundation

/// Runs long synchronous work on a thread of its own, for tests.
///
/// Tests run on the cooperative pool, two threads on a 2-CPU machine, which also serves the
/// in-process HTTP servers that daemons under test poll. A test computing for seconds on a pool
/// thread (two at once take both) leaves those servers unanswered, and another test's daemon
/// then times out on them. Work measured in seconds goes here instead.
public enum OwnThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = "test-work"
            thread.start()
        }
    }
}
