public import FeedwatchModel

/// Settings shared by every transfer of one client.
public struct HTTPSettings: Sendable {
    /// Sent with every request: names feedwatch, its version and where to read about it.
    public var userAgent: String
    /// Transfers in flight at once.
    public var concurrency: Int
    /// Transfers in flight per host name, so one slow site cannot take every slot and no site
    /// gets more than a polite share.
    public var perHost: Int
    /// Address blocks that may be connected to although they are not public (see `AddressPolicy`).
    public var allowAddresses: [AddressRange]

    public init(userAgent: String, concurrency: Int = 16, perHost: Int = 2, allowAddresses: [AddressRange] = []) {
        self.userAgent = userAgent
        self.concurrency = concurrency
        self.perHost = perHost
        self.allowAddresses = allowAddresses
    }
}

public struct HTTPRequest: Sendable {
    public enum Method: Sendable, Equatable {
        case get
        case post(body: [UInt8])
    }

    public var url: String
    public var method: Method
    public var headers: [(name: String, value: String)]
    public var timeout: Duration
    public var connectTimeout: Duration
    /// Decoded body bytes accepted; a longer body aborts the transfer (gzip bombs stop here).
    public var maxBodyBytes: Int
    /// Follow up to 5 redirects, http(s) only (feeds); webhooks treat a redirect as a failure.
    public var followRedirects: Bool

    public init(
        url: String, method: Method = .get, headers: [(name: String, value: String)] = [],
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10), maxBodyBytes: Int = 16 << 20, followRedirects: Bool = true
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBodyBytes = maxBodyBytes
        self.followRedirects = followRedirects
    }
}

/// Response headers of one response, names lower-cased, in order received.
public struct HTTPHeaders: Sendable, Equatable {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public mutating func add(_ name: String, _ value: String) { fields.append((name.lowercased(), value)) }

    /// The first value of a header.
    public subscript(_ name: String) -> String? {
        let n = name.lowercased()
        return fields.first { $0.name == n }?.value
    }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.elementsEqual(b.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// A redirect the transfer followed.
public struct Redirect: Sendable, Equatable {
    public let status: Int
    public let location: String
}

public struct HTTPResponse: Sendable {
    /// The final HTTP status; 0 when no response arrived.
    public var status: Int = 0
    public var headers = HTTPHeaders()
    /// The URL of the final response, after redirects.
    public var effectiveURL: String = ""
    /// The body, kept only when the request had no sink (up to 64 KiB, for error messages).
    public var body: [UInt8] = []
    /// Decoded body bytes received.
    public var bodyBytes = 0
    public var redirects: [Redirect] = []
    public var error: HTTPError?
    /// Seconds from start to end of the transfer.
    public var seconds: Double = 0

    public init() {}
}

public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The address policy refused to connect (a private, loopback or link-local address).
    case refusedAddress(String)
    /// The decoded body passed the size cap.
    case bodyTooLarge(Int)
    /// libcurl failed: its error code and message (connection refused, timeout, TLS, ...).
    case transport(code: Int, message: String)
    /// The client is shutting down, or the caller gave up.
    case cancelled

    public var description: String {
        switch self {
        case .refusedAddress(let a):
            return "refused to connect to \(a): not a public address (allow it with [fetch] allow_addresses)"
        case .bodyTooLarge(let n): return "response larger than \(n >> 20) MiB (decoded)"
        case .transport(let code, let message): return "\(message) (curl \(code))"
        case .cancelled: return "cancelled"
        }
    }
}

/// Receives a response body as it arrives, on the transfer thread. A feed parser is one.
public protocol HTTPBodySink: AnyObject, Sendable {
    /// Called once the final response's headers are in, before its first body byte. Return false to
    /// ignore the body (an error page).
    func begin(status: Int, headers: HTTPHeaders) -> Bool
    /// Called with each piece of the decoded body. Return false to stop the transfer (the sink has
    /// all it needs, or refuses the rest); this is not an error.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool
}
