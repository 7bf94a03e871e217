import Dispatch
public import FeedwatchConfig
import FeedwatchModel
import Glibc

/// Serves `GET /metrics` (Prometheus text format) on a loopback address.
///
/// Deliberately small: one listening socket watched by a Dispatch read source on a serial queue;
/// each connection is read for at most 8 KiB or two seconds, answered, and closed (HTTP/1.0, no
/// keep-alive). Anything but `GET /metrics` gets 404; a malformed request gets 400. All state is
/// confined to `queue`, hence `@unchecked Sendable`.
public final class MetricsServer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "feedwatch.metrics")
    private let fd: Int32
    private let source: any DispatchSourceRead
    private let gauges: @Sendable () -> [String: [String: Double]]
    public let address: MetricsAddress

    /// Binds and listens; `gauges` supplies the figures read at scrape time (outbox depth).
    public init(address: MetricsAddress, gauges: @escaping @Sendable () -> [String: [String: Double]])
        throws(DaemonError)
    {
        self.address = address
        self.gauges = gauges
        let v6 = address.host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .metrics("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = address.port.bigEndian
            inet_pton(AF_INET6, address.host, &a.sin6_addr)
            bound = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = address.port.bigEndian
            inet_pton(AF_INET, address.host, &a.sin_addr)
            bound = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw .metrics("listen on \(address): \(why)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptAll() }
        source.setCancelHandler { close(fd) }
        source.resume()
    }

    public func stop() { source.cancel() }

    private func acceptAll() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            // Accepted sockets inherit O_NONBLOCK on some systems; the reads below rely on timeouts.
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK)
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            request.append(contentsOf: buffer[0..<n])
            if request.count >= 4, request.suffix(4).elementsEqual([13, 10, 13, 10]) { break }
        }
        let line = request.split(separator: 10, maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let parts = line.split(separator: " ")
        let response: String
        if parts.count < 2 {
            response = Self.response(400, "Bad Request", "text/plain", "bad request\n")
        } else if parts[0] == "GET" && (parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?")) {
            let body = Metrics.shared.render(gauges: gauges())
            response = Self.response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", body)
        } else {
            response = Self.response(404, "Not Found", "text/plain", "only /metrics is served here\n")
        }
        let bytes = Array(response.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    private static func response(_ code: Int, _ reason: String, _ type: String, _ body: String) -> String {
        "HTTP/1.0 \(code) \(reason)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(body)"
    }
}
