import Foundation

/// Runs a Python script, for checks done by independent tools: Debian's python3 with its
/// packages (jsonschema, prometheus_client), or the test virtualenv that `make test-deps`
/// fills from PyPI (standardwebhooks).
public struct PythonScript: Sendable {
    public let status: Int32
    /// Standard output and error together.
    public let output: String

    /// Waits for the script without blocking a thread: tests share a small thread pool with
    /// in-process servers (two threads on a 2-CPU machine), and a blocked one can stall a server
    /// another test's daemon is polling.
    public static func run(venv: Bool = false, _ script: String, arguments: [String] = []) async throws
        -> PythonScript
    {
        let python =
            venv ? Paths.repository.appendingPathComponent(".build/test-venv/bin/python").path : "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestSupportError("\(python) is missing: run `make test-deps` (make test does)")
        }
        let dir = try TemporaryDirectory()
        let out = dir.path("output")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \"$0\" \"$@\" </dev/null >\"$PY_OUT\" 2>&1", python, "-c", script] + arguments
        process.environment = ["PATH": "/usr/bin:/bin", "PY_OUT": out, "LANG": "C.UTF-8"]
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        process.waitUntilExit()
        return PythonScript(
            status: process.terminationStatus, output: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }
}
