/// How an output retries a delivery that failed: exponential backoff with jitter from `first` to
/// `longest`, and after `horizon` the event is dead-lettered (nil: retried for ever).
public struct RetryPolicy: Sendable, Equatable {
    public var first: Duration
    public var longest: Duration
    public var horizon: Duration?

    public init(first: Duration, longest: Duration, horizon: Duration?) {
        self.first = first
        self.longest = longest
        self.horizon = horizon
    }

    /// Webhooks: 5 s doubling to an hour, for about three days (what Stripe and Svix promise).
    public static let webhook = RetryPolicy(first: .seconds(5), longest: .seconds(3600), horizon: .seconds(3 * 86_400))

    /// Files: a full disk is retried every few seconds to a minute, for ever; space comes back.
    public static let file = RetryPolicy(first: .seconds(1), longest: .seconds(60), horizon: nil)

    /// How far `delay` strays from its nominal value, either way.
    static let jitter = 0.25

    /// The wait before attempt `attempt + 1`, drawn from 75-125 % of its nominal value so that
    /// many failing events do not retry in lock step.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let firstMillis = Double(first.milliseconds)
        let raw = min(firstMillis * Double(UInt64(1) << UInt64(exponent)), Double(longest.milliseconds))
        return .milliseconds(Int64(raw * Double.random(in: (1 - Self.jitter)...(1 + Self.jitter))))
    }

    /// The longest wait `delay` can give: `longest` with its jitter.
    public var longestDelay: Duration {
        .milliseconds(longest.milliseconds + Int64(Double(longest.milliseconds) * Self.jitter))
    }
}

extension Duration {
    /// Whole milliseconds.
    public var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}
