public import FlyingFox
import FlyingSocks
public import Foundation
import Glibc
import Synchronization

/// An HTTP server on 127.0.0.1 with a port the kernel picks, for tests that need the real thing.
///
/// Routes are closures; every request is recorded (method, path, headers, body) so a test can
/// assert on what a client sent.
public final class LoopbackServer: Sendable {
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let headers: [String: String]
        public let body: Data
    }

    private let server: HTTPServer
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    private let log = Mutex<[Request]>([])
    public let port: UInt16

    /// Starts a server; add routes with `route` before sending requests to them.
    /// - Parameter port: 0 for one the kernel picks; a given one to come back on a port a test
    ///   had closed (a receiver that was down).
    public init(port: UInt16 = 0) async throws {
        // A given port was just freed by the test (a receiver coming back up); with tests running
        // in parallel another socket may hold it for a moment, and FlyingFox reports a failed
        // bind only as a listening timeout. Wait until the port can be bound, and say so if never.
        if port != 0 { try await Self.waitUntilFree(port) }
        // FlyingFox's request log would bury the test report; failures show in assertions.
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), timeout: 5, logger: .disabled)
        let s = server
        task.withLock { $0 = Task { try await s.run() } }
        try await server.waitUntilListening(timeout: 10)
        let address = await server.listeningAddress
        guard case .ip4(_, let port)? = address else {
            throw TestSupportError("loopback server did not report a port")
        }
        self.port = port
    }

    /// Waits up to 10 s for `port` on 127.0.0.1 to be bindable (as the server binds it, with
    /// SO_REUSEADDR).
    private static func waitUntilFree(_ port: UInt16) async throws {
        let deadline = Date().addingTimeInterval(10)
        var lastError: Int32 = 0
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestSupportError("socket: errno \(errno)") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = bindLoopback(fd, port: port) != nil
            lastError = errno
            close(fd)
            if bound { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError(
            "127.0.0.1:\(port) could not be bound for 10 s (errno \(lastError)): another socket holds it")
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Adds a route ("GET /feed.xml", "POST /hook", "GET /files/*"). The handler's requests are
    /// recorded before it runs.
    public func route(_ route: String, _ handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) async
    {
        await server.appendRoute(HTTPRoute(stringLiteral: route)) { [self] request in
            var headers: [String: String] = [:]
            for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
            let body = (try? await request.bodyData) ?? Data()
            var copy = request
            copy.setBodyData(body)
            self.log.withLock {
                $0.append(Request(method: request.method.rawValue, path: request.path, headers: headers, body: body))
            }
            return try await handler(copy)
        }
    }

    /// Serves fixed bytes with a content type at `path`.
    public func serve(_ path: String, _ body: Data, contentType: String = "application/rss+xml") async {
        await route("GET \(path)") { _ in
            HTTPResponse(statusCode: .ok, headers: [.contentType: contentType], body: body)
        }
    }

    public var requests: [Request] { log.withLock { $0 } }

    public func stop() async {
        await server.stop(timeout: 0)
        task.withLock { $0?.cancel() }
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
