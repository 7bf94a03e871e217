internal import CCurl
import FeedwatchModel
import Foundation
import Glibc

/// One HTTP transfer and everything libcurl's callbacks need to see.
///
/// Created by the caller, then owned by the engine thread: after `HTTPEngine.submit` hands it
/// over through a mutex, only that thread touches it, and the caller sees the result only through
/// the continuation. That confinement is what makes `@unchecked Sendable` sound here.
final class Transfer: @unchecked Sendable {
    let id: Int
    let request: HTTPRequest
    let sink: (any HTTPBodySink)?
    let policy: AddressPolicy
    let hostKey: String
    var continuation: CheckedContinuation<HTTPResponse, Never>?

    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var response = HTTPResponse()
    /// Status and headers of the response whose header block is being read.
    var currentStatus = 0
    var currentHeaders = HTTPHeaders()
    var failure: HTTPError?
    var sinkStarted = false
    var sinkAccepted = false
    var stoppedBySink = false
    var started: Double = 0
    /// Started again on a connection of its own (`HTTPEngine.retriesFresh`); never twice.
    var retriedFresh = false

    /// Bytes of body kept for callers without a sink (error messages, webhook answers).
    static let keptBody = 64 * 1024

    init(id: Int, request: HTTPRequest, sink: (any HTTPBodySink)?, policy: AddressPolicy) {
        self.id = id
        self.request = request
        self.sink = sink
        self.policy = policy
        self.hostKey = Transfer.host(of: request.url)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        errorBuffer.deallocate()
    }

    /// The host part of a URL, lower-cased: the key of the per-host limit.
    static func host(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        if hostPort.hasPrefix("[") { return String(hostPort.prefix { $0 != "]" }).lowercased() + "]" }
        return (hostPort.split(separator: ":").first.map(String.init) ?? hostPort).lowercased()
    }

    /// Forgets what the failed attempt read (it reached neither the sink nor a status), to start
    /// again on a new connection.
    func restartFresh() {
        retriedFresh = true
        response = HTTPResponse()
        currentStatus = 0
        currentHeaders = HTTPHeaders()
        errorBuffer.update(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    // MARK: - Callbacks (engine thread)

    func onHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        // Strip the line ending as bytes: in a Swift String "\r\n" is one Character, equal to
        // neither "\r" nor "\n", and would stay glued to every header value.
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        let bytes = UnsafeBufferPointer(rebasing: line[0..<end])
        if bytes.starts(with: "HTTP/".utf8) {
            let text = String(decoding: bytes, as: UTF8.self)
            // A new response begins: the previous one was a redirect (or 100 Continue).
            if (300..<400).contains(currentStatus), let location = currentHeaders["location"] {
                response.redirects.append(Redirect(status: currentStatus, location: location))
            }
            let parts = text.split(separator: " ", maxSplits: 2)
            currentStatus = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            currentHeaders = HTTPHeaders()
            return
        }
        // Found and trimmed as bytes: a String's `firstIndex(of:)` and a trim by Characters walk
        // grapheme clusters, which cost 2.6 % of a cold cycle's CPU for a dozen lines per answer.
        guard let colon = bytes.firstIndex(of: 0x3A) else { return }
        var start = colon + 1
        var stop = bytes.count
        while start < stop, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while stop > start, bytes[stop - 1] == 0x20 || bytes[stop - 1] == 0x09 { stop -= 1 }
        currentHeaders.add(
            String(decoding: UnsafeBufferPointer(rebasing: bytes[..<colon]), as: UTF8.self),
            String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self))
    }

    /// Returns false to abort the transfer.
    func onBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        response.bodyBytes += chunk.count
        if response.bodyBytes > request.maxBodyBytes {
            failure = .bodyTooLarge(request.maxBodyBytes)
            return false
        }
        guard let sink else {
            let room = Transfer.keptBody - response.body.count
            if room > 0 { response.body.append(contentsOf: chunk.prefix(room)) }
            return true
        }
        if !sinkStarted {
            sinkStarted = true
            sinkAccepted = sink.begin(status: currentStatus, headers: currentHeaders)
        }
        guard sinkAccepted else { return true }
        if !sink.receive(chunk) {
            stoppedBySink = true
            return false
        }
        return true
    }

    /// Whether a connection to this socket address is allowed; records the refusal if not.
    func mayConnect(_ address: UnsafePointer<sockaddr>) -> Bool {
        guard let bytes = SocketAddress.bytes(address) else {
            failure = .refusedAddress("a non-IP socket")
            return false
        }
        if let refused = policy.refusal(bytes, port: SocketAddress.port(address)) {
            failure = .refusedAddress(refused)
            return false
        }
        return true
    }
}
