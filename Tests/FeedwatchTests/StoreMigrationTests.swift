import FeedwatchModel
import FeedwatchNormalise
import Foundation
import GRDB
import TestSupport
import Testing

@testable import FeedwatchStore

/// A store written by an earlier version opens in this one with nothing lost: what replays read,
/// and what forgetting removes.
@Suite("store: upgrading a store written by an earlier version")
struct StoreMigrationTests {
    static let t0 = Timestamp(seconds: 1_800_000_000)

    /// A store at schema v6 (stop 19's), with two feeds: stories with text of every kind, and one
    /// with none.
    static func v6Store(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(queue, upTo: "v6")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO feed(id, url, title) VALUES (1, 'https://a.example/rss', 'A')")
            try db.execute(sql: "INSERT INTO feed(id, url, title) VALUES (2, 'https://b.example/rss', 'B')")
            let insert = """
                INSERT INTO story(feed_id, key, key_source, content_hash, link_hash, text_hash, title, link,
                    published, first_seen_at, last_seen_at, summary, content, categories, authors)
                VALUES (?, ?, 'id', ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)
                """
            let rows: [(Int64, UInt8, String, String, String, String, String)] = [
                (1, 3, "Talks on the coalition", "Baghdad and Washington talk.", "", "Iraq\nUS", "Ann"),
                (1, 1, "Bare headline", "", "", "", ""),
                (2, 2, "Advisers stay", "", String(repeating: "Long body. ", count: 300), "", "Bob\nCy"),
            ]
            for (feed, k, title, summary, content, categories, authors) in rows {
                let key = Data(repeating: k, count: 32)
                try db.execute(
                    sql: insert,
                    arguments: [
                        feed, key, Data(repeating: k &+ 100, count: 32), Data(repeating: k &+ 50, count: 32),
                        Data(repeating: k &+ 150, count: 32), title, "https://x.example/\(k)",
                        t0.seconds + Int64(k), t0.seconds + Int64(k), summary, content, categories, authors,
                    ])
            }
        }
    }

    /// A v6 store in a temporary directory (kept while the directory lives), opened by this
    /// version: upgraded.
    static func upgraded() throws -> (TemporaryDirectory, String, SQLiteStore) {
        let dir = try TemporaryDirectory()
        let path = dir.path("feedwatch.db")
        try v6Store(at: path)
        return (dir, path, try SQLiteStore(path: path))
    }

    @Test("a v6 store: replays read every story's text as before, and the story table keeps none")
    func textSurvivesTheUpgrade() throws {
        let (dir, path, store) = try Self.upgraded()
        defer { withExtendedLifetime(dir) {} }
        let replayed = try store.stories(firstSeenSince: Self.t0)
        #expect(replayed.map(\.title) == ["Bare headline", "Advisers stay", "Talks on the coalition"])
        let byTitle = Dictionary(uniqueKeysWithValues: replayed.map { ($0.title, $0) })
        #expect(byTitle["Talks on the coalition"]?.summary == "Baghdad and Washington talk.")
        #expect(byTitle["Talks on the coalition"]?.categories == ["Iraq", "US"])
        #expect(byTitle["Talks on the coalition"]?.authors == ["Ann"])
        #expect(byTitle["Advisers stay"]?.content == String(repeating: "Long body. ", count: 300))
        #expect(byTitle["Advisers stay"]?.authors == ["Bob", "Cy"])
        #expect(byTitle["Bare headline"]?.summary == "")
        #expect(byTitle["Bare headline"]?.categories == [])
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let columns = try db.columns(in: "story").map(\.name)
            #expect(!columns.contains("summary") && !columns.contains("content") && columns.contains("text_id"))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM story_text") == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM story WHERE text_id IS NULL") == 1)
            let indexes = try db.indexes(on: "story").map(\.name).filter { !$0.hasPrefix("sqlite_") }.sorted()
            #expect(indexes == ["story_by_first_seen", "story_by_left", "story_by_link", "story_by_text"])
            try db.checkForeignKeys()
        }
    }

    @Test(
        "an upgrade is announced before it starts (the daemon tells systemd); a new or current store's opening is not")
    func upgradeAnnounced() throws {
        let dir = try TemporaryDirectory()
        let old = dir.path("old.db")
        try Self.v6Store(at: old)
        var announced = 0
        _ = try SQLiteStore(path: old) { announced += 1 }
        #expect(announced == 1)
        _ = try SQLiteStore(path: old) { announced += 1 }
        _ = try SQLiteStore(path: dir.path("new.db")) { announced += 1 }
        #expect(announced == 1)
    }

    @Test("a store a newer version wrote is refused with a clear error, not misread")
    func newerStoreRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("feedwatch.db")
        _ = try SQLiteStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99')")
        }
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in
            "\(error)".contains("written by a newer feedwatch (schema v99)") && "\(error)".contains(path)
        }
    }

    @Test("after the upgrade: a new story keeps its text; a forgotten feed's text goes with its stories")
    func storeWorksAfterTheUpgrade() throws {
        let (dir, path, store) = try Self.upgraded()
        defer { withExtendedLifetime(dir) {} }
        let fresh = Normaliser.story(
            Entry(
                id: "new-1", link: "https://b.example/new-1", title: "A new story",
                summary: "Militia drones over Erbil", categories: ["Iraq"]))
        let result = try store.recordInOwnTransaction(
            feedURL: "https://b.example/rss",
            poll: PollRecord(
                polledAt: Self.t0.adding(seconds: 60), status: 200, nextPollAt: Self.t0.adding(seconds: 960)),
            stories: [fresh], decide: { _ in [] })
        #expect(result.new == 1)
        let replayed = try store.stories(firstSeenSince: Self.t0.adding(seconds: 60))
        #expect(replayed.map(\.summary) == ["Militia drones over Erbil"])
        #expect(replayed.first?.categories == ["Iraq"])
        #expect(try store.forget(feedURL: "https://b.example/rss") == 2)
        let texts = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT summary FROM story_text")
        }
        #expect(texts == ["Baghdad and Washington talk."], "feed A's one story with text is left")
    }

    @Test(
        "after the upgrade: the link and text indexes lead with the feed, and a story stored before is still a copy's original"
    )
    func crossFeedAfterTheUpgrade() throws {
        let (dir, path, store) = try Self.upgraded()
        defer { withExtendedLifetime(dir) {} }
        let leading = try DatabaseQueue(path: path).read { db in
            try ["story_by_link", "story_by_text"].map {
                try String.fetchOne(db, sql: "SELECT name FROM pragma_index_info(?) WHERE seqno = 0", arguments: [$0])
            }
        }
        #expect(leading == ["feed_id", "feed_id"])
        // Feed A's "Talks on the coalition" (key 3) under another feed, told by its text digest.
        let s = Normaliser.story(Entry(id: "c-1", link: "https://c.example/1", title: "Talks on the coalition"))
        let copy = Story(
            entry: s.entry, key: s.key, keySource: s.keySource, contentHash: s.contentHash, linkHash: s.linkHash,
            textHash: Array(repeating: 3 &+ 150, count: 32), titleHash: s.titleHash, bodyHash: s.bodyHash,
            canonicalLink: s.canonicalLink)
        let at = Self.t0.adding(seconds: 60)
        let result = try store.recordInOwnTransaction(
            feedURL: "https://c.example/rss",
            poll: PollRecord(polledAt: at, status: 200, nextPollAt: at.adding(seconds: 900)), stories: [copy],
            duplicateWindow: .seconds(48 * 3600), decide: { _ in [] })
        #expect(result.new == 1 && result.duplicates == 1)
        let original = try DatabaseQueue(path: path).read { db in
            try Row.fetchOne(
                db, sql: "SELECT copy_of_feed, copy_by FROM story WHERE feed_id = (SELECT id FROM feed WHERE url = ?)",
                arguments: ["https://c.example/rss"])
        }
        #expect(original?["copy_of_feed"] == 1 as Int64 && original?["copy_by"] == "text")
    }

    @Test(
        "a fingerprint remembered by a v7 store (bands without their publisher) still finds its copy after the upgrade")
    func fingerprintsSurviveTheUpgrade() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("feedwatch.db")
        let wire = Normaliser.story(
            Entry(id: "a-1", link: "https://wire.example/1", title: "Talks resume", summary: WireStory.text))
        let fingerprint = try #require(Fingerprint.of(wire))
        let queue = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(queue, upTo: "v7")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO feed(id, url, title) VALUES (1, 'https://wire.example/rss', 'Wire')")
            try db.execute(
                sql:
                    "INSERT INTO story_sketch(id, feed_id, key, publisher, seen_at, minhash) VALUES (7, 1, ?, ?, ?, ?)",
                arguments: [
                    Data(wire.key), Fingerprint.publisher(of: wire, feedURL: "https://wire.example/rss"),
                    Self.t0.seconds, Data(fingerprint.bytes),
                ])
            for band in fingerprint.bands {
                try db.execute(sql: "INSERT INTO story_band(band, sketch) VALUES (?, 7)", arguments: [band])
            }
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        let copy = Normaliser.story(
            Entry(id: "p-1", link: "https://paper.example/1", title: "US, Iraq talk", summary: WireStory.copy))
        let at = Self.t0.adding(seconds: 3600)
        let result = try store.recordInOwnTransaction(
            feedURL: "https://paper.example/rss",
            poll: PollRecord(polledAt: at, status: 200, nextPollAt: at.adding(seconds: 900)), stories: [copy],
            duplicateWindow: .seconds(48 * 3600),
            decide: { new in [OutboxEntry(output: "events", eventID: Digest.hex(new.story.key), payload: [])] })
        #expect(result.new == 1 && result.duplicates == 1 && result.events == 0)
        let bands = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT publisher FROM story_band")
        }
        #expect(bands == ["wire.example"])
    }
}
