public import FeedwatchModel
public import FeedwatchNormalise

/// What the store remembers about a feed between polls and across restarts.
public struct FeedState: Sendable, Equatable {
    public var url: String
    public var title: String
    public var etag: String?
    public var lastModified: String?
    public var firstPolledAt: Timestamp?
    public var lastPolledAt: Timestamp?
    public var lastSuccessAt: Timestamp?
    /// The last HTTP status; 0 when the poll got no HTTP answer.
    public var lastStatus: Int?
    public var lastError: String?
    public var errorStreak: Int
    public var nextPollAt: Timestamp?
    public var polls: Int
    /// Polls answered 304 Not Modified.
    public var notModified: Int
    /// Where the feed answered it has moved permanently (301/308), and in how many polls in a
    /// row; after `FeedHealth.movedAfter` the new URL is fetched directly.
    public var movedTo: String?
    public var movedCount = 0

    public init(url: String) {
        self.url = url
        self.title = ""
        self.errorStreak = 0
        self.polls = 0
        self.notModified = 0
    }
}

/// The outcome of one poll, recorded together with the stories it found.
public struct PollRecord: Sendable {
    public var polledAt: Timestamp
    public var status: Int
    /// Validators of the response; nil keeps the stored ones (a 304 or a failure).
    public var etag: String?
    public var lastModified: String?
    public var notModified: Bool
    /// Why the poll failed; nil when it succeeded.
    public var error: String?
    public var nextPollAt: Timestamp
    public var title: String?
    /// The URL a chain of permanent redirects (301/308 only) led to, when the poll succeeded there.
    public var movedTo: String?

    public init(
        polledAt: Timestamp, status: Int, etag: String? = nil, lastModified: String? = nil, notModified: Bool = false,
        error: String? = nil, nextPollAt: Timestamp, title: String? = nil
    ) {
        self.polledAt = polledAt
        self.status = status
        self.etag = etag
        self.lastModified = lastModified
        self.notModified = notModified
        self.error = error
        self.nextPollAt = nextPollAt
        self.title = title
    }
}

/// A story the store has not seen before, or a new version of one it has, handed to the caller
/// inside the recording transaction so that the events it causes are written atomically with it.
public struct StorySighting: Sendable {
    public let story: Story
    public let feedURL: String
    public let feedTitle: String
    /// True on the first successful poll of the feed (its whole archive is "new").
    public let isFirstPoll: Bool
    public let detectedAt: Timestamp
    /// nil for a new story; what changed for a new version of a known one.
    public let update: StoryUpdate?
}

/// What an edit changed in a story the store knew (same key, or same link, different content).
/// Changes to numbers only (comment and view counts) and to tracking parameters never get here.
public struct StoryUpdate: Sendable, Equatable {
    public var titleChanged: Bool
    public var linkChanged: Bool
    public var bodyChanged: Bool
    public var previousTitle: String
    public var previousLink: String?

    public var changes: [String] {
        [(titleChanged, "title"), (linkChanged, "link"), (bodyChanged, "body")].filter(\.0).map(\.1)
    }
}

/// One event for one output, to be written to the outbox.
public struct OutboxEntry: Sendable {
    public let output: String
    public let eventID: String
    public let payload: [UInt8]

    public init(output: String, eventID: String, payload: [UInt8]) {
        self.output = output
        self.eventID = eventID
        self.payload = payload
    }
}

/// An event waiting in the outbox.
public struct OutboxItem: Sendable, Equatable {
    public let output: String
    /// Position in the output's sequence; events are delivered in this order.
    public let seq: Int64
    public let eventID: String
    public let payload: [UInt8]
    public let attempts: Int
    public let createdAt: Timestamp
    public let lastError: String?
}

public struct RecordResult: Sendable, Equatable {
    public var new = 0
    /// Known stories found in a new version (whether or not any watch announces it).
    public var updated = 0
    /// New to this feed, but another feed had them within the duplicate window: not announced.
    public var duplicates = 0
    /// Stories whose publisher id did not identify them: known under another id (by link or text),
    /// or an id already naming a different story.
    public var unreliableIDs = 0
    public var seen = 0
    public var events = 0

    public init() {}
}

/// Outbox figures for one output.
public struct OutboxCounts: Sendable, Equatable {
    public var pending = 0
    public var dead = 0
    public var delivered = 0
    public var lastSuccessAt: Timestamp?

    public init() {}
}

/// A story as the store keeps it, with the text watches read (for replays).
public struct StoredStory: Sendable {
    public var feedURL: String
    public var feedTitle: String
    public var title: String
    public var link: String?
    public var summary: String
    public var content: String
    public var categories: [String]
    public var authors: [String]
    public var published: Timestamp?
    public var firstSeen: Timestamp
}

/// A change in a feed's health that outputs hear about (events `feed.failing`, `feed.recovered`).
public enum FeedHealthChange: Sendable, Equatable {
    case failing(failures: Int, error: String, lastSuccess: Timestamp?)
    case recovered(failingSince: Timestamp)
}

public enum FeedHealth {
    /// Polls in a row that must find the same permanent redirect before the new URL is fetched
    /// directly: one answer could be a misconfigured server for an hour.
    public static let movedAfter = 3

    /// Failures in a row before a feed is reported failing: one timeout or one 503 is weather, not
    /// news; three in a row (with backoff, tens of minutes) is a feed an operator should look at.
    public static let failingAfter = 3
}
