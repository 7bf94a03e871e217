/// What a feed document says about itself, as opposed to its entries.
public struct FeedInfo: Sendable, Equatable {
    public var title: String
    /// The site the feed belongs to (RSS `channel/link`, Atom `link rel="alternate"`).
    public var link: String?
    public var format: FeedFormat?
    /// Publisher hints on how often to poll: RSS `ttl` (minutes), `sy:updatePeriod` and
    /// `sy:updateFrequency`, `skipHours`, `skipDays`. The scheduler honours them within bounds.
    public var hints: PollHints

    public init(title: String = "", link: String? = nil, format: FeedFormat? = nil, hints: PollHints = PollHints()) {
        self.title = title
        self.link = link
        self.format = format
        self.hints = hints
    }
}

/// Polling hints published inside a feed document.
public struct PollHints: Sendable, Equatable {
    /// RSS `ttl`, in seconds.
    public var ttl: Int64?
    /// `sy:updatePeriod` / `sy:updateFrequency` combined, in seconds between updates.
    public var updatePeriod: Int64?
    /// RSS `skipHours`: hours of the day (0-23, GMT) in which the feed should not be polled.
    public var skipHours: Set<Int>
    /// RSS `skipDays`: days of the week (1 = Monday ... 7 = Sunday) in which not to poll.
    public var skipDays: Set<Int>

    public init(ttl: Int64? = nil, updatePeriod: Int64? = nil, skipHours: Set<Int> = [], skipDays: Set<Int> = []) {
        self.ttl = ttl
        self.updatePeriod = updatePeriod
        self.skipHours = skipHours
        self.skipDays = skipDays
    }
}

/// The document formats the parser recognises, detected from content, never from the URL.
public enum FeedFormat: String, Sendable, Equatable {
    case rss090 = "rss090"
    case rss091 = "rss091"
    case rss092 = "rss092"
    case rss20 = "rss20"
    case rss10 = "rss10"
    case atom03 = "atom03"
    case atom10 = "atom10"
    case jsonFeed = "json"
}
