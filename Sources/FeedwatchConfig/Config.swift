public import FeedwatchMatch
public import FeedwatchModel

/// A validated configuration. Built only by `ConfigLoader.load`, so every value here is usable:
/// paths absolute, durations parsed, references between watches and outputs resolved, watches
/// compiled.
public struct Config: Sendable {
    /// The file it was read from.
    public var file: String
    /// `state_dir`: holds the store. Default `$STATE_DIRECTORY` (systemd's StateDirectory=), else
    /// `/var/lib/feedwatch`.
    public var stateDirectory: String
    /// `log_dir`: where relative JSON-lines paths point. Default `$LOGS_DIRECTORY` (systemd's
    /// LogsDirectory=), else the state directory.
    public var logDirectory: String
    /// `store`: the SQLite database. Default `feedwatch.db` in the state directory.
    public var storePath: String
    /// `interval`: how often a feed is polled unless it says otherwise. Default 15 minutes.
    public var interval: Duration
    /// `log_level`: trace, debug, info, notice, warning, error. Default info.
    public var logLevel: String
    public var fetch: FetchSettings
    public var feeds: [FeedSettings]
    public var watches: [WatchSettings]
    public var outputs: [OutputSettings]
    public var aliases: [String: [String]]
    /// All watches, compiled once.
    public var matcher: Matcher
    /// `[metrics] listen`: the loopback address and port of the Prometheus endpoint; nil (the
    /// default) serves none.
    public var metricsListen: MetricsAddress?
    /// `[stories] forget_after`: how long a story is remembered once it has left its feed (a story
    /// still in its feed is never forgotten). Default 60 days.
    public var forgetAfter: Duration = .seconds(60 * 86_400)
    /// `[stories] across_feeds`: a story that another feed had within this window (same canonical
    /// link, same title and body, or a nearly identical body from another publisher) is not
    /// announced again; nil (`"off"`) announces each feed's copy. Default 48 hours.
    public var acrossFeeds: Duration? = .seconds(48 * 3600)
}

/// Where the metrics endpoint listens: a loopback IPv4 or IPv6 address and a port.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `127.0.0.1:9464` or `[::1]:9464`; only loopback addresses are accepted.
    public init?(_ text: String) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText), port > 0 else { return nil }
        guard host == "::1" || host.hasPrefix("127.") || host == "localhost" else { return nil }
        self.host = host == "localhost" ? "127.0.0.1" : String(host)
        self.port = port
    }
}

/// `[fetch]`: how feeds (and webhooks) are fetched.
public struct FetchSettings: Sendable, Equatable {
    /// `timeout`: a whole transfer. Default 30s.
    public var timeout: Duration
    /// `connect_timeout`: DNS, TCP and TLS. Default 10s.
    public var connectTimeout: Duration
    /// `max_body_mb`: decoded bytes per response, in MiB (gzip bombs stop here). Default 16.
    public var maxBodyBytes: Int
    /// The `max_body_mb` values accepted (also `parse --max-body-mb`).
    public static let maxBodyMBRange = 1...1024
    /// `concurrency`: transfers in flight at once. Default 16.
    public var concurrency: Int
    /// `per_host`: transfers in flight per host. Default 2.
    public var perHost: Int
    /// `allow_addresses`: CIDR blocks that may be connected to although they are private,
    /// loopback or link-local (refused by default). Example: `["127.0.0.1/32", "10.0.0.0/8"]`.
    public var allowAddresses: [String]

    /// `min_interval`, `max_interval`: the bounds within which publisher hints (Cache-Control,
    /// Expires, RSS ttl, sy:updatePeriod, skipHours/skipDays) may move a feed's next poll.
    /// Defaults 1 minute and 1 hour: a news watcher stays fresh whatever a feed asks.
    public var minInterval: Duration = .seconds(60)
    public var maxInterval: Duration = .seconds(3600)

