public import Foundation
import Glibc
import Synchronization

/// The sd_notify protocol, written directly: one datagram of `KEY=value` lines to the socket named
/// in `$NOTIFY_SOCKET` (a path, or an abstract socket when it starts with `@`). Without the
/// variable (not started by systemd with Type=notify) every call does nothing.
///
/// `WATCHDOG=1` is sent from the scheduler's heartbeat, at most twice per `$WATCHDOG_USEC`, so
/// that a wedged scheduler stops the pings and systemd restarts the service.
///
/// Nothing here waits on the reader. Datagrams are sent without blocking: a reader that does not
/// keep up (systemd busy, a test that stopped reading) fills the socket's queue, and a blocking
/// send then held the thread that polled, for good once every pool thread was held: the daemon
/// stopped polling and never saw SIGTERM (a 3,000-feed daemon, `ReloadTests`). `STATUS=` follows
/// every poll, so it is made and sent at most once a second; one held back is made and sent at
/// the next heartbeat, as it is then. The state changes (READY, RELOADING, STOPPING,
/// EXTEND_TIMEOUT_USEC) are tried again for up to two seconds while the queue is full, then given
/// up.
public final class SystemdNotifier: Sendable {
    private let socketPath: String?
    private let watchdogInterval: Double?
    private let lastWatchdog = Mutex<Double>(0)
    /// When the status was last sent, and whether one was held back since.
    private let statusState = Mutex<(sentAt: Double, held: Bool)>((-1, false))
    /// The least time between two `STATUS=` datagrams, in seconds.
    public static let statusInterval = 1.0

    /// The monotonic clock, in seconds: the rate of `STATUS=` and of `WATCHDOG=1` is kept by it.
    private let clock: @Sendable () -> Double

    /// - Parameter clock: seconds on a monotonic clock (the system's; tests give their own).
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        clock: @escaping @Sendable () -> Double = SystemdNotifier.monotonicSeconds
    ) {
        self.clock = clock
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = pidMatches ? environment["WATCHDOG_USEC"].flatMap(Double.init).map { $0 / 1_000_000 } : nil
    }

    public var isActive: Bool { socketPath != nil }

    public func ready(status: String) {
        statusState.withLock { $0 = (clock(), false) }
        sendPersistently("READY=1\nSTATUS=\(status)")
    }

    /// `STATUS=`, at most once per `statusInterval`: `text` is made only when it is sent; a status
    /// asked for sooner is sent by the next heartbeat.
    public func status(_ text: @autoclosure () -> String) {
        guard isActive else { return }
        let now = clock()
        let due = statusState.withLock { s -> Bool in
            guard now - s.sentAt >= Self.statusInterval else {
                s.held = true
                return false
            }
            s = (now, false)
            return true
        }
        if due { send("STATUS=\(text())") }
    }

    public func reloading() { sendPersistently("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())") }
    public func stopping() { sendPersistently("STOPPING=1") }
    /// Asks systemd to wait `seconds` more for start-up (or stop) from now: for work whose length
    /// is known to exceed the unit's timeout, such as upgrading a large store.
    public func extendTimeout(seconds: Int) { sendPersistently("EXTEND_TIMEOUT_USEC=\(seconds * 1_000_000)") }

    /// The scheduler's heartbeat: a status held back, made now by `status` once its interval has
    /// passed, and `WATCHDOG=1` if half the watchdog interval has passed since the last one.
    public func heartbeat(status: () -> String) {
        guard isActive else { return }
        let now = clock()
        let held = statusState.withLock { s -> Bool in
            guard s.held, now - s.sentAt >= Self.statusInterval else { return false }
            s = (now, false)
            return true
        }
        if held { send("STATUS=\(status())") }
        guard let interval = watchdogInterval else { return }
        let due = lastWatchdog.withLock { last -> Bool in
            guard now - last >= interval / 2 else { return false }
            last = now
            return true
        }
        if due { send("WATCHDOG=1") }
    }

    /// CLOCK_MONOTONIC, in seconds.
    public static func monotonicSeconds() -> Double { Double(monotonicMicroseconds()) / 1_000_000 }

    static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    /// A state change: tried again while the reader's queue is full, for up to two seconds.
    private func sendPersistently(_ message: String) {
        for _ in 0..<200 {
            if send(message) != EAGAIN { return }
            usleep(10_000)
        }
    }

    /// Sends one datagram without waiting; the errno of a failure (EAGAIN: the reader's queue is
    /// full), or 0.
    @discardableResult
    private func send(_ message: String) -> Int32 {
        guard let path = socketPath else { return 0 }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { return ENAMETOOLONG }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let data = Array(message.utf8)
        let sent = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                data.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), sa, length)
                }
            }
        }
        return sent < 0 ? errno : 0
    }
}
