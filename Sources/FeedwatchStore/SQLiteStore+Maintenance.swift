public import FeedwatchModel
import Foundation
import GRDB

/// Figures about the store (`feedwatch store stats`).
public struct StoreStats: Sendable {
    public struct Feed: Sendable {
        public var url: String
        public var title: String
        public var stories: Int
        public var firstSeen: Timestamp?
        public var lastSeen: Timestamp?
        /// The last poll that served entries.
        public var lastDocument: Timestamp?
    }

    public var stories = 0
    public var feeds: [Feed] = []
    /// Bytes on disk: the database, its WAL and shared-memory files.
    public var bytes: Int64 = 0
    /// Stories that have left their feed (candidates for pruning once old enough).
    public var gone = 0
    /// Stories recorded as copies of a story another feed had first (not announced).
    public var copies = 0
}

/// A story as `feedwatch store export` writes it.
public struct ExportedStory: Sendable {
    public var feedURL: String
    public var key: String
    public var keySource: String
    public var contentHash: String
    public var title: String
    public var link: String?
    public var published: Timestamp?
    public var firstSeen: Timestamp
    /// The last document of its feed that listed it.
    public var lastSeen: Timestamp
    /// For a copy of a story another feed had first (not announced): that story's feed, key, and
    /// what gave the copy away ("link", "text" or "fingerprint").
    public var copyOf: (feedURL: String, key: String, by: String)?
}

extension SQLiteStore {
    /// When story `s` (of feed `f`) was last listed by its feed: for a story still in it, the
    /// feed's last document (not written per story, see `recordListing`); for one that left, the
    /// time kept when it left.
    static let lastSeen = """
        CASE WHEN s.left_at IS NULL THEN MAX(s.last_seen_at, COALESCE(f.last_document_at, 0)) ELSE s.last_seen_at END
        """