    public init(
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10), maxBodyBytes: Int = 16 << 20,
        concurrency: Int = 16, perHost: Int = 2, allowAddresses: [String] = []
    ) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBodyBytes = maxBodyBytes
        self.concurrency = concurrency
        self.perHost = perHost
        self.allowAddresses = allowAddresses
    }
}

/// `[[feed]]`
public struct FeedSettings: Sendable, Equatable {
    /// `url`: http or https.
    public var url: String
    /// `name`: shown in logs and events instead of the feed's own title when set.
    public var name: String?
    /// `interval`: overrides the top-level interval for this feed.
    public var interval: Duration?
}

/// `[[watch]]`
public struct WatchSettings: Sendable, Equatable {
    /// `name`: unique; appears in events.
    public var name: String
    /// `outputs`: names of the outputs this watch's events go to. Default: every output.
    public var outputs: [String]
    /// `backlog`: what this watch reports from a feed's first poll, when everything in the feed is
    /// new. Default: stories published in the last 24 hours.
    public var backlog: Backlog
    /// `updates`: which edits of a story already seen this watch reports as `story.updated`.
    public var updates: UpdatePolicy = .title
}

/// Which edits of a known story a watch reports (the edited version must match the watch).
public enum UpdatePolicy: String, Sendable, Equatable, CaseIterable {
    /// Never.
    case none
    /// A changed headline (default): corrections and developing stories, not every typo in the body.
    case title
    /// Any change of title, link or body (changes to numbers only, such as comment counts, and to
    /// tracking parameters are never updates).
    case all
}

/// Which stories of a feed's first poll a watch reports (later polls report every new story).
public enum Backlog: Sendable, Equatable {
    /// `"none"`: nothing from the first poll.
    case none
    /// `"24h"`: stories published within this long before the poll. A story without a date, or
    /// dated in the future, counts as published when it was first seen.
    case window(Duration)
    /// `10`: the newest this many stories.
    case count(Int)
}

/// `[[output]]`
public struct OutputSettings: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `type = "jsonl"`: one JSON object per line, appended to `path` (`-` is standard output).
        case jsonl(path: String, fsync: FsyncPolicy)
        /// `type = "webhook"`: an HTTP POST per event (or per batch) to `url`.
        case webhook(WebhookSettings)
    }

    public var name: String
    public var kind: Kind
}

/// A webhook output's settings.
public struct WebhookSettings: Sendable, Equatable {
    public var url: String
    /// Signing secrets (`whsec_…`), or for `format = "telegram"` the bot token.
    public var secret: SecretSource?
    public var timeout: Duration
    public var format: MessageFormat
    /// `format = "template"`: the body.
    public var template: MessageTemplate?
    /// `format = "telegram"`: the chat to post to (a number, or `@channelname`).
    public var chatID: String?
    /// Events per POST (native format only); 1 = one event per POST.
    public var batch: Int
    public var retry: RetryPolicy

    public init(
        url: String, secret: SecretSource? = nil, timeout: Duration = .seconds(10), format: MessageFormat = .native,
        template: MessageTemplate? = nil, chatID: String? = nil, batch: Int = 1, retry: RetryPolicy = .webhook
    ) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.format = format
        self.template = template
        self.chatID = chatID
        self.batch = batch
        self.retry = retry
    }
}

/// When the JSON-lines file is flushed to disk.
public enum FsyncPolicy: String, Sendable, Equatable {
    /// After each batch of lines written together (default).
    case batch
    /// After every line.
    case always
    /// Never explicitly (the kernel flushes when it likes).
    case never
}

/// Where a webhook's signing secret comes from: never the configuration file itself, which is
/// world-readable in `/etc`.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
    /// `secret_env`: an environment variable (an EnvironmentFile= of the unit).
    case environment(String)
    /// `secret_file`: a file; a relative name is looked up in `$CREDENTIALS_DIRECTORY` (systemd's
    /// LoadCredential=).
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        }
    }
}
