public import FeedwatchModel
import Glibc

/// Decides which addresses a transfer may connect to, checked on the resolved address of every
/// connection (including after redirects and DNS changes), in libcurl's open-socket callback.
///
/// Refused by default: loopback, private (RFC 1918, ULA), link-local (169.254.0.0/16, which holds
/// the cloud metadata service), carrier-grade NAT, multicast and reserved ranges. An explicit
/// allow-list overrides the refusal for chosen blocks (tests allow 127.0.0.1).
///
/// With a proxy configured in the environment, a request's connection is the one to the proxy:
/// the proxy's own address and port are let through (`ProxyEndpoints`), and the proxy enforces
/// its own policy on where the request goes.
public struct AddressPolicy: Sendable {
    public let allow: [AddressRange]
    let proxies: ProxyEndpoints?

    public init(allow: [AddressRange]) {
        self.allow = allow
        self.proxies = nil
    }

    init(allow: [AddressRange], proxies: ProxyEndpoints) {
        self.allow = allow
        self.proxies = proxies.isEmpty ? nil : proxies
    }

    /// nil when `address` may be connected to, else the address as text for the error message.
    public func refusal(_ address: [UInt8]) -> String? {
        if allow.contains(where: { $0.contains(address) }) { return nil }
        guard AddressRange.nonPublic.contains(where: { $0.contains(address) }) else { return nil }
        return AddressPolicy.text(address)
    }

    /// As `refusal(_:)`, for a connection to `port` there: a proxy of the environment is let through.
    func refusal(_ address: [UInt8], port: UInt16) -> String? {
        guard let refused = refusal(address) else { return nil }
        if let proxies, proxies.contains(address, port: port) { return nil }
        return refused
    }

    static func text(_ a: [UInt8]) -> String {
        if a[0..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            return a[12...].map(String.init).joined(separator: ".")
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var addr = in6_addr()
        withUnsafeMutableBytes(of: &addr) { $0.copyBytes(from: a) }
        guard inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
