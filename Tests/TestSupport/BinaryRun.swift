public import Foundation
import Glibc

/// Runs the built `feedwatch` binary, as a user would.
public struct BinaryRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// Runs `feedwatch args...` with `environment` added to a minimal one, and waits for it.
    /// Output goes through files (a pipe could fill up and block a chatty child).
    public static func run(
        _ args: [String], environment: [String: String] = [:], timeout: Double = 60, directory: URL? = nil
    ) async throws -> BinaryRun {
        let p = try start(args, environment: environment, directory: directory)
        return try await p.wait(timeout: timeout)
    }

    /// Runs another program (`jq`, say) to completion, the same way, waiting as `run` waits.
    public static func tool(_ executable: String, _ args: [String], timeout: Double = 60) async throws -> BinaryRun {
        try await start(args, executable: URL(fileURLWithPath: executable)).wait(timeout: timeout)
    }

    public static func start(
        _ args: [String], environment: [String: String] = [:], directory: URL? = nil, executable: URL? = nil
    ) throws -> Running {
        let dir = try TemporaryDirectory()
        let out = dir.url.appendingPathComponent("stdout")
        let err = dir.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        // The child redirects its own input and output: handing FileHandles to Process lets a
        // descriptor be closed twice, and with tests running in parallel the second close hits
        // whatever reused the number (a test server's socket).
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments =
            [
                "-c", "exec \"$0\" \"$@\" </dev/null >\"$FW_TEST_OUT\" 2>\"$FW_TEST_ERR\"",
                try executable?.path ?? Paths.binary.path,
            ] + args
        var env = [
            "PATH": "/usr/bin:/bin", "HOME": dir.url.path, "LANG": "C.UTF-8", "FW_TEST_OUT": out.path,
            "FW_TEST_ERR": err.path,
        ]
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        try process.run()
        return Running(process: process, dir: dir, out: out, err: err)
    }

    /// A child process still running.
    public final class Running: @unchecked Sendable {
        public let process: Process
        let dir: TemporaryDirectory
        let out: URL
        let err: URL

        init(process: Process, dir: TemporaryDirectory, out: URL, err: URL) {
            self.process = process
            self.dir = dir
            self.out = out
            self.err = err
        }

        /// A test that ends early (a thrown error, a failed `#require`) must not leave its
        /// daemon running after the test run.
        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        /// The shell execs feedwatch, so this is feedwatch's own process id.
        public var pid: Int32 { process.processIdentifier }

        /// What the child has written to stderr so far.
        public var stderrSoFar: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

        public func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

        /// Each thread's name, state, the kernel function it waits in, its system call and its
        /// blocked and pending signals (from /proc): what a hung child was doing.
        public func threadStates() -> String {
            let task = "/proc/\(pid)/task"
            let ids = (try? FileManager.default.contentsOfDirectory(atPath: task)) ?? []
            return ids.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { id in
                func read(_ name: String) -> String {
                    ((try? String(contentsOfFile: "\(task)/\(id)/\(name)", encoding: .utf8)) ?? "?")
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let status = read("status").split(separator: "\n")
                let fields = status.filter {
                    $0.hasPrefix("State:") || $0.hasPrefix("SigBlk:") || $0.hasPrefix("SigPnd:")
                }
                .map { $0.replacingOccurrences(of: "\t", with: " ") }
                return "\(id) \(read("comm")) wchan=\(read("wchan")) syscall=\(read("syscall").prefix(24)) "
                    + fields.joined(separator: " ")
            }.joined(separator: "\n") + "\nprocess: "
                + ((try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))
                    .map {
                        $0.split(separator: "\n").filter {
                            $0.hasPrefix("ShdPnd:") || $0.hasPrefix("SigIgn:") || $0.hasPrefix("SigCgt:")
                        }
                        .joined(separator: " ")
                    } ?? "?")
        }

        /// Waits for exit; after `timeout` seconds the child is killed and this throws. The wait
        /// suspends instead of blocking: tests share a small thread pool with in-process servers.
        public func wait(timeout: Double) async throws -> BinaryRun {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                if Date() > deadline {
                    let threads = threadStates()
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    throw TestSupportError(
                        "feedwatch did not finish within \(timeout) s; its threads:\n\(threads)\nstderr:\n\(stderrSoFar)"
                    )
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            process.waitUntilExit()
            return BinaryRun(
                status: process.terminationStatus,
                stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }
}
