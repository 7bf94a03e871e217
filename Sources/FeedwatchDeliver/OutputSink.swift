public import FeedwatchModel
public import FeedwatchStore

/// How a delivery attempt ended for the events it was given, in order.
public struct DeliveryReport: Sendable {
    public enum Disposition: Sendable, Equatable {
        /// Try the event again later.
        case retry
        /// Give up on the event (kept in the outbox as dead, for `feedwatch outbox`).
        case dead
        /// Stop delivering to this output until the configuration is reloaded (HTTP 410 Gone).
        case disableOutput
    }

    public struct Failure: Sendable {
        public let seq: Int64
        public let reason: String
        /// The wait the receiver asked for (`Retry-After`), if any.
        public let retryAfter: Duration?
        public let disposition: Disposition
    }

    /// Events the output acknowledged: a prefix of those given.
    public var accepted: [Int64] = []
    /// The first event not acknowledged; the ones after it were not attempted (order is kept).
    public var failure: Failure?

    public init() {}
}

/// An output: something events are delivered to.
public protocol OutputSink: Sendable {
    var name: String { get }
    /// Most events read from the outbox at once.
    var batchLimit: Int { get }
    /// Most events handed to one `deliver` call: one request or one write, acknowledged together.
    var groupSize: Int { get }
    /// How failed deliveries are retried, and for how long.
    var retry: RetryPolicy { get }
    /// Delivers up to `groupSize` events in one attempt.
    func deliver(_ items: [OutboxItem]) async -> DeliveryReport
    /// Re-opens files (after logrotate); a no-op for network outputs.
    func reopen() throws
}

/// The line written for an event: its stored payload with the output's sequence number first.
enum EventLine {
    static func render(_ item: OutboxItem) -> [UInt8] {
        var out = Array("{\"seq\":\(item.seq)".utf8)
        let body = item.payload.dropFirst()  // the payload's opening brace
        if body.first != UInt8(ascii: "}") { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: body)
        return out
    }
}
