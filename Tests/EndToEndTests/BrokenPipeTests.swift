import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon's standard output and error are pipes more often than files (`feedwatch run | jq`,
/// a container runtime, journald's stream): when the reading end goes away, the daemon's next log
/// line must fail as a write, not end the process with SIGPIPE.
@Suite("a log pipe whose reader is gone")
struct BrokenPipeTests {
    static func feed(_ titles: [String]) -> Data {
        let items = titles.enumerated().map { i, title in
            "<item><title>\(title)</title><guid>s\(i)</guid><pubDate>\(OnceTests.rfc822(Date()))</pubDate></item>"
        }
        return Data("<rss version=\"2.0\"><channel><title>Wire</title>\(items.joined())</channel></rss>".utf8)
    }

    @Test("the daemon keeps polling and writing events after its log's reader exits, and stops cleanly")
    func readerGone() async throws {
        let dir = try TemporaryDirectory()
        let server = try await FileServer()
        var titles = ["Baghdad story 0"]
        try server.write("feed.xml", Self.feed(titles))
        let config = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [server.url("feed.xml")])
            .replacingOccurrences(of: "[fetch]\n", with: "[fetch]\nmin_interval = \"1s\"\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        // The daemon logs into a FIFO; `head` reads one byte of it and exits, so that every later
        // log line meets a pipe without a reader. The script's status is the daemon's.
        let script = """
            set -u
            mkfifo "$FIFO"
            "$FW" run --config "$CONFIG" >"$FIFO" 2>&1 &
            daemon=$!
            echo "$daemon" > "$PIDFILE"
            head -c 1 "$FIFO" >/dev/null
            touch "$GONE"
            wait "$daemon"
            """
        let run = try BinaryRun.start(
            ["-c", script],
            environment: [
                "FW": try Paths.binary.path, "CONFIG": config, "FIFO": dir.path("log.fifo"),
                "PIDFILE": dir.path("daemon.pid"), "GONE": dir.path("reader-gone"),
            ],
            executable: URL(fileURLWithPath: "/bin/sh"))
        try await SystemdTests.waitUntil("the log's reader to exit") {
            FileManager.default.fileExists(atPath: dir.path("reader-gone"))
        }
        let pid = try #require(Int32(String(contentsOfFile: dir.path("daemon.pid"), encoding: .utf8).trimmed))
        // Two new stories, one after the other: each poll that finds one logs a line into the
        // dead pipe, so the second event is written only by a daemon that survived the first.
        for n in 1...2 {
            titles.append("Baghdad story \(n)")
            try server.write("feed.xml", Self.feed(titles))
            try await SystemdTests.waitUntil(timeout: 30, "the event for story \(n)") {
                try SystemdTests.titles(dir).contains("Baghdad story \(n)")
            }
        }
        #expect(kill(pid, 0) == 0, "the daemon is still running")
        kill(pid, SIGTERM)
        let result = try await run.wait(timeout: 30)
        #expect(result.status == 0, "the daemon stopped on SIGTERM with status \(result.status)")
        // Every story once: the one already there (`backlog = 10`) and each new one. (Their order
        // depends on whether the first poll came before story 1 was published.)
        #expect(try SystemdTests.titles(dir).sorted() == ["Baghdad story 0", "Baghdad story 1", "Baghdad story 2"])
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
