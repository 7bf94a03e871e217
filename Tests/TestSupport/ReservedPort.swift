import Glibc

/// A loopback TCP port held bound but not listening: connections to it are refused, as to a
/// receiver that is down, and no other server (another test's, asking the kernel for any free
/// port) can take it in the meantime. `release()` frees it for the test's own server.
public final class ReservedPort: @unchecked Sendable {
    public let port: UInt16
    private var fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(errno)") }
        guard let port = bindLoopback(fd, port: 0) else {
            close(fd)
            throw TestSupportError("bind: \(errno)")
        }
        self.fd = fd
        self.port = port
    }

    public func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}

/// Binds socket `fd` to 127.0.0.1:`port` (0: one the kernel picks); the port bound, or nil.
func bindLoopback(_ fd: Int32, port: UInt16) -> UInt16? {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
            bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
        }
    }
    return bound ? UInt16(bigEndian: address.sin_port) : nil
}
