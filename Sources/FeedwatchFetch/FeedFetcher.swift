public import FeedwatchHTTP
import FeedwatchModel
public import FeedwatchParse

/// What one poll of a feed found.
public struct FetchResult: Sendable {
    public enum Outcome: Sendable {
        /// 200 with a feed in it (possibly recovered from errors: see `parse.problem`).
        case feed(ParseOutcome)
        /// 304: nothing changed since the validators were issued; nothing was parsed.
        case notModified
        /// Anything else: the reason, for logs and `feedwatch status`.
        case failed(String)
    }

    public var outcome: Outcome
    /// HTTP status of the final response; 0 when none arrived.
    public var status: Int
    public var etag: String?
    public var lastModified: String?
    /// `Retry-After` of a 429 or 503, clamped to a day.
    public var retryAfter: Duration?
    public var headers: HTTPHeaders
    public var redirects: [Redirect]
    public var effectiveURL: String
    public var bytes: Int
    public var seconds: Double

    public var failed: Bool {
        if case .failed = outcome { return true }
        return false
    }
}

/// Fetches feeds: conditional requests with the stored validators, the body streamed into the
/// parser as it arrives (no whole-body buffer), the result classified.
public final class FeedFetcher: Sendable {
    private let client: HTTPClient
    private let timeout: Duration
    private let connectTimeout: Duration
    private let maxBodyBytes: Int
    private let limits: ParseLimits

    public init(
        client: HTTPClient, timeout: Duration, connectTimeout: Duration, maxBodyBytes: Int,
        limits: ParseLimits = .default
    ) {
        self.client = client
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBodyBytes = maxBodyBytes
        self.limits = limits
    }

    /// Polls `url`, sending `If-None-Match` / `If-Modified-Since` when validators are known.
    public func fetch(url: String, etag: String?, lastModified: String?) async -> FetchResult {
        var headers: [(name: String, value: String)] = [
            (
                "Accept",
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
            )
        ]
        if let etag { headers.append(("If-None-Match", etag)) }
        if let lastModified { headers.append(("If-Modified-Since", lastModified)) }
        let request = HTTPRequest(
            url: url, headers: headers, timeout: timeout, connectTimeout: connectTimeout, maxBodyBytes: maxBodyBytes)
        let sink = ParserSink(url: url, limits: limits)
        let response = await client.perform(request, sink: sink)

        var result = FetchResult(
            outcome: .failed(""), status: response.status, etag: Self.validator(response.headers["etag"]),
            lastModified: Self.validator(response.headers["last-modified"]), retryAfter: nil, headers: response.headers,
            redirects: response.redirects, effectiveURL: response.effectiveURL, bytes: response.bodyBytes,
            seconds: response.seconds)
        if let error = response.error {
            result.outcome = .failed(error.description)
            return result
        }
        switch response.status {
        case 304:
            result.outcome = .notModified
        case 200..<300:
            guard let outcome = sink.finish() else {
                result.outcome = .failed("HTTP \(response.status) with an empty body")
                return result
            }
            if let problem = outcome.problem, problem.isFatal {
                result.outcome = .failed(problem.description)
            } else {
                result.outcome = .feed(outcome)
            }
        default:
            if response.status == 429 || response.status == 503 {
                result.retryAfter = RetryAfter.parse(response.headers["retry-after"], now: .now())
            }
            result.outcome = .failed("HTTP \(response.status)")
        }
        return result
    }
}

extension FeedFetcher {
    /// The longest validator kept: real ETags and dates are tens of bytes.
    static let longestValidator = 1024

    /// A response's `ETag` or `Last-Modified` as it may be sent back in the next request, or nil.
    /// It is repeated verbatim in a request header, so one holding a control character (a bare
    /// CR could start a header of the server's choosing) is dropped, and so is one longer than
    /// `longestValidator` (a server that set a 100 kB tag would refuse every later request for
    /// its size, and the feed would fail for good).
    static func validator(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= longestValidator,
            !value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
        else { return nil }
        return value
    }
}

/// Feeds a response body into a `FeedParser` as it arrives.
///
/// Confinement, which is what `@unchecked Sendable` rests on: `begin` and `receive` run on the
/// transfer thread only; `finish` runs on the caller's task after the transfer completed, and
/// the completion (a continuation resumed on the transfer thread) orders every earlier write
/// before it.
final class ParserSink: HTTPBodySink, @unchecked Sendable {
    private let url: String
    private let limits: ParseLimits
    private var parser: FeedParser?
    private var finished = false

    init(url: String, limits: ParseLimits) {
        self.url = url
        self.limits = limits
    }

    func begin(status: Int, headers: HTTPHeaders) -> Bool {
        guard (200..<300).contains(status) else { return false }
        parser = FeedParser(documentURL: url, contentType: headers["content-type"], limits: limits)
        return true
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let parser else { return false }
        parser.consume(bytes)
        return !parser.isDone
    }

    /// The parse of the whole body; nil when no body arrived.
    func finish() -> ParseOutcome? {
        guard let parser, !finished else { return nil }
        finished = true
        return parser.finish()
    }
}
