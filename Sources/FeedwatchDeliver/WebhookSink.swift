public import FeedwatchHTTP
public import FeedwatchModel
public import FeedwatchStore

/// The `webhook` output: signed HTTP POSTs, one per event (or per `batch` events), in order.
///
/// Only a 2xx answer acknowledges. 410 Gone disables the output. 429 and 503 are retried after
/// their `Retry-After`. Other 4xx answers say the receiver rejects this event: after 5 such
/// answers it is dead-lettered so it does not hold up the events behind it. Everything else
/// (5xx, timeouts, refused connections, redirects) is retried with backoff.
public final class WebhookSink: OutputSink {
    public let name: String
    public let batchLimit: Int
    /// One POST.
    public let groupSize: Int
    public let retry: RetryPolicy
    private let url: String
    private let style: MessageStyle
    private let signer: WebhookSigner?
    private let timeout: Duration
    private let batch: Int
    private let client: HTTPClient

    /// - Parameter batch: events per POST; above 1 the body is a JSON array of native events.
    public init(
        name: String, url: String, style: MessageStyle = .native, signer: WebhookSigner?, timeout: Duration,
        batch: Int = 1, retry: RetryPolicy = .webhook, client: HTTPClient
    ) {
        self.name = name
        self.url = url
        self.style = style
        self.signer = signer
        self.timeout = timeout
        self.batch = max(1, batch)
        self.retry = retry
        self.client = client
        batchLimit = self.batch * 20
        groupSize = self.batch
    }

    /// One POST of `items` (one event, or up to `batch` as an array); all are accepted or none.
    public func deliver(_ items: [OutboxItem]) async -> DeliveryReport {
        var report = DeliveryReport()
        guard let first = items.first else { return report }
        let (target, body, id) = request(items[...])
        let timestamp = Timestamp.now().seconds
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
        ]
        if let signer {
            headers.append(("webhook-signature", signer.signature(id: id, timestamp: timestamp, body: body)))
        }
        let response = await client.perform(
            HTTPRequest(
                url: target, method: .post(body: body), headers: headers, timeout: timeout,
                connectTimeout: min(timeout, .seconds(10)), maxBodyBytes: 1 << 20, followRedirects: false))
        // The receiver's verdict is its status line: a 2xx accepted the events, even when the
        // answer's body then failed to arrive whole (over the 1 MiB read, cut off, too slow).
        // Retrying those would deliver them again, at every attempt until dead-lettered.
        if (200..<300).contains(response.status) {
            report.accepted = items.map(\.seq)
        } else {
            // The group's first event stands for it: the whole group is retried together.
            report.failure = failure(first, response)
        }
        return report
    }

    /// The URL, body and `webhook-id` for a group of events. Unbatched: the event's own id and
    /// body (in the output's style). Batched: always a JSON array (of one event too, so consumers
    /// parse one shape), under an id derived from the events', so a retry of the same group
    /// carries the same id; consumers de-duplicate on each event's `id`.
    private func request(_ group: ArraySlice<OutboxItem>) -> (url: String, body: [UInt8], id: String) {
        guard batch > 1, let first = group.first else {
            guard let item = group.first else { return (url, [], "") }
            let (target, body) = ChatMessage.request(style, url: url, item: item)
            return (target, body, item.eventID)
        }
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (i, item) in group.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: EventLine.render(item))
        }
        body.append(UInt8(ascii: "]"))
        let ids = group.map(\.eventID).joined(separator: ",")
        let digest = Digest.hex(Digest.sha256(ids)).prefix(32)
        return (url, body, "batch_\(first.seq)_\(digest)")
    }

    private func failure(_ item: OutboxItem, _ r: HTTPResponse) -> DeliveryReport.Failure {
        if let error = r.error {
            return .init(seq: item.seq, reason: error.description, retryAfter: nil, disposition: .retry)
        }
        let reason = "HTTP \(r.status)"
        switch r.status {
        case 410:
            return .init(seq: item.seq, reason: "HTTP 410 Gone", retryAfter: nil, disposition: .disableOutput)
        case 429, 503:
            let wait = RetryAfter.parse(r.headers["retry-after"], now: .now())
            return .init(seq: item.seq, reason: reason, retryAfter: wait, disposition: .retry)
        case 300..<400:
            // Redirects are not followed (a signed POST is not re-sent to an address the receiver
            // names): like a client error, it will not change by itself, and held for days it
            // would hold every later event.
            let location = r.headers["location"].map { " to \(RedactedURL.text($0))" } ?? ""
            return .init(
                seq: item.seq, reason: "\(reason)\(location): redirects are not followed; set the output's url",
                retryAfter: nil, disposition: item.attempts + 1 >= 5 ? .dead : .retry)
        case 400..<500 where ![408, 409, 425].contains(r.status):
            return .init(
                seq: item.seq, reason: reason, retryAfter: nil, disposition: item.attempts + 1 >= 5 ? .dead : .retry)
        default:
            return .init(seq: item.seq, reason: reason, retryAfter: nil, disposition: .retry)
        }
    }

    public func reopen() throws {}
}
