import Foundation
import TestSupport
import Testing

/// A proxy named in the standard environment (`http_proxy`, `https_proxy`, `all_proxy`), as
/// libcurl reads it: requests go through it although it is on a private address, and that
/// allows the proxy alone, not its address for anything else.
@Suite("a proxy from the environment")
struct ProxyTests {
    /// A stand-in for a forward proxy: logs each request line (absolute-form through a proxy) and
    /// answers every one with a feed. Serves two connections.
    static let handler = """
        body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>through the proxy</title>'
                b'<item><title>Iraq talks</title><guid>p-1</guid></item></channel></rss>')
        def handle(c, n):
            f = c.makefile('rb')
            line = f.readline()
            while f.readline() not in (b'\\r\\n', b''):
                pass
            log.write(line.decode().strip() + '\\n')
            c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Type: application/rss+xml\\r\\nConnection: close\\r\\n'
                      b'Content-Length: %d\\r\\n\\r\\n' % len(body) + body)
            c.close()
        """

    @Test("a feed is fetched through a loopback proxy with no address allowed; its port alone is let through")
    func throughTheProxy() async throws {
        let dir = try TemporaryDirectory()
        let logFile = dir.path("requests")
        let proxy = try await PythonServer.start(Self.handler, connections: 2, logFile: logFile, in: dir)
        let p = proxy.port

        // No [fetch] allow_addresses (`parse` takes none here): the proxy is on 127.0.0.1.
        let fetched = try await BinaryRun.run(
            ["parse", "http://feeds.example/news.xml"], environment: ["http_proxy": "http://127.0.0.1:\(p)"])
        #expect(fetched.status == 0, "\(fetched.stdout) \(fetched.stderr)")
        #expect(fetched.stdout.contains("\"title\":\"through the proxy\""), "\(fetched.stdout)")
        // Named by host name, without a scheme, as libcurl also takes it.
        let byName = try await BinaryRun.run(
            ["parse", "http://feeds.example/other.xml"], environment: ["all_proxy": "localhost:\(p)"])
        #expect(byName.status == 0, "\(byName.stdout) \(byName.stderr)")

        // A request that bypasses the proxy (no_proxy) to another port of its address is refused.
        let direct = try await BinaryRun.run(
            ["parse", "http://127.0.0.1:1/feed.xml"],
            environment: ["http_proxy": "http://127.0.0.1:\(p)", "no_proxy": "127.0.0.1"])
        #expect(direct.status == 1)
        #expect(direct.stdout.contains("refused to connect to 127.0.0.1: not a public address"), "\(direct.stdout)")

        let requests = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n")
        #expect(
            requests == ["GET http://feeds.example/news.xml HTTP/1.1", "GET http://feeds.example/other.xml HTTP/1.1"])
        #expect(try await proxy.finished().status == 0)
    }
}
