import FeedwatchDaemon
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// The sd_notify side never waits on its reader: a status after every poll is sent at most once a
/// second, and a reader that stops reading costs the daemon nothing but the messages.
@Suite("sd_notify: rate and a reader that stops reading")
struct SystemdNotifierTests {
    /// Fills the reader's queue with datagrams until it takes no more.
    static func fill(_ path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        var sent = 0
        while true {
            let n = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(
                        fd, "x", 1, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL), $0,
                        socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if n < 0 { break }
            sent += 1
        }
        #expect(errno == EAGAIN && sent > 0, "\(sent) datagrams, then \(String(cString: strerror(errno)))")
    }

    /// Runs `body` on a thread of its own and says whether it returned within `seconds`: a send
    /// that blocks fails the test instead of hanging the run (the thread stays blocked). The wait
    /// is on a thread of its own too (`OwnThread`), not on the tests' small pool.
    static func returns(within seconds: Double, _ body: @escaping @Sendable () -> Void) async throws -> Bool {
        try await OwnThread.run {
            let done = DispatchSemaphore(value: 0)
            Thread {
                body()
                done.signal()
            }.start()
            return done.wait(timeout: .now() + seconds) == .success
        }
    }

    /// A clock the test moves.
    final class Clock: Sendable {
        let seconds = Mutex(1_000.0)
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
        var read: @Sendable () -> Double { { self.seconds.withLock { $0 } } }
    }

    @Test("20,000 status updates in a burst: one datagram, then one on the heartbeat, made then")
    func statusRate() async throws {
        let dir = try TemporaryDirectory()
        let socket = try NotifySocket(directory: dir)
        let clock = Clock()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path], clock: clock.read)
        #expect(try await Self.returns(within: 20) { for i in 1...20_000 { notifier.status("polls=\(i)") } })
        #expect(socket.messages == ["STATUS=polls=1"])
        clock.advance(SystemdNotifier.statusInterval / 2)
        notifier.heartbeat { "polls=20000" }  // within the interval: still held back
        #expect(socket.messages.count == 1)
        clock.advance(SystemdNotifier.statusInterval / 2)
        notifier.heartbeat { "polls=20000" }
        #expect(socket.messages == ["STATUS=polls=1", "STATUS=polls=20000"])
        clock.advance(SystemdNotifier.statusInterval)
        notifier.heartbeat { "not asked for" }  // nothing held back any more
        #expect(socket.messages.count == 2)
        notifier.status("polls=20001")  // an interval has passed: sent at once
        #expect(socket.messages.last == "STATUS=polls=20001")
    }

    @Test("a reader whose queue is full: every call returns, the state changes after trying for a while")
    func fullQueue() async throws {
        let dir = try TemporaryDirectory()
        let socket = try NotifySocket(directory: dir)
        try Self.fill(socket.path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"])
        let returned = try await Self.returns(within: 20) {
            for i in 1...1_000 {
                notifier.status("polls=\(i)")
                notifier.heartbeat { "polls=\(i)" }
            }
            notifier.ready(status: "ready")
            notifier.stopping()
        }
        #expect(returned)
        // Once the reader reads again, a state change gets through.
        _ = socket.messages
        notifier.stopping()
        #expect(socket.messages.last == "STOPPING=1")
    }
}
