public import FeedwatchModel

/// `Retry-After` (RFC 9110 section 10.2.3): a number of seconds or an HTTP date.
public enum RetryAfter {
    /// The longest wait honoured; a server asking for more gets this.
    public static let maximum: Duration = .seconds(24 * 3600)

    /// The wait asked for, clamped to `0 ... maximum`; nil when absent or unreadable.
    public static func parse(_ value: String?, now: Timestamp) -> Duration? {
        guard let v = value?.trimmingASCIIWhitespace(), !v.isEmpty else { return nil }
        if v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {  // ASCII digits: `isNumber` takes "½" and "٣"
            guard let seconds = Int64(v.prefix(9)) else { return maximum }
            return .seconds(min(seconds, maximum.seconds))
        }
        guard let date = DateParser.parse(v) else { return nil }
        let wait = date.seconds - now.seconds
        return .seconds(max(0, min(wait, maximum.seconds)))
    }
}
