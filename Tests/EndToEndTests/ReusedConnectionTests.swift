import Foundation
import TestSupport
import Testing

/// A connection kept open after one feed's answer must not fail the next feed's poll: a server
/// that sends bytes beyond an answer's Content-Length (as ../shared/hostile's `/lying-length`
/// does) leaves them on the connection, and the next request over it reads them as its answer.
@Suite("a reused connection")
struct ReusedConnectionTests {
    /// Every connection's first answer is a feed followed by bytes beyond its Content-Length, sent
    /// once the next request has come over that connection (which then reads them first). Logs
    /// "connection path" per request; serves two connections.
    static let handler = """
        def feed(path):
            return ('<?xml version="1.0"?><rss version="2.0"><channel><title>' + path + '</title><item>'
                    '<title>Iraq talks ' + path + '</title><guid>' + path + '-1</guid></item></channel></rss>').encode()
        def handle(c, n):
            f = c.makefile('rb')
            first = True
            while True:
                line = f.readline()
                if not line:
                    return
                while f.readline() not in (b'\\r\\n', b''):
                    pass
                path = line.split()[1].decode()
                log.write('%d %s\\n' % (n, path))
                if not first:
                    c.sendall(b'<item><title>beyond the Content-Length</title></item>'); c.close(); return
                first = False
                body = feed(path)
                c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Type: application/rss+xml\\r\\nContent-Length: %d\\r\\n\\r\\n'
                          % len(body) + body)
        """

    @Test("a GET that reads no answer over a reused connection is sent again, once, over a new one")
    func retriedOnANewConnection() async throws {
        let dir = try TemporaryDirectory()
        let logFile = dir.path("requests")
        let server = try await PythonServer.start(Self.handler, connections: 2, logFile: logFile, in: dir)
        let p = server.port
        // One transfer at a time to the host, so that the second poll reuses the first's connection.
        let config = dir.path("feedwatch.toml")
        try """
        state_dir = "\(dir.path("state"))"
        log_dir = "\(dir.path("log"))"
        [fetch]
        allow_addresses = ["127.0.0.1/32"]
        per_host = 1
        [[feed]]
        url = "http://127.0.0.1:\(p)/a"
        [[feed]]
        url = "http://127.0.0.1:\(p)/b"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config])
        let ended = try await server.finished()
        #expect(ended.status == 0, "\(ended.output)")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("poll failed"), "\(run.stderr)")
        // The first poll on connection 1, the second there too (reading the excess), then again
        // on connection 2.
        let requests = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(requests.count == 3, "\(requests)")
        if requests.count == 3 {
            let second = requests[1].dropFirst(2)
            #expect(requests[0].hasPrefix("1 ") && requests[1].hasPrefix("1 ") && requests[0] != requests[1])
            #expect(requests[2] == "2 \(second)", "\(requests)")
        }
    }
}
