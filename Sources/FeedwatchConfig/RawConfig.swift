/// The configuration file exactly as written, decoded strictly (an unknown key is an error).
/// Validation into `Config` happens in `ConfigLoader`; see README "Configuration" for each key.
/// Encodable too: a reload decodes the file in a child process, which hands this over as JSON
/// (`ConfigLoader.decodeDocument`).
struct RawConfig: Codable {
    var stateDir: String?
    var logDir: String?
    var store: String?
    var interval: String?
    var logLevel: String?
    var fetch: RawFetch?
    var aliases: [String: [String]]?
    var feed: [RawFeed]?
    var watch: [RawWatch]?
    var output: [RawOutput]?
    var metrics: RawMetrics?
    var stories: RawStories?

    enum CodingKeys: String, CodingKey {
        case stateDir = "state_dir"
        case logDir = "log_dir"
        case store, interval
        case logLevel = "log_level"
        case fetch, aliases, feed, watch, output, metrics, stories
    }
}

struct RawStories: Codable {
    var forgetAfter: String?
    var acrossFeeds: String?

    enum CodingKeys: String, CodingKey {
        case forgetAfter = "forget_after"
        case acrossFeeds = "across_feeds"
    }
}

struct RawMetrics: Codable {
    var listen: String?
}

struct RawFetch: Codable {
    var timeout: String?
    var connectTimeout: String?
    var maxBodyMB: Int?
    var concurrency: Int?
    var perHost: Int?
    var allowAddresses: [String]?
    var minInterval: String?
    var maxInterval: String?

    enum CodingKeys: String, CodingKey {
        case minInterval = "min_interval"
        case maxInterval = "max_interval"
        case timeout
        case connectTimeout = "connect_timeout"
        case maxBodyMB = "max_body_mb"
        case concurrency
        case perHost = "per_host"
        case allowAddresses = "allow_addresses"
    }
}

struct RawFeed: Codable {
    var url: String
    var name: String?
    var interval: String?
}

struct RawWatch: Codable {
    var name: String
    var match: String?
    var any: [String]?
    var all: [String]?
    var none: [String]?
    var outputs: [String]?
    var backlog: RawBacklog?
    var updates: String?
    var fields: [String]?
}

/// `backlog = "none" | "24h" | 10`: a duration or a count.
enum RawBacklog: Codable {
    case text(String)
    case count(Int)

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .count(let n): try c.encode(n)
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            self = .count(n)
        } else {
            self = .text(try c.decode(String.self))
        }
    }
}

struct RawOutput: Codable {
    var name: String
    var type: String
    var path: String?
    var fsync: String?
    var url: String?
    var secretEnv: String?
    var secretFile: String?
    var timeout: String?
    var format: String?
    var template: String?
    var chatID: ChatID?
    var batch: Int?
    var retryMin: String?
    var retryMax: String?
    var retryFor: String?

    enum CodingKeys: String, CodingKey {
        case name, type, path, fsync, url, format, template, batch, timeout
        case secretEnv = "secret_env"
        case secretFile = "secret_file"
        case chatID = "chat_id"
        case retryMin = "retry_min"
        case retryMax = "retry_max"
        case retryFor = "retry_for"
    }
}

/// Telegram chat ids are numbers (`-1001234567890`) or channel names (`"@news"`); both are accepted.
struct ChatID: Codable {
    var text: String

    /// As the text: a number given as text reads back as the same text.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int64.self) {
            text = String(n)
        } else {
            text = try c.decode(String.self)
        }
    }
}
