import Foundation

/// A Python script serving on a port it picks, run in the background for one test, for servers
/// that misbehave in ways an HTTP library will not (bytes past a Content-Length, a forward proxy).
///
/// The script is given the name of a file to write its port to (written beside it, then renamed)
/// and then `arguments`; it ends by itself.
public struct PythonServer: Sendable {
    public let port: Int
    private let run: Task<PythonScript, any Error>

    public static func start(_ script: String, arguments: [String] = [], in dir: TemporaryDirectory) async throws
        -> PythonServer
    {
        let portFile = dir.path("python-server.port")
        let run = Task { try await PythonScript.run(script, arguments: [portFile] + arguments) }
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                return PythonServer(port: port, run: run)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        run.cancel()
        throw TestSupportError("the Python server did not report its port")
    }

    /// What the script printed and its exit status, once it has ended.
    public func finished() async throws -> PythonScript { try await run.value }
}
