public import Foundation
import Glibc
import Synchronization

/// The sd_notify protocol, written directly: one datagram of `KEY=value` lines to the socket named
/// in `$NOTIFY_SOCKET` (a path, or an abstract socket when it starts with `@`). Without the
/// variable (not started by systemd with Type=notify) every call does nothing.
///
/// `WATCHDOG=1` is sent from the scheduler's heartbeat, at most twice per `$WATCHDOG_USEC`, so
/// that a wedged scheduler stops the pings and systemd restarts the service.
public final class SystemdNotifier: Sendable {
    private let socketPath: String?
    private let watchdogInterval: Double?
    private let lastWatchdog = Mutex<Double>(0)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = pidMatches ? environment["WATCHDOG_USEC"].flatMap(Double.init).map { $0 / 1_000_000 } : nil
    }

    public var isActive: Bool { socketPath != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ status: String) { send("STATUS=\(status)") }
    public func reloading() { send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())") }
    public func stopping() { send("STOPPING=1") }
    /// Asks systemd to wait `seconds` more for start-up (or stop) from now: for work whose length
    /// is known to exceed the unit's timeout, such as upgrading a large store.
    public func extendTimeout(seconds: Int) { send("EXTEND_TIMEOUT_USEC=\(seconds * 1_000_000)") }

    /// Sends `WATCHDOG=1` if half the watchdog interval has passed since the last one.
    public func watchdog() {
        guard let interval = watchdogInterval else { return }
        let now = Double(Self.monotonicMicroseconds()) / 1_000_000
        let due = lastWatchdog.withLock { last -> Bool in
            guard now - last >= interval / 2 else { return false }
            last = now
            return true
        }
        if due { send("WATCHDOG=1") }
    }

    static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    private func send(_ message: String) {
        guard let path = socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let data = Array(message.utf8)
        _ = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                data.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
            }
        }
    }
}
