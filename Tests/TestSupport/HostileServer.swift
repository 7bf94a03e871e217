import Foundation
import Glibc

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// ../shared/hostile/hostile_server.py on a free loopback port, in feed or webhook mode; stopped
/// when the value is released.
public final class HostileServer: @unchecked Sendable {
    private let process = Process()
    public let port: Int
    private let dir: TemporaryDirectory

    /// - Parameter mode: the server's arguments after the script, e.g. `["webhook", "--secret", s]`.
    public init(mode: [String]) async throws {
        dir = try TemporaryDirectory()
        let out = dir.path("stdout")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", try Paths.shared("hostile/hostile_server.py").path] + mode + [
                "--port", "0", "--lifetime", "600",
            ]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port: Int? = nil
        for _ in 0..<200 where port == nil {
            try await Task.sleep(for: .milliseconds(50))
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            port = text.split(separator: "\n").first.flatMap { line in
                line.hasPrefix("PORT ") ? Int(line.dropFirst(5)) : nil
            }
        }
        guard let port else { throw TestSupportError("hostile_server.py did not report its port") }
        self.port = port
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The webhook receiver's counters (`GET /stats`).
    public func stats() async throws -> [String: Any] {
        guard let u = URL(string: url("/stats")) else { throw TestSupportError("bad URL") }
        let (data, _) = try await URLSession.shared.data(from: u)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError("GET /stats did not answer a JSON object")
        }
        return object
    }

    /// SIGKILL, not SIGTERM: the child inherits the test runner's signal mask, in which SIGTERM is
    /// blocked, so a terminate() stayed pending and the server outlived the tests until its
    /// `--lifetime` ran out.
    deinit { kill(process.processIdentifier, SIGKILL) }
}
