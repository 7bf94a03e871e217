/// The version printed by `--version` and sent in the User-Agent.
enum FeedwatchVersion {
    static let string = "0.1.0"
    static let userAgent = "feedwatch/\(string) (feed watcher; libcurl)"
}
