import Foundation
import Glibc

/// Plays systemd's side of the sd_notify protocol: a datagram socket at a path, given to the
/// daemon as `$NOTIFY_SOCKET`, that collects what the daemon says.
public final class NotifySocket: @unchecked Sendable {
    // `fd` is set once; `received` is guarded by `lock`.
    private let fd: Int32
    public let path: String
    private let lock = NSLock()
    private var received: [String] = []

    public init(directory: TemporaryDirectory) throws {
        path = directory.path("notify.sock")
        fd = socket(
            AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw TestSupportError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { throw TestSupportError("bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Reads whatever datagrams have arrived.
    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            let message = String(decoding: buffer[0..<n], as: UTF8.self)
            lock.withLock { received.append(message) }
        }
    }

    /// Every datagram received so far.
    public var messages: [String] {
        drain()
        return lock.withLock { received }
    }

    /// Waits until a datagram has a line equal to `line` (e.g. "READY=1") after the first
    /// `after` datagrams; returns its index. Throws after `timeout` seconds.
    @discardableResult
    public func wait(for line: String, after: Int = 0, timeout: Double = 20) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let all = messages
            if let i = all.indices.first(where: {
                $0 >= after && all[$0].split(separator: "\n").contains { $0 == line }
            }) {
                return i
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("no \(line) within \(timeout) s; received: \(messages)")
    }
}
