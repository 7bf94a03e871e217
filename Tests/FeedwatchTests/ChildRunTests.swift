import FeedwatchConfig
import FeedwatchDaemon
import Foundation
import Glibc
import TestSupport
import Testing

/// `ChildRun` with real programs: what goes in comes out whatever the pipes hold, and each way a
/// child can end (exit status, signal, too slow, too talkative, never started) is told apart.
/// `ChildConfigReader` falls back to reading the file itself when the child gives no usable answer.
@Suite("child processes: ChildRun and the configuration's child")
struct ChildRunTests {
    /// On a thread of its own (`OwnThread`): a child's run blocks its thread while it lasts.
    static func run(
        _ program: String, _ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(20),
        maxOutput: Int = 64 << 20
    ) async throws -> ChildRun.Outcome {
        try await OwnThread.run {
            try ChildRun.run(
                executable: program, arguments: [program] + arguments, input: input, timeout: timeout,
                maxOutput: maxOutput)
        }
    }

    @Test("4 MB through cat: input written while output is read, past both pipes' buffers")
    func roundTrip() async throws {
        let input = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let outcome = try await Self.run("/bin/cat", [], input: input)
        #expect(outcome.status == 0)
        #expect(outcome.signal == nil)
        #expect(outcome.output == Data(input))
    }

    @Test("the exit status, or the signal that ended the child")
    func endings() async throws {
        let exited = try await Self.run("/bin/sh", ["-c", "exit 3"])
        #expect(exited.status == 3 && exited.signal == nil)
        let killed = try await Self.run("/bin/sh", ["-c", "kill -TERM $$"])
        #expect(killed.status == nil && killed.signal == SIGTERM)
        // A child that exits without reading its input: the write fails (EPIPE), the run does not.
        let early = try await Self.run("/bin/true", [], input: [UInt8](repeating: 0x61, count: 1 << 20))
        #expect(early.status == 0)
    }

    @Test("the child starts with an empty signal mask")
    func signalMask() async throws {
        // grep reads its own mask, the one it started with (a shell would show its own, set while
        // it waits for a command).
        let outcome = try await Self.run("/bin/grep", ["SigBlk", "/proc/self/status"])
        let line = String(decoding: outcome.output, as: UTF8.self)
        #expect(line.hasPrefix("SigBlk:") && line.hasSuffix("0000000000000000\n"), "\(line)")
    }

    @Test("the child inherits no descriptor but its standard input, output and error")
    func descriptorsClosed() async throws {
        // Opened without close-on-exec, as some libraries open theirs.
        let fd = open("/dev/null", O_RDONLY)
        try #require(fd > 2)
        defer { close(fd) }
        let outcome = try await Self.run("/usr/bin/readlink", ["/proc/self/fd/\(fd)"])
        #expect(
            outcome.status == 1,
            "the child could read descriptor \(fd): \(String(decoding: outcome.output, as: UTF8.self))")
        let own = try await Self.run("/usr/bin/readlink", ["/proc/self/fd/1"])
        #expect(own.status == 0 && String(decoding: own.output, as: UTF8.self).hasPrefix("pipe:"))
    }

    @Test("too slow: killed at the deadline and reported")
    func timeout() async {
        let started = ContinuousClock.now
        await #expect {
            try await Self.run("/bin/sleep", ["600"], timeout: .milliseconds(300))
        } throws: { error in
            "\(error)".contains("took longer than")
        }
        // Not the ten minutes the child would have slept (a generous bound: a loaded machine).
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("a child that closes its output and runs on is killed at the deadline too")
    func closesOutputAndRunsOn() async {
        let started = ContinuousClock.now
        await #expect {
            try await Self.run("/bin/sh", ["-c", "exec >&-; sleep 600"], timeout: .milliseconds(300))
        } throws: { error in
            "\(error)".contains("took longer than")
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("too much output: killed past the cap and reported")
    func tooLong() async {
        await #expect {
            try await Self.run("/usr/bin/yes", [], maxOutput: 100_000)
        } throws: { error in
            "\(error)".contains("wrote more than 100000 bytes")
        }
    }

    @Test("a program that cannot be started is reported, not run")
    func cannotStart() async {
        await #expect {
            try await Self.run("/nonexistent/feedwatch", [])
        } throws: { error in
            "\(error)".contains("cannot start /nonexistent/feedwatch")
        }
    }

    @Test(
        "no usable answer from the child (not started, not a document, killed): the file is read here, with the reason",
        arguments: ["/nonexistent/feedwatch", "/bin/echo", "/bin/false"])
    func fallback(executable: String) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("feedwatch.toml")
        try ConfigDecodeTests.everyKey.write(toFile: path, atomically: true, encoding: .utf8)
        let (config, reasons) = try await OwnThread.run {
            var reasons: [String] = []
            let config = try ChildConfigReader.load(path: path, executable: executable, environment: [:]) {
                reasons.append($0)
            }
            return (config, reasons)
        }
        #expect(reasons.count == 1, "\(reasons)")
        #expect(config.watches.map(\.name) == ["iraq", "baghdad"])
        #expect(config.feeds.count == 2)
    }
}
