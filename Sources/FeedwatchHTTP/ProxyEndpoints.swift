internal import CCurl
import FeedwatchModel
import Foundation
import Glibc
import Synchronization

/// The proxies the environment names, as libcurl reads them, resolved to the addresses and ports
/// a connection to them goes to.
///
/// A proxy is the operator's choice, and usually on a private address (a corporate proxy on
/// 10.0.0.0/8, a local one on 127.0.0.1): the address policy lets connections to it through
/// without allowing its address for anything else. A request through a proxy never connects
/// to the feed's host, so the proxy enforces its own policy on where it goes. An exact address
/// and port, not a range: a feed that bypasses the proxy (`no_proxy`) and names the proxy's
/// host on another port is still refused.
///
/// Resolved when first needed and again, at most once a minute, when a connection to a
/// non-public address is about to be refused (the proxy's name may resolve differently now).
final class ProxyEndpoints: Sendable {
    /// An address (16 bytes, IPv4-mapped) and a port.
    struct Endpoint: Hashable, Sendable {
        let address: [UInt8]
        let port: UInt16
    }

    /// Host and port of each proxy named.
    private let proxies: [(host: String, port: UInt16)]
    private let resolved = Mutex<(endpoints: Set<Endpoint>, at: ContinuousClock.Instant)?>(nil)

    /// The variables libcurl reads: `http_proxy` in lower case only (an upper-case `HTTP_PROXY`
    /// can be set by a CGI request's `Proxy:` header), the others in either case.
    static let variables = ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]

    init(environment: [String: String]) {
        var proxies: [(String, UInt16)] = []
        for name in Self.variables {
            guard let value = environment[name], let p = Self.hostAndPort(value) else { continue }
            if !proxies.contains(where: { $0 == p }) { proxies.append(p) }
        }
        self.proxies = proxies
    }

    var isEmpty: Bool { proxies.isEmpty }

    /// Whether a connection to `address` (16 bytes) and `port` is one to a proxy of the environment.
    func contains(_ address: [UInt8], port: UInt16) -> Bool {
        guard !proxies.isEmpty else { return false }
        let endpoint = Endpoint(address: address, port: port)
        let now = ContinuousClock.now
        let (known, stale) = resolved.withLock { r -> (Set<Endpoint>, Bool) in
            guard let r else { return ([], true) }
            return (r.endpoints, now - r.at >= .seconds(60))
        }
        if known.contains(endpoint) { return true }
        guard stale else { return false }
        let fresh = resolve()
        resolved.withLock { $0 = (fresh, now) }
        return fresh.contains(endpoint)
    }

    /// `[scheme://][user[:password]@]host[:port][/...]`, as libcurl takes it. The port defaults
    /// to 1080 (443 for an `https://` proxy), as in libcurl.
    static func hostAndPort(_ value: String) -> (String, UInt16)? {
        var rest = Substring(value.trimmingASCIIWhitespace())
        guard !rest.isEmpty else { return nil }
        var defaultPort: UInt16 = 1080
        if let r = rest.range(of: "://") {
            if rest[..<r.lowerBound].lowercased() == "https" { defaultPort = 443 }
            rest = rest[r.upperBound...]
        }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = UInt16(portText) else { return nil }
        return (String(host), port)
    }

    private func resolve() -> Set<Endpoint> {
        var out: Set<Endpoint> = []
        for (host, port) in proxies {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &list) == 0 else { continue }
            defer { freeaddrinfo(list) }
            var node = list
            while let n = node {
                if let a = n.pointee.ai_addr, let bytes = SocketAddress.bytes(a) {
                    out.insert(Endpoint(address: bytes, port: port))
                }
                node = n.pointee.ai_next
            }
        }
        return out
    }
}
