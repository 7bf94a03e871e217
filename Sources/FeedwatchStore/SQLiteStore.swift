public import FeedwatchModel
public import FeedwatchNormalise
import Foundation
import GRDB
import Synchronization

/// Errors of the store, with the operation that failed; SQLite's own message comes from GRDB.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let underlying: String
    public var description: String { "store: \(operation): \(underlying)" }
}

/// The embedded store: SQLite in WAL mode through GRDB.
///
/// Every poll is recorded in one write transaction: the feed's state, the stories seen, and the
/// events (one row per output) caused by the new ones. A crash before the commit loses nothing
/// (the next poll sees the same stories as new); a crash after it loses nothing either (the
/// events wait in the outbox until their output acknowledges them). WAL lets `feedwatch status`
/// read while the daemon writes.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    public let path: String
    /// Polls waiting to be committed together (`record(…) async`).
    let waiting = WaitingPolls()
    /// Which feeds have a story under a link or a text, for the writer's look across feeds.
    let crossFeed = Mutex(CrossFeedDigests())

    /// Opens (or creates) the store at `path`, upgrading its schema if an earlier version wrote
    /// it. `onUpgrade` is called before an upgrade of an existing store starts: some upgrades
    /// rewrite a table, minutes for millions of stories, and the daemon tells systemd so.
    /// Opens a store the daemon has already created; never creates one. For the commands that
    /// read or tend a store (`status`, `outbox`, `store`, `match --since`): run with a mistyped
    /// path, or before the daemon's first start (perhaps as another user than the service's), they
    /// would otherwise leave a new empty store behind and report it as if it were the daemon's.
    public static func existing(path: String) throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(
                operation: "open \(path)",
                underlying: "no store there: feedwatch has not run with this configuration (its state_dir or store)")
        }
        return try SQLiteStore(path: path)
    }

    public init(path: String, onUpgrade: () -> Void = {}) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                // NORMAL is durable in WAL mode up to the last checkpoint of a power loss; a process
                // crash loses no committed transaction.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Checkpoint when the WAL holds 10,000 pages (40 MB), not SQLite's 1,000: a cold
                // cycle's commits rewrite the same index pages, and each checkpoint copies them
                // into the database and syncs it. 10,000 feeds polled cold: 34-37 s, against
                // 40-44 s at 1,000 pages (BENCHMARKS.md, stop 16).
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
            }
            // One process at a time opens the store and checks and applies the migrations. GRDB
            // reads which are applied outside the transactions that apply them, so `status`
            // opening the store while the daemon created it failed with "index ... already
            // exists" (and either could lose); and turning a new file to WAL takes a lock that
            // SQLite does not wait for ("database is locked" while executing `PRAGMA journal_mode
            // = WAL`, 1 in 80 concurrent first opens). The others wait here, also through an
            // upgrade that takes minutes.
            let lock = try MigrationLock(storePath: path)
            defer { lock.release() }
            pool = try DatabasePool(path: path, configuration: config)
            let migrator = SQLiteStore.migrator
            let (applied, complete) = try pool.read { db in
                (try migrator.appliedIdentifiers(db), try migrator.hasCompletedMigrations(db))
            }
            // A newer version's store: its tables are not the ones this version reads and writes.
            let unknown = applied.subtracting(migrator.migrations)
            if !unknown.isEmpty {
                throw StoreError(
                    operation: "open \(path)",
                    underlying: "written by a newer feedwatch (schema \(unknown.sorted().joined(separator: ", "))); "
                        + "run that version, or a copy of the store saved before the upgrade")
            }
            if !applied.isEmpty && !complete { onUpgrade() }
            try migrator.migrate(pool)
        } catch {
            throw StoreError(operation: "open \(path)", underlying: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE feed (
                        id INTEGER PRIMARY KEY,
                        url TEXT NOT NULL UNIQUE,
                        title TEXT NOT NULL DEFAULT '',
                        etag TEXT,
                        last_modified TEXT,
                        first_polled_at INTEGER,
                        last_polled_at INTEGER,
                        last_success_at INTEGER,
                        last_status INTEGER,
                        last_error TEXT,
                        error_streak INTEGER NOT NULL DEFAULT 0,
                        next_poll_at INTEGER,
                        polls INTEGER NOT NULL DEFAULT 0,
                        not_modified INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE story (
                        feed_id INTEGER NOT NULL REFERENCES feed(id) ON DELETE CASCADE,
                        key BLOB NOT NULL,
                        key_source TEXT NOT NULL,
                        content_hash BLOB NOT NULL,
                        link_hash BLOB,
                        text_hash BLOB NOT NULL,
                        title TEXT NOT NULL,
                        link TEXT,
                        published INTEGER,
                        first_seen_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        PRIMARY KEY (feed_id, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX story_by_link ON story(feed_id, link_hash) WHERE link_hash IS NOT NULL;
                    CREATE INDEX story_by_text ON story(feed_id, text_hash);
                    CREATE TABLE output_state (
                        name TEXT PRIMARY KEY,
                        next_seq INTEGER NOT NULL DEFAULT 1,
                        delivered INTEGER NOT NULL DEFAULT 0,
                        last_success_at INTEGER
                    );
                    CREATE TABLE outbox (
                        output TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        event_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        state TEXT NOT NULL DEFAULT 'pending',
                        PRIMARY KEY (output, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX outbox_due ON outbox(output, state, next_attempt_at);
                    """)
        }
        // v2: the text a watch reads, so that `feedwatch match --since` can replay stories already
        // seen. Stories recorded before v2 replay with their title and link only.
        m.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE story ADD COLUMN summary TEXT NOT NULL DEFAULT '';
                    ALTER TABLE story ADD COLUMN content TEXT NOT NULL DEFAULT '';
                    ALTER TABLE story ADD COLUMN categories TEXT NOT NULL DEFAULT '';
                    ALTER TABLE story ADD COLUMN authors TEXT NOT NULL DEFAULT '';
                    CREATE INDEX story_by_first_seen ON story(first_seen_at);
                    """)
        }
        // v3: when the outputs were told a feed is failing (feed.failing), so that they hear it
        // once, and hear feed.recovered when it works again.
        m.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE feed ADD COLUMN failing_since INTEGER")
        }
        // v4: where a feed has moved permanently (301/308), and in how many polls in a row.
        m.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    ALTER TABLE feed ADD COLUMN moved_to TEXT;
                    ALTER TABLE feed ADD COLUMN moved_count INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        // v5: what tells an edit from noise (title and number-free body hashes); which stories each
        // feed's latest document listed (`members`, the keys) and when a story left it (`left_at`),
        // so that it can be forgotten once it has been gone for the retention time. The link and text
        // indexes lead with the hash, so that one index answers both "in this feed" and "in any
        // feed" (cross-feed duplicates).
        m.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    ALTER TABLE story ADD COLUMN title_hash BLOB;
                    ALTER TABLE story ADD COLUMN body_hash BLOB;
                    ALTER TABLE story ADD COLUMN left_at INTEGER;
                    ALTER TABLE feed ADD COLUMN last_document_at INTEGER;
                    ALTER TABLE feed ADD COLUMN members BLOB;
                    CREATE INDEX story_by_left ON story(left_at) WHERE left_at IS NOT NULL;
                    DROP INDEX story_by_link;
                    DROP INDEX story_by_text;
                    CREATE INDEX story_by_link ON story(link_hash, feed_id) WHERE link_hash IS NOT NULL;
                    CREATE INDEX story_by_text ON story(text_hash, feed_id);
                    """)
        }
        // v6: each feed's latest document as (content hash, stored key) pairs (`listed`, replacing
        // `members`), so that a story the previous poll listed is known without a lookup; the
        // near-duplicate fingerprints of recent stories (`story_sketch`, found through their LSH
        // bands in `story_band`, both kept for the cross-feed window only); and, for a story
        // recorded as another feed's copy, which story it copies.
        m.registerMigration("v6") { db in
            try db.execute(
                sql: """
                    ALTER TABLE feed ADD COLUMN listed BLOB;
                    UPDATE feed SET members = NULL;
                    ALTER TABLE story ADD COLUMN copy_of_feed INTEGER;
                    ALTER TABLE story ADD COLUMN copy_of_key BLOB;
                    ALTER TABLE story ADD COLUMN copy_by TEXT;
                    CREATE TABLE story_sketch (
                        id INTEGER PRIMARY KEY,
                        feed_id INTEGER NOT NULL,
                        key BLOB NOT NULL,
                        publisher TEXT NOT NULL,
                        seen_at INTEGER NOT NULL,
                        minhash BLOB NOT NULL
                    );
                    CREATE INDEX story_sketch_by_seen ON story_sketch(seen_at);
                    CREATE TABLE story_band (
                        band INTEGER NOT NULL,
                        sketch INTEGER NOT NULL,
                        PRIMARY KEY (band, sketch)
                    ) WITHOUT ROWID;
                    """)
        }
        // v7: the text kept for replays (summary, content, categories, authors) moves to a table of
        // its own, `story_text`, found through `story.text_id` (NULL when a story has none). In the
        // story table, which is ordered by feed and key, a row with its text was over the ~1 KB an
        // index page keeps in place, so most rows spilled into an overflow page of their own, mostly
        // empty: a cold cycle of 1,000 feeds made a 76 MB store, 34 MB of it unused, and every
        // insert wrote that page too. `story_text` is appended to in rowid order, its rows packed.
        // The story table is rebuilt once without the text columns (one pass; a row's text keeps
        // the row's position in key order as its id). A trigger drops a story's text with the
        // story, whatever deletes it (retention, a removed feed, the feed row's cascade).
        m.registerMigration("v7") { db in
            let hasText = "s.summary != '' OR s.content != '' OR s.categories != '' OR s.authors != ''"
            let kept = """
                feed_id, key, key_source, content_hash, link_hash, text_hash, title, link, published,
                first_seen_at, last_seen_at, title_hash, body_hash, left_at, copy_of_feed, copy_of_key, copy_by
                """
            try db.execute(
                sql: """
                    CREATE TABLE story_text (
                        id INTEGER PRIMARY KEY,
                        summary TEXT NOT NULL,
                        content TEXT NOT NULL,
                        categories TEXT NOT NULL,
                        authors TEXT NOT NULL
                    );
                    INSERT INTO story_text(id, summary, content, categories, authors)
                        SELECT n, summary, content, categories, authors FROM (
                            SELECT row_number() OVER (ORDER BY s.feed_id, s.key) AS n, s.* FROM story s)
                        WHERE summary != '' OR content != '' OR categories != '' OR authors != '';
                    CREATE TABLE story_new (
                        feed_id INTEGER NOT NULL REFERENCES feed(id) ON DELETE CASCADE,
                        key BLOB NOT NULL,
                        key_source TEXT NOT NULL,
                        content_hash BLOB NOT NULL,
                        link_hash BLOB,
                        text_hash BLOB NOT NULL,
                        title TEXT NOT NULL,
                        link TEXT,
                        published INTEGER,
                        first_seen_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        title_hash BLOB,
                        body_hash BLOB,
                        left_at INTEGER,
                        copy_of_feed INTEGER,
                        copy_of_key BLOB,
                        copy_by TEXT,
                        text_id INTEGER,
                        PRIMARY KEY (feed_id, key)
                    ) WITHOUT ROWID;
                    INSERT INTO story_new(\(kept), text_id)
                        SELECT \(kept), CASE WHEN \(hasText)
                            THEN row_number() OVER (ORDER BY s.feed_id, s.key) END
                        FROM story s;
                    DROP TABLE story;
                    ALTER TABLE story_new RENAME TO story;
                    CREATE INDEX story_by_first_seen ON story(first_seen_at);
                    CREATE INDEX story_by_left ON story(left_at) WHERE left_at IS NOT NULL;
                    CREATE INDEX story_by_link ON story(link_hash, feed_id) WHERE link_hash IS NOT NULL;
                    CREATE INDEX story_by_text ON story(text_hash, feed_id);
                    CREATE TRIGGER story_text_gone AFTER DELETE ON story WHEN OLD.text_id IS NOT NULL
                    BEGIN DELETE FROM story_text WHERE id = OLD.text_id; END;
                    """)
        }
        // v8: a band row carries its sketch's publisher, in its key after the band. A lookup skips
        // the stories of its own publisher in the index, rather than reading each to drop it: a feed
        // whose 10,000 entries share a template read every earlier one for each new one (quadratic;
        // 67 s for one poll, with every other feed's results waiting behind it).
        m.registerMigration("v8") { db in
            try db.execute(
                sql: """
                    CREATE TABLE story_band_new (
                        band INTEGER NOT NULL,
                        publisher TEXT NOT NULL,
                        sketch INTEGER NOT NULL,
                        PRIMARY KEY (band, publisher, sketch)
                    ) WITHOUT ROWID;
                    INSERT INTO story_band_new(band, publisher, sketch)
                        SELECT b.band, k.publisher, b.sketch FROM story_band b JOIN story_sketch k ON k.id = b.sketch;
                    DROP TABLE story_band;
                    ALTER TABLE story_band_new RENAME TO story_band;
                    """)
        }
        // v9: the link and text indexes lead with the feed again (as v1's did), so that a poll's
        // stories share their pages; the look across feeds goes through `CrossFeedDigests`.
        m.registerMigration("v9") { db in
            try db.execute(
                sql: """
                    DROP INDEX story_by_link;
                    DROP INDEX story_by_text;
                    CREATE INDEX story_by_link ON story(feed_id, link_hash) WHERE link_hash IS NOT NULL;
                    CREATE INDEX story_by_text ON story(feed_id, text_hash);
                    """)
        }
        return m
    }

    func wrap<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(operation: operation, underlying: "\(error)")
        }
    }

    /// How much of a story's content the store keeps for replays: enough for any watch's terms
    /// to be found where a reader would look, bounded so that long articles do not bloat the store.
    static let storedContentBytes = 16 * 1024

    /// The first `bytes` bytes of `s`, cut before a character's continuation bytes.
    static func prefix(_ s: String, bytes: Int) -> String {
        guard s.utf8.count > bytes else { return s }
        let utf8 = Array(s.utf8)
        var end = bytes
        while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }

    // MARK: - Replay

    /// Stories first seen at or after `since`, oldest first, with the text watches read.
    public func stories(firstSeenSince since: Timestamp) throws -> [StoredStory] {
        try wrap("read stories") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT s.title, s.link, t.summary, t.content, t.categories, t.authors, s.published,
                            s.first_seen_at, f.url, f.title AS feed_title
                        FROM story s JOIN feed f ON f.id = s.feed_id LEFT JOIN story_text t ON t.id = s.text_id
                        WHERE s.first_seen_at >= ? ORDER BY s.first_seen_at, f.url
                        """, arguments: [since.seconds]
                ).map { row in
                    let list: (String) -> [String] = { $0.isEmpty ? [] : $0.components(separatedBy: "\n") }
                    return StoredStory(
                        feedURL: row["url"], feedTitle: row["feed_title"] ?? "", title: row["title"], link: row["link"],
                        summary: row["summary"] ?? "", content: row["content"] ?? "",
                        categories: list(row["categories"] ?? ""), authors: list(row["authors"] ?? ""),
                        published: (row["published"] as Int64?).map { Timestamp(seconds: $0) },
                        firstSeen: Timestamp(seconds: row["first_seen_at"]))
                }
            }
        }
    }

    // MARK: - Feeds

    /// The stored state of every feed, by URL.
    public func feedStates() throws -> [String: FeedState] {
        try wrap("read feeds") {
            try pool.read { db in
                var out: [String: FeedState] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.feedStateColumns) FROM feed")
                while let row = try rows.next() {
                    let s = SQLiteStore.feedState(row)
                    out[s.url] = s
                }
                return out
            }
        }
    }

    /// The stored state of one feed; nil before its first poll.
    public func feedState(url: String) throws -> FeedState? {
        try wrap("read feed \(url)") {
            try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT \(Self.feedStateColumns) FROM feed WHERE url = ?", arguments: [url])
                    .map(SQLiteStore.feedState)
            }
        }
    }

    /// What `FeedState` holds: not the feed's latest listing (`listed`, 64 bytes per story of its
    /// document), which only the writer reads. `SELECT *` of 10,000 feeds held 20 MB of listings
    /// at once: an unchanged cycle peaked at 90 MB against the cold cycle's 61.
    private static let feedStateColumns = """
        url, title, etag, last_modified, first_polled_at, last_polled_at, last_success_at, last_status,
        last_error, error_streak, next_poll_at, polls, not_modified, moved_to, moved_count
        """

    private static func feedState(_ row: Row) -> FeedState {
        var s = FeedState(url: row["url"])
        s.title = row["title"]
        s.etag = row["etag"]
        s.lastModified = row["last_modified"]
        s.firstPolledAt = (row["first_polled_at"] as Int64?).map(Timestamp.init)
        s.lastPolledAt = (row["last_polled_at"] as Int64?).map(Timestamp.init)
        s.lastSuccessAt = (row["last_success_at"] as Int64?).map(Timestamp.init)
        s.lastStatus = row["last_status"]
        s.lastError = row["last_error"]
        s.errorStreak = row["error_streak"]
        s.nextPollAt = (row["next_poll_at"] as Int64?).map(Timestamp.init)
        s.polls = row["polls"]
        s.notModified = row["not_modified"]
        s.movedTo = row["moved_to"]
        s.movedCount = row["moved_count"]
        return s
    }

    // MARK: - Recording polls

    /// Records one poll: the feed's new state, the stories found, and (through `decide`, called
    /// inside the transaction for each story not seen before and each new version of a known one)
    /// the events they cause. With `duplicateWindow`, a story new to this feed that copies one
    /// another feed had within the window is recorded as that story's copy, without events
    /// (`recordNew`).
    ///
    /// A story counts as seen before when the feed's previous document listed it in the same
    /// version, when its key is known for this feed, or — for a publisher that changes ids
    /// between polls — when its canonical link or its title and body are.
    ///
    /// `health` is called, also inside the transaction, when the poll changes the feed's health:
    /// the `FeedHealth.failingAfter`-th failure in a row (once, until it recovers), or the first
    /// success after that. Its events are enqueued like story events.
    ///
    /// This records the poll in a transaction of its own, at once. The daemon records through
    /// `record(…) async` (`SQLiteStore+GroupCommit.swift`), which commits several polls together.
    public func recordInOwnTransaction(
        feedURL: String, poll: PollRecord, stories: [Story], duplicateWindow: Duration? = nil,
        decide: (StorySighting) -> [OutboxEntry], health: (FeedHealthChange, String) -> [OutboxEntry] = { _, _ in [] }
    ) throws -> RecordResult {
        try wrap("record poll of \(RedactedURL.text(feedURL))") {
            try pool.write { db in
                try recordPoll(
                    db, feedURL: feedURL, poll: poll, stories: stories, duplicateWindow: duplicateWindow,
                    decide: decide, health: health)
            }
        }
    }

    /// The work of `record`, inside the caller's transaction.
    func recordPoll(
        _ db: Database, feedURL: String, poll: PollRecord, stories: [Story], duplicateWindow: Duration?,
        decide: (StorySighting) -> [OutboxEntry], health: (FeedHealthChange, String) -> [OutboxEntry]
    ) throws -> RecordResult {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO feed(url) VALUES (?)").execute(arguments: [feedURL])
        guard
            let feed = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT id, title, first_polled_at, error_streak, failing_since, last_success_at,
                            last_document_at, listed
                        FROM feed WHERE url = ?
                        """), arguments: [feedURL])
        else {
            throw StoreError(operation: "record poll of \(RedactedURL.text(feedURL))", underlying: "feed row missing")
        }
        let feedID: Int64 = feed["id"]
        let firstPoll = (feed["first_polled_at"] as Int64?) == nil && poll.error == nil
        let title = poll.title.flatMap { $0.isEmpty ? nil : $0 } ?? (feed["title"] as String)
        var result = RecordResult()
        let now = poll.polledAt.seconds
        // Health first: "the feed is back" comes before the stories it brings.
        if let change = healthChange(feed, poll: poll) {
            for e in health(change, title) { try enqueue(db, e, at: now) }
            let failingSince: Int64? = if case .failing = change { now } else { nil }
            try db.cachedStatement(sql: "UPDATE feed SET failing_since = ? WHERE id = ?").execute(arguments: [
                failingSince, feedID,
            ])
        }
        // What the previous document listed: a story listed again in the same version is
        // seen without a lookup (the usual poll of a feed that does not answer 304).
        let before = (feed["listed"] as Data?).map { Listing(blob: $0) } ?? Listing(capacity: 0)
        var listing = Listing(capacity: stories.count)
        var firstStories = try FirstStories(db, feedID: feedID)
        // The stories this document lists as themselves: by the ids of its entries, and by the
        // keys its entries were found under so far. A stored story one of them is cannot also be
        // another entry of the same document told by a shared link alone (`classify`).
        var claimed = Set(stories.lazy.filter { $0.keySource == .id }.map { DigestValue($0.key) })
        for story in stories {
            let content = Data(story.contentHash)
            let sighting =
                if let key = before.keys[DigestValue(story.contentHash)] {
                    Sighting.seen(key: key)
                } else if firstStories?.isUnlikeAll(story) == true {
                    Sighting.new(key: Data(story.key))
                } else {
                    try classify(db, feedID: feedID, story: story, claimed: claimed)
                }
            claimed.insert(DigestValue(sighting.key))
            firstStories?.note(story, key: sighting.key)
            listing.add(content: content, key: sighting.key)
            // Its id led elsewhere: the id changed since, or names another story.
            if story.keySource == .id, sighting.key != Data(story.key) { result.unreliableIDs += 1 }
            switch sighting {
            case .seen:
                result.seen += 1
            case .noise(let key):
                try replaceVersion(db, feedID: feedID, key: key, story: story, now: now)
                result.seen += 1
            case .updated(let key, let change):
                try replaceVersion(db, feedID: feedID, key: key, story: story, now: now)
                result.updated += 1
                let sighting = StorySighting(
                    story: story, feedURL: feedURL, feedTitle: title, isFirstPoll: firstPoll,
                    detectedAt: poll.polledAt, update: change)
                let entries = decide(sighting)
                for e in entries { try enqueue(db, e, at: now) }
                result.events += entries.count
            case .new(let key):
                try recordNew(
                    db, key: key,
                    sighting: StorySighting(
                        story: story, feedURL: feedURL, feedTitle: title, isFirstPoll: firstPoll,
                        detectedAt: poll.polledAt, update: nil), feedID: feedID,
                    duplicateWindow: duplicateWindow,
                    decide: decide, result: &result)
            }
        }
        if poll.error == nil, !stories.isEmpty {
            try recordListing(
                db, feedID: feedID, before: before, now: listing, at: now,
                previousDocumentAt: feed["last_document_at"], firstPoll: firstPoll)
        }
        try updateFeed(db, feedID: feedID, poll: poll, title: title, listedEntries: !stories.isEmpty)
        return result
    }

    /// Whether this poll makes the feed failing (the threshold reached, not yet reported) or
    /// recovered (a success after a reported failure).
    private func healthChange(_ feed: Row, poll: PollRecord) -> FeedHealthChange? {
        let failingSince = (feed["failing_since"] as Int64?).map(Timestamp.init)
        if let error = poll.error {
            let streak = (feed["error_streak"] as Int) + 1
            guard streak >= FeedHealth.failingAfter, failingSince == nil else { return nil }
            return .failing(
                failures: streak, error: error, lastSuccess: (feed["last_success_at"] as Int64?).map(Timestamp.init))
        }
        return failingSince.map { .recovered(failingSince: $0) }
    }

    /// The story another feed had first.
    struct Original {
        var feedID: Int64
        var key: Data
        /// What gave the copy away: "link", "text" (title and body) or "fingerprint" (the body
        /// nearly the same, `Fingerprint`).
        var by: String
    }

    /// Records a story new to its feed: announced (the events `decide` gives, enqueued), unless
    /// it copies a story another feed had within `duplicateWindow` (README "Identity"), then
    /// recorded as that story's copy. Links and texts are compared for every new story (two index
    /// probes); bodies, by fingerprint, only for a story about to be announced: a copy of a story
    /// nobody was told about is news where it appears first.
    private func recordNew(
        _ db: Database, key: Data, sighting: StorySighting, feedID: Int64, duplicateWindow: Duration?,
        decide: (StorySighting) -> [OutboxEntry], result: inout RecordResult
    ) throws {
        let story = sighting.story
        let now = sighting.detectedAt.seconds
        let since = duplicateWindow.map { now - $0.seconds }
        var copy = try duplicateWindow.flatMap {
            try exactOriginal(db, of: story, feedID: feedID, now: now, window: $0.seconds)
        }
        var entries: [OutboxEntry] = []
        var near: (fingerprint: Fingerprint, publisher: String)?
        if copy == nil {
            entries = decide(sighting)
            if let since, !entries.isEmpty, let f = Fingerprint.of(story) {
                let publisher = Fingerprint.publisher(of: story, feedURL: sighting.feedURL)
                near = (f, publisher)
                copy = try nearOriginal(db, fingerprint: f, publisher: publisher, feedID: feedID, since: since)
            }
        }
        try insert(db, feedID: feedID, key: key, story: story, copy: copy, now: now)
        result.new += 1
        if copy != nil {
            result.duplicates += 1
            return
        }
        if let near {
            try remember(db, near.fingerprint, feedID: feedID, key: key, publisher: near.publisher, now: now)
        }
        for e in entries { try enqueue(db, e, at: now) }
        result.events += entries.count
    }

    /// Feeds read at most on each side of the looking story's feed for a link (two stories each,
    /// to tell one story under it from a feed's shared page): bounded however many share it.
    static let feedsPerLink = 8

    /// The story another feed had within `window` before `now` under the same canonical link, or
    /// with the same title and body. The feeds that may have it come from `crossFeed` (held by the
    /// writer); each is read through its own range of the feed-led index, in ascending feed order,
    /// as the digest-led index used to give them.
    ///
    /// A link is a story's only where its feed keeps one story under it, and names this story
    /// only if the headline or the body agrees: a feed that links every entry to its home page,
    /// and another feed of the same site, would otherwise make each new story a "copy" of an
    /// unrelated one, never announced.
    private func exactOriginal(
        _ db: Database, of story: Story, feedID: Int64, now: Int64, window: Int64
    ) throws -> Original? {
        let since = now - window
        let (linkFeeds, textFeeds) = try crossFeed.withLock { table in
            try table.cover(db, since: since, window: window)
            return (
                story.linkHash.map { table.feeds(link: $0, besides: feedID) } ?? [],
                table.feeds(text: story.textHash, besides: feedID)
            )
        }
        if let link = story.linkHash, !linkFeeds.isEmpty {
            let below = linkFeeds.filter { $0 < feedID }.prefix(Self.feedsPerLink)
            let above = linkFeeds.filter { $0 > feedID }.prefix(Self.feedsPerLink)
            for other in below + above {
                // Two rows tell a feed's one story under the link from a page several share.
                // INDEXED BY, as in `storiesUnder`: else SQLite reads the whole feed by its key.
                let rows = try db.all(
                    """
                    SELECT key, title_hash, body_hash, first_seen_at FROM story INDEXED BY story_by_link
                    WHERE feed_id = ? AND link_hash = ? LIMIT 2
                    """,
                    { a in
                        a.add(other)
                        a.add(link)
                    },
                    { c in
                        (
                            key: c.data(0), titleHash: c.isNull(1) ? nil : c.data(1),
                            bodyHash: c.isNull(2) ? nil : c.data(2), firstSeen: c.int64(3)
                        )
                    })
                if rows.count == 1, let c = rows.first, c.firstSeen >= since,
                    !Self.anotherStory(titleHash: c.titleHash, bodyHash: c.bodyHash, story)
                {
                    return Original(feedID: other, key: c.key, by: "link")
                }
            }
        }
        for other in textFeeds {
            let found = try db.first(
                "SELECT key FROM story INDEXED BY story_by_text WHERE feed_id = ? AND text_hash = ? AND first_seen_at >= ? LIMIT 1",
                { a in
                    a.add(other)
                    a.add(story.textHash)
                    a.add(since)
                }, { c in Original(feedID: other, key: c.data(0), by: "text") })
            if let found { return found }
        }
        return nil
    }

    /// Sketches read at most per band and side of the looking story's publisher. A band that many
    /// other publishers' stories share (a template, boilerplate) then costs a bounded lookup
    /// instead of one that grows with the store; a copy shares most of its original's 12 bands,
    /// so one crowded band rarely hides it.
    static let sketchesPerBand = 32

    /// The story, first seen since `since` in another feed of another publisher, whose body's
    /// fingerprint is the most similar to this one's, if any is similar enough to be the same text
    /// lightly edited (`Fingerprint.nearSimilarity`).
    private func nearOriginal(
        _ db: Database, fingerprint: Fingerprint, publisher: String, feedID: Int64, since: Int64
    ) throws -> Original? {
        // Stories sharing a band with this one (almost always none), of the publishers sorted
        // before this one and after it: two ranges of the band's key, neither holding its own.
        let sides = try ["<", ">"].map { op in
            try db.cachedStatement(sql: "SELECT sketch FROM story_band WHERE band = ? AND publisher \(op) ? LIMIT ?")
        }
        var sketches: Set<Int64> = []
        for band in fingerprint.bands {
            for side in sides {
                sketches.formUnion(try Int64.fetchAll(side, arguments: [band, publisher, Self.sketchesPerBand]))
            }
        }
        guard !sketches.isEmpty else { return nil }
        let sketch = try db.cachedStatement(
            sql: "SELECT feed_id, key, minhash FROM story_sketch WHERE id = ? AND feed_id != ? AND seen_at >= ?")
        var best: (similarity: Double, original: Original)?
        // In id order: of equally similar stories, the first seen is the original.
        for id in sketches.sorted() {
            guard let row = try Row.fetchOne(sketch, arguments: [id, feedID, since]),
                let other = Fingerprint(bytes: Array(row["minhash"] as Data))
            else { continue }
            let similarity = fingerprint.similarity(other)
            if similarity >= Fingerprint.nearSimilarity, similarity > best?.similarity ?? 0 {
                best = (similarity, Original(feedID: row["feed_id"], key: row["key"], by: "fingerprint"))
            }
        }
        return best?.original
    }

    /// Stores a story not seen before in this feed.
    private func insert(_ db: Database, feedID: Int64, key: Data, story: Story, copy: Original?, now: Int64) throws {
        let textID = try insertText(db, story)
        try db.run(
            """
            INSERT OR IGNORE INTO story(feed_id, key, key_source, content_hash, link_hash, text_hash,
                title, link, published, first_seen_at, last_seen_at, title_hash, body_hash, copy_of_feed,
                copy_of_key, copy_by, text_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ) { a in
            a.add(feedID)
            a.add(key)
            a.add(story.keySource.rawValue)
            a.add(story.contentHash)
            a.add(story.linkHash)
            a.add(story.textHash)
            a.add(story.entry.title)
            a.add(story.entry.link)
            a.add(story.entry.published?.seconds)
            a.add(now)
            a.add(now)
            a.add(story.titleHash)
            a.add(story.bodyHash)
            a.add(copy?.feedID)
            a.add(copy?.key)
            a.add(copy?.by)
            a.add(textID)
        }
        // The story was there already: its text row would belong to nobody.
        if db.changesCount == 0, let textID {
            try db.run("DELETE FROM story_text WHERE id = ?") { $0.add(textID) }
        }
        crossFeed.withLock { $0.add(feedID: feedID, linkHash: story.linkHash, textHash: story.textHash) }
    }

    /// Stores the text a replay reads (`story_text`); nil when the story has none.
    private func insertText(_ db: Database, _ story: Story) throws -> Int64? {
        let e = story.entry
        guard !(e.summary.isEmpty && e.content.isEmpty && e.categories.isEmpty && e.authors.isEmpty) else {
            return nil
        }
        try db.run("INSERT INTO story_text(summary, content, categories, authors) VALUES (?, ?, ?, ?)") { a in
            a.add(e.summary)
            a.add(Self.prefix(e.content, bytes: Self.storedContentBytes))
            a.add(e.categories.joined(separator: "\n"))
            a.add(e.authors.joined(separator: "\n"))
        }
        return db.lastInsertedRowID
    }

    /// Keeps a new story's fingerprint for the cross-feed window, found through its bands.
    private func remember(
        _ db: Database, _ fingerprint: Fingerprint, feedID: Int64, key: Data, publisher: String, now: Int64
    ) throws {
        try db.cachedStatement(
            sql: "INSERT INTO story_sketch(feed_id, key, publisher, seen_at, minhash) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [feedID, key, publisher, now, Data(fingerprint.bytes)])
        let sketch = db.lastInsertedRowID
        let band = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO story_band(band, publisher, sketch) VALUES (?, ?, ?)")
        for b in fingerprint.bands { try band.execute(arguments: [b, publisher, sketch]) }
    }

    /// A feed document's stories as the store identified them: for each version listed (its content
    /// hash), the key of the stored story, in document order, each version once.
    struct Listing {
        var keys: [DigestValue: Data] = [:]
        var blob = Data()

        init(capacity: Int) {
            keys.reserveCapacity(capacity)
            blob.reserveCapacity(capacity * 64)
        }

        /// The listing stored as `feed.listed`: 64-byte records, content hash then key.
        init(blob: Data) {
            self.blob = blob
            keys.reserveCapacity(blob.count / 64)
            var offset = blob.startIndex
            while offset + 64 <= blob.endIndex {
                keys[DigestValue(blob[offset..<offset + 32])] = blob[offset + 32..<offset + 64]
                offset += 64
            }
        }

        mutating func add(content: Data, key: Data) {
            guard content.count == 32, key.count == 32, keys.updateValue(key, forKey: DigestValue(content)) == nil
            else {
                return
            }
            blob.append(content)
            blob.append(key)
        }

        /// The stored stories listed.
        var members: Set<Data> { Set(keys.values) }
    }

    /// Notes which stories the feed's document listed: those the previous document listed and this
    /// one does not have left the feed now (`left_at`; `last_seen_at` becomes the time of the last
    /// document that listed them), those back in it have not. Only changes are written, so a poll
    /// of an unchanged feed writes no story row. A feed recorded before the store kept listings has
    /// every stored story missing from this document marked as left.
    private func recordListing(
        _ db: Database, feedID: Int64, before: Listing, now: Listing, at time: Int64, previousDocumentAt: Int64?,
        firstPoll: Bool
    ) throws {
        // The usual poll: the same document as last time, compared byte for byte.
        if !before.blob.isEmpty, before.blob == now.blob { return }
        // The feed's first document: every story it lists was stored by this poll, so none has
        // left or come back (a cold start of 1,000 feeds read 30,000 keys back for nothing).
        if !firstPoll {
            try recordDepartures(
                db, feedID: feedID, before: before, now: now, at: time, previousDocumentAt: previousDocumentAt)
        }
        try db.cachedStatement(sql: "UPDATE feed SET listed = ? WHERE id = ?").execute(arguments: [now.blob, feedID])
    }

    /// Marks the stories the previous document listed and this one does not as left, and those
    /// back in it as not.
    private func recordDepartures(
        _ db: Database, feedID: Int64, before: Listing, now: Listing, at time: Int64, previousDocumentAt: Int64?
    ) throws {
        let current = now.members
        let previous =
            before.blob.isEmpty
            ? Set(
                try Data.fetchAll(
                    db.cachedStatement(sql: "SELECT key FROM story WHERE feed_id = ? AND left_at IS NULL"),
                    arguments: [feedID])) : before.members
        let leave = try db.cachedStatement(
            sql: """
                UPDATE story SET left_at = ?, last_seen_at = MAX(last_seen_at, ?)
                WHERE feed_id = ? AND key = ? AND left_at IS NULL
                """)
        for key in previous.subtracting(current) {
            try leave.execute(arguments: [time, previousDocumentAt ?? 0, feedID, key])
        }
        let back = try db.cachedStatement(
            sql: "UPDATE story SET left_at = NULL WHERE feed_id = ? AND key = ? AND left_at IS NOT NULL")
        for key in current.subtracting(previous) { try back.execute(arguments: [feedID, key]) }
    }

    /// How a story found in a poll relates to what the store knows of its feed.
    private enum Sighting {
        /// Known, unchanged.
        case seen(key: Data)
        /// Known; its content changed only in numbers or in ways the hashes cannot tell (stored
        /// before v5): the stored version is replaced without an event.
        case noise(key: Data)
        /// Known, edited.
        case updated(key: Data, StoryUpdate)
        /// Not known; stored under this key.
        case new(key: Data)

        /// The key of the stored row.
        var key: Data {
            switch self {
            case .seen(let key), .noise(let key), .updated(let key, _), .new(let key): key
            }
        }
    }

    /// The stored version of a story that a lookup found.
    private struct StoredVersion {
        var key: Data
        var contentHash: Data
        var linkHash: Data?
        var titleHash: Data?
        var bodyHash: Data?
        var title: String
        var link: String?

        init(_ row: Row) {
            key = row["key"]
            contentHash = row["content_hash"]
            linkHash = row["link_hash"]
            titleHash = row["title_hash"]
            bodyHash = row["body_hash"]
            title = row["title"]
            link = row["link"]
        }
    }

    private static let versionColumns = "key, content_hash, link_hash, title_hash, body_hash, title, link"

    /// The identity model (README "Identity"), in order:
    /// 1. the same key: the same story, unless both its link and its title changed — then the
    ///    publisher reused an id for a different story, which is stored under a key derived from
    ///    the id and its text; for a key made from the link, unless the link is shared (below)
    ///    and the headline and body both differ;
    /// 2. the same canonical link: the same story (its id changed), unless the link is shared:
    ///    two stories of the feed are stored under it, or the one stored is listed in this
    ///    document as itself (`claimed`) with another headline and body — a feed linking every
    ///    entry to its home page, whose entries are not one story;
    /// 3. the same title and body: the same story (its id and link changed);
    /// otherwise a new story. A known story whose content hash differs is an update when its
    /// title, link or number-free body changed, noise otherwise.
    private func classify(_ db: Database, feedID: Int64, story: Story, claimed: Set<DigestValue>) throws -> Sighting {
        let key = Data(story.key)
        let content = Data(story.contentHash)
        var reused = false
        // The common case first, in one cheap read: the key absent (nil), present in another
        // version (0), or the same version (1).
        let known = try db.first(
            "SELECT content_hash = ? FROM story WHERE feed_id = ? AND key = ?",
            { a in
                a.add(content)
                a.add(feedID)
                a.add(key)
            }, { $0.int64(0) })
        if known == 1 { return .seen(key: key) }
        if known != nil,
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.versionColumns) FROM story WHERE feed_id = ? AND key = ?"),
                arguments: [feedID, key])
        {
            let stored = StoredVersion(row)
            let sameLink = stored.linkHash != nil && stored.linkHash == story.linkHash.map { Data($0) }
            let sameTitle = stored.titleHash.map { $0 == Data(story.titleHash) } ?? true
            if story.keySource == .link {
                var shared = claimed.contains(DigestValue(key))
                if !shared, let link = story.linkHash {
                    shared = try storiesUnder(db, feedID: feedID, link: link).count > 1
                }
                if !(shared && Self.anotherStory(stored, story)) { return compare(stored, story) }
            } else if sameLink || sameTitle {
                return compare(stored, story)
            }
            reused = true
        }
        // (A key made from the link was looked up as the key already.)
        if story.keySource != .link, let link = story.linkHash {
            let stored = try storiesUnder(db, feedID: feedID, link: link)
            if stored.count == 1, let only = stored.first,
                !(claimed.contains(DigestValue(only.key)) && Self.anotherStory(only, story))
            {
                return only.contentHash == content ? .seen(key: only.key) : compare(only, story)
            }
        }
        if let found = try db.first(
            "SELECT key FROM story WHERE feed_id = ? AND text_hash = ? LIMIT 1",
            { a in
                a.add(feedID)
                a.add(story.textHash)
            }, { $0.data(0) })
        {
            return .seen(key: found)
        }
        return .new(key: reused ? Data(Digest.sha256(story.key + story.textHash)) : key)
    }

    /// Up to two of the feed's stories under a canonical link: one is the story the link names;
    /// two mean the feed shares the link between stories.
    private func storiesUnder(_ db: Database, feedID: Int64, link: [UInt8]) throws -> [StoredVersion] {
        try Row.fetchAll(
            db.cachedStatement(
                // INDEXED BY: without statistics SQLite prefers scanning the feed's rows by
                // primary key to an index lookup followed by a row fetch.
                sql: """
                    SELECT \(Self.versionColumns) FROM story INDEXED BY story_by_link
                    WHERE feed_id = ? AND link_hash = ? LIMIT 2
                    """),
            arguments: [feedID, Data(link)]
        ).map(StoredVersion.init)
    }

    /// Whether a story found under a shared link is another one than the stored story: neither its
    /// headline nor its (number-free) body is the same. An entry with no body has nothing to
    /// show by it: its headline decides.
    private static func anotherStory(_ stored: StoredVersion, _ story: Story) -> Bool {
        anotherStory(titleHash: stored.titleHash, bodyHash: stored.bodyHash, story)
    }

    /// As `anotherStory(_:_:)`, from a stored story's title and body hashes (nil: not recorded,
    /// taken as the same).
    private static func anotherStory(titleHash: Data?, bodyHash: Data?, _ story: Story) -> Bool {
        let sameTitle = titleHash.map { $0 == Data(story.titleHash) } ?? true
        let sameBody = bodyHash.map { $0 == Data(story.bodyHash) } ?? true
        let hasBody = !(story.entry.content.isEmpty && story.entry.summary.isEmpty)
        return !sameTitle && !(sameBody && hasBody)
    }

    /// The stories recorded so far in a poll of a feed that had none stored (its first poll, or
    /// every story forgotten): `classify` looks only among this feed's stories, so a story that
    /// shares no key, link or text with the ones before it in this poll cannot be found, and is
    /// new without the three lookups. Adding a thousand feeds at once costs that much less. Any
    /// story that does share one goes through `classify` as usual.
    struct FirstStories {
        private var digests: Set<DigestValue> = []

        /// nil when the feed has stories stored.
        init?(_ db: Database, feedID: Int64) throws {
            let stored = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM story WHERE feed_id = ?)"), arguments: [feedID])
            if stored ?? true { return nil }
        }

        func isUnlikeAll(_ story: Story) -> Bool {
            !digests.contains(DigestValue(story.key)) && !digests.contains(DigestValue(story.textHash))
                && !(story.linkHash.map { digests.contains(DigestValue($0)) } ?? false)
        }

        /// Remembers what a lookup could now find: the story's key as stored, and its own key,
        /// link and text, all in one set (a digest of one kind equal to one of another would only
        /// send a story through `classify`).
        mutating func note(_ story: Story, key: Data) {
            digests.insert(DigestValue(key))
            digests.insert(DigestValue(story.key))
            digests.insert(DigestValue(story.textHash))
            if let link = story.linkHash { digests.insert(DigestValue(link)) }
        }
    }

    private func compare(_ stored: StoredVersion, _ story: Story) -> Sighting {
        let change = StoryUpdate(
            titleChanged: stored.titleHash.map { $0 != Data(story.titleHash) } ?? false,
            linkChanged: stored.linkHash != story.linkHash.map { Data($0) },
            bodyChanged: stored.bodyHash.map { $0 != Data(story.bodyHash) } ?? false,
            previousTitle: stored.title, previousLink: stored.link)
        return change.changes.isEmpty ? .noise(key: stored.key) : .updated(key: stored.key, change)
    }

    /// Stores a story's new version in place of the old one (same feed and key), its text too.
    private func replaceVersion(_ db: Database, feedID: Int64, key: Data, story: Story, now: Int64) throws {
        try db.cachedStatement(
            sql: "DELETE FROM story_text WHERE id = (SELECT text_id FROM story WHERE feed_id = ? AND key = ?)"
        ).execute(arguments: [feedID, key])
        let textID = try insertText(db, story)
        try db.cachedStatement(
            sql: """
                UPDATE story SET content_hash = ?, link_hash = ?, text_hash = ?, title = ?, link = ?, published = ?,
                    last_seen_at = ?, title_hash = ?, body_hash = ?, text_id = ?
                WHERE feed_id = ? AND key = ?
                """
        ).execute(arguments: [
            Data(story.contentHash), story.linkHash.map { Data($0) }, Data(story.textHash), story.entry.title,
            story.entry.link, story.entry.published?.seconds, now, Data(story.titleHash), Data(story.bodyHash),
            textID, feedID, key,
        ])
        crossFeed.withLock { $0.add(feedID: feedID, linkHash: story.linkHash, textHash: story.textHash) }
    }

    private func enqueue(_ db: Database, _ e: OutboxEntry, at now: Int64) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO output_state(name) VALUES (?)").execute(arguments: [e.output]
        )
        let seq =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT next_seq FROM output_state WHERE name = ?"), arguments: [e.output]) ?? 1
        try db.cachedStatement(sql: "UPDATE output_state SET next_seq = ? WHERE name = ?").execute(arguments: [
            seq + 1, e.output,
        ])
        try db.cachedStatement(
            sql: "INSERT INTO outbox(output, seq, event_id, created_at, payload) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [e.output, seq, e.eventID, now, Data(e.payload)])
    }

    private func updateFeed(_ db: Database, feedID: Int64, poll: PollRecord, title: String, listedEntries: Bool)
        throws
    {
        let success = poll.error == nil
        try db.cachedStatement(
            sql: """
                UPDATE feed SET
                    title = ?,
                    etag = CASE WHEN ? THEN ? ELSE etag END,
                    last_modified = CASE WHEN ? THEN ? ELSE last_modified END,
                    first_polled_at = COALESCE(first_polled_at, CASE WHEN ? THEN ? END),
                    last_polled_at = ?,
                    last_success_at = CASE WHEN ? THEN ? ELSE last_success_at END,
                    last_document_at = CASE WHEN ? THEN ? ELSE last_document_at END,
                    last_status = ?,
                    last_error = ?,
                    error_streak = CASE WHEN ? THEN 0 ELSE error_streak + 1 END,
                    next_poll_at = ?,
                    polls = polls + 1,
                    not_modified = not_modified + ?,
                    moved_count = CASE WHEN ? IS NULL THEN 0 WHEN moved_to = ? THEN moved_count + 1 ELSE 1 END,
                    moved_to = ?
                WHERE id = ?
                """
        ).execute(arguments: [
            title,
            success && !poll.notModified, poll.etag,
            success && !poll.notModified, poll.lastModified,
            success, poll.polledAt.seconds,
            poll.polledAt.seconds,
            success, poll.polledAt.seconds,
            success && listedEntries, poll.polledAt.seconds,
            poll.status,
            poll.error,
            success,
            poll.nextPollAt.seconds,
            poll.notModified ? 1 : 0,
            poll.movedTo, poll.movedTo, poll.movedTo,
            feedID,
        ])
    }

    // MARK: - Outbox

    /// The pending events of `output` that may be delivered by `now`: the oldest ones, stopping at
    /// the first that is waiting for a retry (events after it must not overtake it).
    public func pendingOutbox(output: String, dueBy now: Timestamp, limit: Int) throws -> [OutboxItem] {
        try wrap("read outbox of \(output)") {
            try pool.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM outbox WHERE output = ? AND state = 'pending' ORDER BY seq LIMIT ?",
                    arguments: [output, limit])
                return rows.prefix { ($0["next_attempt_at"] as Int64) <= now.seconds }.map(SQLiteStore.outboxItem)
            }
        }
    }

    private static func outboxItem(_ row: Row) -> OutboxItem {
        OutboxItem(
            output: row["output"], seq: row["seq"], eventID: row["event_id"], payload: Array(row["payload"] as Data),
            attempts: row["attempts"], createdAt: Timestamp(seconds: row["created_at"]), lastError: row["last_error"])
    }

    /// The events of `output` in any state (pending or dead), oldest first.
    public func outbox(output: String?, limit: Int) throws -> [(
        item: OutboxItem, state: String, nextAttemptAt: Timestamp
    )] {
        try wrap("read outbox") {
            try pool.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM outbox WHERE (? IS NULL OR output = ?) ORDER BY output, seq LIMIT ?",
                    arguments: [output, output, limit])
                return rows.map { (SQLiteStore.outboxItem($0), $0["state"], Timestamp(seconds: $0["next_attempt_at"])) }
            }
        }
    }

    /// Makes every held event of `output` (all outputs when nil), dead-lettered or waiting for a
    /// retry, due now; dead letters start their attempts again. Returns how many events that is.
    @discardableResult
    public func retryOutbox(output: String?, now: Timestamp) throws -> Int {
        try wrap("retry outbox") {
            try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE outbox SET next_attempt_at = MIN(next_attempt_at, ?),
                            attempts = CASE state WHEN 'dead' THEN 0 ELSE attempts END, state = 'pending'
                        WHERE (? IS NULL OR output = ?)
                        """, arguments: [now.seconds, output, output])
                return db.changesCount
            }
        }
    }

    /// Deletes the events with this id (from one output, or every output when nil). Returns how
    /// many were deleted.
    @discardableResult
    public func dropOutbox(eventID: String, output: String?) throws -> Int {
        try wrap("drop from outbox") {
            try pool.write { db in
                try db.execute(
                    sql: "DELETE FROM outbox WHERE event_id = ? AND (? IS NULL OR output = ?)",
                    arguments: [eventID, output, output])
                return db.changesCount
            }
        }
    }

    /// Makes the pending events of `output` whose next attempt is after `latest` due at `now`.
    /// Returns how many there were.
    @discardableResult
    public func bringForwardOutbox(output: String, after latest: Timestamp, to now: Timestamp) throws -> Int {
        try wrap("re-time outbox of \(output)") {
            try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE outbox SET next_attempt_at = ?
                        WHERE output = ? AND state = 'pending' AND next_attempt_at > ?
                        """, arguments: [now.seconds, output, latest.seconds])
                return db.changesCount
            }
        }
    }

    /// When the oldest pending event of `output` may next be attempted, if one is pending.
    public func nextDue(output: String) throws -> Timestamp? {
        try wrap("read outbox of \(output)") {
            try pool.read { db in
                try Int64.fetchOne(
                    db,
                    sql:
                        "SELECT next_attempt_at FROM outbox WHERE output = ? AND state = 'pending' ORDER BY seq LIMIT 1",
                    arguments: [output]
                ).map(Timestamp.init)
            }
        }
    }

    /// Removes events their output has acknowledged.
    public func acknowledge(output: String, seqs: [Int64], at now: Timestamp) throws {
        guard !seqs.isEmpty else { return }
        try wrap("acknowledge outbox of \(output)") {
            try pool.write { db in
                // Cached statements: a webhook acknowledges every POST, thousands a second.
                let delete = try db.cachedStatement(sql: "DELETE FROM outbox WHERE output = ? AND seq = ?")
                for seq in seqs { try delete.execute(arguments: [output, seq]) }
                try db.cachedStatement(
                    sql: "UPDATE output_state SET delivered = delivered + ?, last_success_at = ? WHERE name = ?"
                ).execute(arguments: [seqs.count, now.seconds, output])
            }
        }
    }

    /// Records a failed attempt: the event is retried at `nextAttemptAt`, or is dead (kept, not retried).
    public func deferDelivery(output: String, seq: Int64, nextAttemptAt: Timestamp, error: String, dead: Bool) throws {
        try wrap("update outbox of \(output)") {
            try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
                            state = CASE WHEN ? THEN 'dead' ELSE 'pending' END
                        WHERE output = ? AND seq = ?
                        """,
                    arguments: [nextAttemptAt.seconds, error, dead, output, seq])
            }
        }
    }

    /// Counts per output.
    public func outboxCounts() throws -> [String: OutboxCounts] {
        try wrap("read outbox") {
            try pool.read { db in
                var out: [String: OutboxCounts] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, delivered, last_success_at FROM output_state") {
                    var c = OutboxCounts()
                    c.delivered = row["delivered"]
                    c.lastSuccessAt = (row["last_success_at"] as Int64?).map(Timestamp.init)
                    out[row["name"]] = c
                }
                for row in try Row.fetchAll(
                    db, sql: "SELECT output, state, COUNT(*) AS n FROM outbox GROUP BY output, state")
                {
                    let name: String = row["output"]
                    let n: Int = row["n"]
                    if (row["state"] as String) == "dead" {
                        out[name, default: OutboxCounts()].dead = n
                    } else {
                        out[name, default: OutboxCounts()].pending = n
                    }
                }
                return out
            }
        }
    }

    /// How many stories the store holds and the size of its database, in bytes.
    public func size() throws -> (stories: Int, bytes: Int64) {
        try wrap("read store size") {
            try pool.read { db in
                let stories = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM story") ?? 0
                let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                return (stories, pages * pageSize)
            }
        }
    }

    /// Checks the database file's integrity (`PRAGMA integrity_check`); nil when it is sound.
    public func integrityProblem() throws -> String? {
        try wrap("integrity check") {
            try pool.read { db in
                let result = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                return result == ["ok"] ? nil : result.joined(separator: "; ")
            }
        }
    }
}
