import FlyingFox
import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon under a pretend systemd: the notify protocol, reload on SIGHUP (valid and broken
/// configurations), `status` while it runs, and a clean, bounded stop on SIGTERM.
@Suite("systemd: notify, reload, stop")
struct SystemdTests {
    static func feed(_ items: [(guid: String, title: String)]) -> Data {
        let body = items.map {
            "<item><title>\($0.title)</title><link>http://example.org/\($0.guid)</link><guid>\($0.guid)</guid>"
                + "<pubDate>\(OnceTests.rfc822(Date()))</pubDate><description>Baghdad.</description></item>"
        }.joined()
        return Data("<rss version=\"2.0\"><channel><title>Wire</title>\(body)</channel></rss>".utf8)
    }

    static func config(dir: TemporaryDirectory, feeds: [String]) -> String {
        var text = """
            interval = "2s"
            state_dir = "\(dir.path("state"))"
            log_dir = "\(dir.path("log"))"
            [fetch]
            allow_addresses = ["127.0.0.1/32"]
            [[watch]]
            name = "iraq"
            match = 'Iraq* OR Baghdad'
            backlog = 10
            [[output]]
            name = "events"
            type = "jsonl"
            path = "events.jsonl"

            """
        for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n" }
        return text
    }

    static func titles(_ dir: TemporaryDirectory) throws -> [String] {
        try OnceTests.linesSoFar(dir.path("log/events.jsonl")).compactMap {
            ($0["story"] as? [String: Any])?["title"] as? String
        }
    }

    static func waitUntil(timeout: Double = 20, _ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("timed out waiting for \(what)")
    }

    @Test(
        "READY, STATUS and WATCHDOG; status while running; reload kept on a broken file and applied on a good one; SIGTERM stops it"
    )
    func lifecycle() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/a.xml", Self.feed([("a1", "Baghdad talks resume")]))
        await server.serve("/b.xml", Self.feed([("b1", "Iraq budget passes")]))
        let path = dir.path("feedwatch.toml")
        try Self.config(dir: dir, feeds: [server.url("/a.xml")]).write(toFile: path, atomically: true, encoding: .utf8)
        let notify = try NotifySocket(directory: dir)
        let daemon = try BinaryRun.start(
            ["run", "--config", path], environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        let ready = try await notify.wait(for: "READY=1")
        #expect(notify.messages[ready].contains("STATUS="))
        let firstPing = try await notify.wait(for: "WATCHDOG=1", after: ready)
        try await notify.wait(for: "WATCHDOG=1", after: firstPing + 1)
        try await Self.waitUntil("the first story") { try Self.titles(dir) == ["Baghdad talks resume"] }

        // status reads the store while the daemon writes it.
        let status = try await BinaryRun.run(["status", "--config", path, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let feeds = try #require(report["feeds"] as? [[String: Any]])
        #expect(feeds.count == 1)
        #expect((feeds.first?["polls"] as? Int ?? 0) >= 1)
        #expect(feeds.first?["last_status"] as? Int == 200)

        // A broken file: RELOADING, then READY again on the running configuration.
        let good = try String(contentsOfFile: path, encoding: .utf8)
        try (good + "[[feed]]\nurl = \"gopher://nowhere\"\n").write(toFile: path, atomically: true, encoding: .utf8)
        let before = notify.messages.count
        daemon.signal(SIGHUP)
        let reloading = try await notify.wait(for: "RELOADING=1", after: before)
        try await notify.wait(for: "READY=1", after: reloading)
        try await Self.waitUntil("the reload error in the log") {
            daemon.stderrSoFar.contains("configuration not reloaded")
        }
        #expect(daemon.process.isRunning)

        // A good file with a second feed: its story arrives, the first is not announced again.
        try Self.config(dir: dir, feeds: [server.url("/a.xml"), server.url("/b.xml")])
            .write(toFile: path, atomically: true, encoding: .utf8)
        let before2 = notify.messages.count
        daemon.signal(SIGHUP)
        let reloading2 = try await notify.wait(for: "RELOADING=1", after: before2)
        try await notify.wait(for: "READY=1", after: reloading2)
        try await Self.waitUntil("the new feed's story") { try Self.titles(dir).count == 2 }
        #expect(try Self.titles(dir) == ["Baghdad talks resume", "Iraq budget passes"])

        // SIGTERM: STOPPING, then a clean exit within the unit's TimeoutStopSec.
        let before3 = notify.messages.count
        daemon.signal(SIGTERM)
        try await notify.wait(for: "STOPPING=1", after: before3)
        let end = try await daemon.wait(timeout: 30)
        #expect(end.status == 0, "\(end.stderr)")
        #expect(try Self.titles(dir).count == 2)
    }
}