    /// Forgets stories that left their feed more than `retention` before `now`.
    ///
    /// A story has left its feed when a document of the feed no longer listed it (`left_at`, set
    /// when the poll is recorded, cleared if it comes back). A story still in its feed is never
    /// forgotten, however old: a feed that keeps a story for a year must not see it announced
    /// again. Deletes in chunks, each its own transaction, so polls recording at the same time
    /// wait for one chunk at most. Returns the number forgotten (with `dryRun`, the number that
    /// would be).
    public func prune(retention: Duration, now: Timestamp, dryRun: Bool = false, chunk: Int = 5000) throws -> Int {
        let cutoff = now.seconds - retention.seconds
        if dryRun {
            return try wrap("count stories to prune") {
                try pool.read { db in
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM story WHERE left_at IS NOT NULL AND left_at < ?",
                        arguments: [cutoff]) ?? 0
                }
            }
        }
        var total = 0
        while true {
            let deleted = try wrap("prune stories") {
                try pool.write { db in
                    try db.execute(
                        sql: """
                            DELETE FROM story WHERE (feed_id, key) IN (
                                SELECT feed_id, key FROM story WHERE left_at IS NOT NULL AND left_at < ? LIMIT ?)
                            """,
                        arguments: [cutoff, chunk])
                    return db.changesCount
                }
            }
            total += deleted
            if deleted < chunk { return total }
        }
    }

    /// Forgets the near-duplicate fingerprints of stories first seen before `before`: they only
    /// serve the cross-feed window (`[stories] across_feeds`). Returns how many.
    @discardableResult
    public func forgetFingerprints(seenBefore before: Timestamp, chunk: Int = 20000) throws -> Int {
        var total = 0
        while true {
            let deleted = try wrap("prune fingerprints") {
                try pool.write { db in
                    // Sketch ids grow with time: the bands of the oldest go first, then they.
                    guard
                        let last = try Int64.fetchOne(
                            db,
                            sql: """
                                SELECT MAX(id) FROM (
                                    SELECT id FROM story_sketch WHERE seen_at < ? ORDER BY seen_at LIMIT ?)
                                """, arguments: [before.seconds, chunk])
                    else { return 0 }
                    try db.execute(sql: "DELETE FROM story_band WHERE sketch <= ?", arguments: [last])
                    try db.execute(sql: "DELETE FROM story_sketch WHERE id <= ?", arguments: [last])
                    return db.changesCount
                }
            }
            total += deleted
            if deleted < chunk { return total }
        }
    }

    /// Forgets a feed: its state and every story seen in it (its events still in the outbox
    /// stay). Its next poll is a first poll again, reported by each watch's `backlog`.
    /// Returns the number of stories forgotten, nil when the store does not know the feed.
    public func forget(feedURL: String) throws -> Int? {
        try wrap("forget \(RedactedURL.text(feedURL))") {
            try pool.write { db in
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM feed WHERE url = ?", arguments: [feedURL])
                else { return nil }
                try db.execute(sql: "DELETE FROM story WHERE feed_id = ?", arguments: [id])
                let stories = db.changesCount
                try db.execute(
                    sql: "DELETE FROM story_band WHERE sketch IN (SELECT id FROM story_sketch WHERE feed_id = ?)",
                    arguments: [id])
                try db.execute(sql: "DELETE FROM story_sketch WHERE feed_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM feed WHERE id = ?", arguments: [id])
                return stories
            }
        }
    }

    public func stats() throws -> StoreStats {
        var s = try wrap("read store figures") {
            try pool.read { db -> StoreStats in
                var s = StoreStats()
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT f.url, f.title, f.last_document_at, COUNT(s.key) AS n, MIN(s.first_seen_at) AS first,
                            MAX(\(Self.lastSeen)) AS last,
                            SUM(CASE WHEN s.left_at IS NOT NULL THEN 1 ELSE 0 END) AS gone,
                            SUM(CASE WHEN s.copy_of_feed IS NOT NULL THEN 1 ELSE 0 END) AS copies
                        FROM feed f LEFT JOIN story s ON s.feed_id = f.id GROUP BY f.id ORDER BY f.url
                        """)
                {
                    let n: Int = row["n"]
                    s.stories += n
                    s.gone += (row["gone"] as Int?) ?? 0
                    s.copies += (row["copies"] as Int?) ?? 0
                    s.feeds.append(
                        .init(
                            url: row["url"], title: row["title"], stories: n,
                            firstSeen: (row["first"] as Int64?).map(Timestamp.init),
                            lastSeen: (row["last"] as Int64?).map(Timestamp.init),
                            lastDocument: (row["last_document_at"] as Int64?).map(Timestamp.init)))
                }
                return s
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int64) ?? nil
            s.bytes += size ?? 0
        }
        return s
    }

    /// Every story, feed by feed, oldest first, handed to `body` one at a time (the store may
    /// hold millions).
    public func exportStories(_ body: (ExportedStory) throws -> Void) throws {
        try wrap("export stories") {
            try pool.read { db in
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT f.url, s.key, s.key_source, s.content_hash, s.title, s.link, s.published,
                            s.first_seen_at,
                            \(Self.lastSeen) AS last_seen_at,
                            o.url AS copy_of_url, s.copy_of_key, s.copy_by
                        FROM story s JOIN feed f ON f.id = s.feed_id LEFT JOIN feed o ON o.id = s.copy_of_feed
                        ORDER BY f.url, s.first_seen_at, s.key
                        """)
                while let row = try rows.next() {
                    let copyOf: (String, String, String)? =
                        if let url = row["copy_of_url"] as String?, let key = row["copy_of_key"] as Data? {
                            (url, Digest.hex(Array(key)), row["copy_by"] ?? "")
                        } else { nil }
                    try body(
                        ExportedStory(
                            feedURL: row["url"], key: Digest.hex(Array(row["key"] as Data)),
                            keySource: row["key_source"],
                            contentHash: Digest.hex(Array(row["content_hash"] as Data)), title: row["title"],
                            link: row["link"], published: (row["published"] as Int64?).map(Timestamp.init),
                            firstSeen: Timestamp(seconds: row["first_seen_at"]),
                            lastSeen: Timestamp(seconds: row["last_seen_at"]), copyOf: copyOf))
                }
            }
        }
    }
}
