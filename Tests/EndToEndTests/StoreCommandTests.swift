import FlyingFox
import Foundation
import TestSupport
import Testing

/// `feedwatch store`: pruning forgets only stories that left their feed, so restart and prune
/// cycles announce nothing again; forget and export; stats.
@Suite("store: prune, forget, export, stats")
struct StoreCommandTests {
    @Test("prune forgets a story that left its feed, never one still in it; nothing is announced again")
    func pruneCycles() async throws {
        let feed = try await StoreIdentityTests.FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try StoreIdentityTests.Daemon(feedURL: feed.server.url("/feed.xml"))
        func item(_ n: Int) -> (String, String, String, String) {
            ("s\(n)", "Iraq story \(n)", "http://example.org/\(n)", "Body \(n).")
        }
        feed.serve(items: [item(1), item(2)])
        #expect(try await daemon.poll().sorted() == ["Iraq story 1", "Iraq story 2"])
        try await Task.sleep(for: .seconds(2))
        feed.serve(items: [item(2), item(3)])  // story 1 left the feed
        #expect(try await daemon.poll() == ["Iraq story 3"])
        try await Task.sleep(for: .seconds(2))

        let stats = try await BinaryRun.run(["store", "stats", "--json", "--config", daemon.config])
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(figures["stories"] as? Int == 3)
        #expect(figures["left_their_feed"] as? Int == 1)
        let dry = try await BinaryRun.run(["store", "prune", "--after", "1s", "--dry-run", "--config", daemon.config])
        #expect(dry.stdout.hasPrefix("1 stories"), "\(dry.stdout)")
        // Story 2 is as old as story 1, but still in the feed: kept.
        let pruned = try await BinaryRun.run(["store", "prune", "--after", "1s", "--config", daemon.config])
        #expect(pruned.stdout.hasPrefix("forgot 1 stories"), "\(pruned.stdout)")
        for _ in 0..<3 {
            #expect(try await daemon.poll().isEmpty)
            _ = try await BinaryRun.run(["store", "prune", "--after", "1s", "--config", daemon.config])
        }
        let export = try await BinaryRun.run(["store", "export", "--config", daemon.config])
        let rows = export.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rows.compactMap { $0["title"] as? String }.sorted() == ["Iraq story 2", "Iraq story 3"])
        #expect(rows.allSatisfy { $0["key_source"] as? String == "id" && ($0["content_hash"] as? String)?.count == 64 })
    }

    @Test("forget --feed: the feed's next poll is a first poll again, within each watch's backlog")
    func forgetFeed() async throws {
        let feed = try await StoreIdentityTests.FeedServer()
        defer { Task { await feed.server.stop() } }
        var daemon = try StoreIdentityTests.Daemon(feedURL: feed.server.url("/feed.xml"))
        feed.serve(items: [("f1", "Iraq story", "http://example.org/f1", "Body.")])
        #expect(try await daemon.poll().count == 1)
        let url = feed.server.url("/feed.xml")
        let forget = try await BinaryRun.run(["store", "forget", "--feed", url, "--config", daemon.config])
        #expect(forget.stdout == "forgot \(url) and its 1 stories\n", "\(forget.stderr)")
        #expect(try await daemon.poll().count == 1)  // backlog = 100 in this configuration
        let unknown = try await BinaryRun.run([
            "store", "forget", "--feed", "http://nowhere.invalid/", "--config", daemon.config,
        ])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("does not know the feed"))
    }
}
