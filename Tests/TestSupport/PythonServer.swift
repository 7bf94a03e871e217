import Foundation

/// A loopback server whose connections a Python function answers, run in the background for
/// one test: for servers that misbehave in ways an HTTP library will not (bytes past a
/// Content-Length, a forward proxy).
///
/// `handler` defines `handle(c, n)`, called on a thread of its own with each accepted socket and
/// its number from 1; it may write lines to `log`, the file `logFile`. The server accepts
/// `connections` connections (or waits 10 s for one), lets their handlers finish, and ends.
public struct PythonServer: Sendable {
    public let port: Int
    private let run: Task<PythonScript, any Error>

    static func script(_ handler: String, connections: Int) -> String {
        """
        import os, socket, sys, threading
        log = open(sys.argv[2], 'a', buffering=1)
        \(handler)
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', 0)); s.listen(8); s.settimeout(10)
        with open(sys.argv[1] + '.tmp', 'w') as p:
            p.write(str(s.getsockname()[1]))
        os.rename(sys.argv[1] + '.tmp', sys.argv[1])
        threads = []
        try:
            for n in range(1, \(connections) + 1):
                c, _ = s.accept()
                t = threading.Thread(target=handle, args=(c, n)); t.start(); threads.append(t)
        except socket.timeout:
            pass
        for t in threads:
            t.join(10)
        """
    }

    public static func start(
        _ handler: String, connections: Int, logFile: String, in dir: TemporaryDirectory
    ) async throws -> PythonServer {
        let portFile = dir.path("python-server.port")
        let script = Self.script(handler, connections: connections)
        let run = Task { try await PythonScript.run(script, arguments: [portFile, logFile]) }
        guard let port = try await awaitPort(portFile) else {
            run.cancel()
            throw TestSupportError("the Python server did not report its port")
        }
        return PythonServer(port: port, run: run)
    }

    /// What the script printed and its exit status, once it has ended.
    public func finished() async throws -> PythonScript { try await run.value }

    /// The port a server writes to `file` (beside it, then renamed) once it listens; nil if none
    /// comes within 10 s.
    static func awaitPort(_ file: String) async throws -> Int? {
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), let port = Int(text) { return port }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
