import Foundation
import GRDB

/// Which feeds have a story under a link digest or a text digest: the writer's answer to "did
/// another feed have this story?" (`across_feeds`), held in memory.
///
/// The store's indexes of links and texts lead with the feed (`story_by_link`, `story_by_text`:
/// feed, digest), so that the stories of one poll share their pages. Led by the digest, as they
/// were from v5 to v8, every new story's two entries fell on pages picked at random by a SHA-256:
/// a cold cycle of 10,000 feeds read and rewrote those pages for a third of its time (27.1 s
/// against 17.5 s without the two indexes, stop 28). The question across feeds is answered here
/// instead, and the candidates it names are read through the feed-led indexes.
///
/// An answer may name too many feeds, never too few: a digest is kept by its first four bytes
/// (two digests sharing them name each other's feeds; with 300,000 stories in the window, one
/// lookup in 14,000 reads a feed for nothing), and a story deleted or rolled back stays
/// named until the next rebuild. Each feed named is then read with the whole digest, so such
/// extras cost a lookup that finds nothing. What must hold is that every story in the store
/// first seen since `coveredSince` is named: the table is loaded from the store and then told of
/// each story this process's writer stores (one process writes a store: `InstanceLock`).
struct CrossFeedDigests {
    /// The feeds under a digest. Most digests are one feed's, kept in `first` (8 bytes a slot).
    /// The feeds after it (a story several feeds carry) are chained in `nodes` from `extra`, one
    /// node each, not an array per digest: with every story in five feeds (the poll benchmark's
    /// corpus), arrays took 10 MB more at 10,000 feeds.
    struct FeedsByDigest {
        private struct Node {
            var feedID: Int64
            var next: Int
        }
        private var first: [UInt32: UInt32] = [:]
        private var extra: [UInt32: Int] = [:]
        private var nodes: [Node] = []

        mutating func add(_ digest: UInt32, feedID: Int64) {
            if let id = first[digest] {
                if Int64(id) == feedID { return }
            } else if let id = UInt32(exactly: feedID) {
                first[digest] = id
                return
            }
            var at = extra[digest] ?? -1
            let head = at
            while at >= 0 {
                if nodes[at].feedID == feedID { return }
                at = nodes[at].next
            }
            extra[digest] = nodes.count
            nodes.append(Node(feedID: feedID, next: head))
        }

        /// The feeds under `digest`, in ascending id order.
        func feeds(_ digest: UInt32) -> [Int64] {
            var ids: [Int64] = []
            if let id = first[digest] { ids.append(Int64(id)) }
            var at = extra[digest] ?? -1
            while at >= 0 {
                ids.append(nodes[at].feedID)
                at = nodes[at].next
            }
            return ids.count > 1 ? ids.sorted() : ids
        }
    }

    private var links = FeedsByDigest()
    private var texts = FeedsByDigest()
    /// Stories first seen at or after this time are all named; nil before the first load.
    private var coveredSince: Int64?

    /// Makes the table name every story first seen since `since`: loads it from the store the first
    /// time, and again when `since` reaches further back than the load did, or when the load is
    /// more than a `window` old. A daemon running for months then holds at most two windows'
    /// stories, not all it ever saw.
    mutating func cover(_ db: Database, since: Int64, window: Int64) throws {
        if let covered = coveredSince, covered <= since, since - covered <= window { return }
        // Polls reach the writer nearly, not exactly, in the order of their times: loaded from a
        // little earlier, a poll a few seconds older than the one that loaded it does not load
        // the whole window again.
        let from = since - Self.slack
        var links = FeedsByDigest()
        var texts = FeedsByDigest()
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT feed_id, link_hash, text_hash FROM story WHERE first_seen_at >= ?"),
            arguments: [from])
        while let row = try rows.next() {
            let feedID: Int64 = row[0]
            if let link = row[1] as Data? { links.add(Self.digest(link), feedID: feedID) }
            if let text = row[2] as Data? { texts.add(Self.digest(text), feedID: feedID) }
        }
        self.links = links
        self.texts = texts
        coveredSince = from
    }

    /// How much earlier than asked a load reaches back.
    static let slack: Int64 = 600

    /// Notes a story stored (or its new version) by this writer.
    mutating func add(feedID: Int64, linkHash: [UInt8]?, textHash: [UInt8]) {
        guard coveredSince != nil else { return }  // not loaded yet: the load will read it
        if let linkHash { links.add(Self.digest(linkHash), feedID: feedID) }
        texts.add(Self.digest(textHash), feedID: feedID)
    }

    /// Feeds other than `feedID` that may have a story under this link digest, ascending.
    func feeds(link: [UInt8], besides feedID: Int64) -> [Int64] {
        links.feeds(Self.digest(link)).filter { $0 != feedID }
    }

    /// Feeds other than `feedID` that may have a story with this text digest, ascending.
    func feeds(text: [UInt8], besides feedID: Int64) -> [Int64] {
        texts.feeds(Self.digest(text)).filter { $0 != feedID }
    }

    /// The first four bytes of a digest (its bytes are uniformly distributed). Four, not eight:
    /// at 10,000 feeds the two tables have a million slots, 4 MB less.
    static func digest<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        var value: UInt32 = 0
        for byte in bytes.prefix(4) { value = value << 8 | UInt32(byte) }
        return value
    }
}
