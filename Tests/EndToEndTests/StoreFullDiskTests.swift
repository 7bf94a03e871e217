import FlyingFox
import Foundation
import Glibc
import TestSupport
import Testing

/// The store on a file system that fills up: a real tmpfs, mounted in a mount namespace of the
/// daemon's own, so that SQLite meets a real ENOSPC. (The store goes with the namespace: what the
/// daemon recorded is read off the events it wrote.)
@Suite("store on a full disk")
struct StoreFullDiskTests {
    /// A feed whose stories do not fit in the 1 MB file system: each has a body of its own.
    static func feed(stories: Int) -> Data {
        let items = (1...stories).map { i in
            let body = (0..<1_000).map { "w\(i)x\($0)" }.joined(separator: " ")
            return "<item><title>Baghdad story \(i)</title><link>http://example.org/s\(i)</link><guid>s\(i)</guid>"
                + "<pubDate>\(OnceTests.rfc822(Date()))</pubDate><description>\(body)</description></item>"
        }
        return Data("<rss version=\"2.0\"><channel><title>Wire</title>\(items.joined())</channel></rss>".utf8)
    }

    @Test(
        "polls the full store cannot record: one log line for all feeds, the daemon stays up and, once there is room, records every story and writes each event once"
    )
    func fullThenRoom() async throws {
        let dir = try TemporaryDirectory()
        // The feeds from a process of their own (`FileServer`): the daemon's polls must be answered
        // while the rest of the test run keeps this process's threads busy (an in-process server
        // left them unanswered for 30 s in a full run).
        let server = try await FileServer()
        let stories = 150
        // Two feeds with the same stories (copies of each other: each story announced once), each
        // poll writing more than the disk holds.
        let urls = (1...2).map { server.url("feed\($0).xml") }
        for n in 1...2 { try server.write("feed\(n).xml", Self.feed(stories: stories)) }
        let path = dir.path("feedwatch.toml")
        // At debug level, each poll the store did not record has a line of its own.
        let config =
            "log_level = \"debug\"\n"
            + SystemdTests.config(dir: dir, feeds: urls)
            .replacingOccurrences(of: "backlog = 10", with: "backlog = 1000")
            .replacingOccurrences(of: "[fetch]\n", with: "[fetch]\nmin_interval = \"1s\"\n")
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir.path("state"), withIntermediateDirectories: true)

        // The state directory becomes a 1 MB tmpfs seen only by the daemon; the script makes room
        // (a larger size) when the test asks, and stops the daemon with SIGTERM when it asks
        // again. Its own PID namespace: if the test ends early and kills `unshare`, the daemon
        // goes with it.
        let script = """
            set -eu
            mount -t tmpfs -o size=1m feedwatch-test "$STATE"
            "$FW" run --config "$CONFIG" &
            daemon=$!
            while [ ! -e "$ROOM" ]; do sleep 0.1; done
            mount -o remount,size=64m "$STATE"
            while [ ! -e "$STOP" ]; do sleep 0.1; done
            kill -TERM "$daemon"
            wait "$daemon"
            """
        let user = getuid() == 0 ? [] : ["--map-root-user"]
        let daemon = try BinaryRun.start(
            // `--mount-proc`: a /proc of the namespace's own, so that a crash report (which reads
            // the threads' entries in it) is complete.
            user + ["--mount", "--pid", "--fork", "--mount-proc", "--kill-child", "/bin/sh", "-c", script],
            environment: [
                "STATE": dir.path("state"), "FW": try Paths.binary.path, "CONFIG": path,
                "ROOM": dir.path("room"), "STOP": dir.path("stop"),
            ],
            executable: URL(fileURLWithPath: "/usr/bin/unshare"))
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        do {
            try await SystemdTests.waitUntil(timeout: 30, "the store's failure in the log") {
                daemon.stderrSoFar.contains("disk is full")
            }
        } catch {
            Issue.record("the daemon's log so far:\n\(daemon.stderrSoFar.suffix(4000))")
            throw error
        }
        // Every feed fails (every 2 s, its interval, sooner than the failure backoff); the log says
        // so once at error level, naming the first, within the minute. The rest are debug lines.
        func failed() -> [Substring] {
            daemon.stderrSoFar.split(separator: "\n").filter { $0.contains("disk is full") }
        }
        try await SystemdTests.waitUntil(timeout: 30, "a failed poll of every feed") {
            let lines = failed()
            return urls.allSatisfy { url in lines.contains { $0.contains("feed=\(url) ") } }
        }
        let errors = failed().filter { !$0.contains(" debug ") }
        #expect(errors.count == 1, "\(daemon.stderrSoFar)")
        let failure = try #require(errors.first)
        #expect(failure.contains("error the store cannot record polls"), "\(failure)")
        #expect(
            urls.contains { failure.contains("feed=\($0)") } && failure.contains("unrecorded_polls=1"), "\(failure)")
        #expect(daemon.process.isRunning, "\(daemon.stderrSoFar)")
        #expect(try SystemdTests.titles(dir).isEmpty)

        // Room again: the next poll (the feed's 2 s interval, sooner than the failure backoff)
        // fetches the whole document again and finds every story new.
        #expect(FileManager.default.createFile(atPath: dir.path("room"), contents: nil))
        do {
            try await SystemdTests.waitUntil(timeout: 60, "every story's event") {
                try SystemdTests.titles(dir).count >= stories
            }
        } catch {
            Issue.record("\(error): \(daemon.stderrSoFar)")
            throw error
        }
        // The log says how many polls went unrecorded: at least one of each feed's, and the first.
        let recovered = try #require(
            daemon.stderrSoFar.split(separator: "\n").first { $0.contains("the store records polls again") })
        let count = recovered.split(separator: " ").first { $0.hasPrefix("unrecorded_polls=") }
        #expect((count.flatMap { Int($0.dropFirst("unrecorded_polls=".count)) } ?? 0) >= 2, "\(recovered)")
        try await Task.sleep(for: .seconds(3))  // another poll or two: nothing announced again
        #expect(FileManager.default.createFile(atPath: dir.path("stop"), contents: nil))
        let end = try await daemon.wait(timeout: 30)
        #expect(end.status == 0, "\(end.stderr)")

        let lines = try OnceTests.lines(dir.path("log/events.jsonl"))
        #expect(lines.compactMap { $0["seq"] as? Int } == Array(1...stories))
        let titles = Set(try SystemdTests.titles(dir))
        #expect(titles == Set((1...stories).map { "Baghdad story \($0)" }))
    }
}
