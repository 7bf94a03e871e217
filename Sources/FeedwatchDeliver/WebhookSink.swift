public import FeedwatchHTTP
public import FeedwatchModel
public import FeedwatchStore

/// The `webhook` output: one signed HTTP POST per event, in order.
///
/// Only a 2xx answer acknowledges an event. 410 Gone disables the output. 429 and 503 are
/// retried after their `Retry-After`. Other 4xx answers say the receiver rejects this event:
/// after 5 such answers it is dead-lettered so it does not hold up the events behind it.
/// Everything else (5xx, timeouts, refused connections, redirects) is retried with backoff.
public final class WebhookSink: OutputSink {
    public let name: String
    public let batchLimit = 20
    private let url: String
    private let signer: WebhookSigner?
    private let timeout: Duration
    private let format: MessageFormat
    private let client: HTTPClient

    public init(
        name: String, url: String, signer: WebhookSigner?, timeout: Duration, format: MessageFormat = .native,
        client: HTTPClient
    ) {
        self.name = name
        self.url = url
        self.signer = signer
        self.timeout = timeout
        self.format = format
        self.client = client
    }

    public func deliver(_ items: [OutboxItem]) async -> DeliveryReport {
        var report = DeliveryReport()
        for item in items {
            let (target, body) = ChatMessage.request(format, url: url, item: item)
            let timestamp = Timestamp.now().seconds
            var headers: [(name: String, value: String)] = [
                ("Content-Type", "application/json"),
                ("webhook-id", item.eventID),
                ("webhook-timestamp", String(timestamp)),
            ]
            if let signer {
                headers.append(
                    ("webhook-signature", signer.signature(id: item.eventID, timestamp: timestamp, body: body)))
            }
            let response = await client.perform(
                HTTPRequest(
                    url: target, method: .post(body: body), headers: headers, timeout: timeout,
                    connectTimeout: min(timeout, .seconds(10)), maxBodyBytes: 1 << 20, followRedirects: false))
            if response.error == nil, (200..<300).contains(response.status) {
                report.accepted.append(item.seq)
                continue
            }
            report.failure = failure(item, response)
            break
        }
        return report
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
        case 400..<500 where ![408, 409, 425].contains(r.status):
            return .init(
                seq: item.seq, reason: reason, retryAfter: nil, disposition: item.attempts + 1 >= 5 ? .dead : .retry)
        default:
            return .init(seq: item.seq, reason: reason, retryAfter: nil, disposition: .retry)
        }
    }

    public func reopen() throws {}
}
