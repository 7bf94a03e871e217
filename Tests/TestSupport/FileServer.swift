public import Foundation
import Glibc

/// Serves the files of a directory over HTTP on a free loopback port, from a Python process of
/// its own; stopped when the value is released.
///
/// For a feed a test rewrites while a daemon polls it. An in-process server shares the test
/// run's two cooperative threads with every other test, and a run busy with others left one
/// unanswered for 20 s (the webhook outage test timed out waiting for a poll). Each answer is
/// 200 with the file as it is now; no validators, so no 304 hides a change within a second.
public final class FileServer: @unchecked Sendable {
    private let process = Process()
    public let port: Int
    public let root: TemporaryDirectory

    static let script = """
        import http.server, os, sys
        root = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = os.path.basename(self.path.split('?')[0])
                try:
                    with open(os.path.join(root, name), 'rb') as f:
                        data = f.read()
                except OSError:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Type', 'application/rss+xml')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        with open(sys.argv[2] + '.tmp', 'w') as f:
            f.write(str(server.server_port))
        os.rename(sys.argv[2] + '.tmp', sys.argv[2])
        server.serve_forever()
        """

    public init() async throws {
        root = try TemporaryDirectory()
        let portFile = root.path(".port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.script, root.url.path, portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard let port = try await PythonServer.awaitPort(portFile) else {
            throw TestSupportError("the file server did not report its port")
        }
        self.port = port
    }

    public func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    /// Replaces the file `name` at once (written beside it, then renamed over it).
    public func write(_ name: String, _ data: Data) throws {
        let temporary = root.url.appendingPathComponent(".\(name).new")
        try data.write(to: temporary)
        guard rename(temporary.path, root.path(name)) == 0 else {
            throw TestSupportError("rename to \(name): errno \(errno)")
        }
    }

    /// SIGKILL: see `HostileServer`.
    deinit { kill(process.processIdentifier, SIGKILL) }
}
