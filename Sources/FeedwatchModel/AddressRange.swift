import Glibc

/// An IPv4 or IPv6 CIDR block (`10.0.0.0/8`, `::1/128`, or a bare address meaning a single host).
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// 16 bytes; IPv4 is stored IPv4-mapped (`::ffff:a.b.c.d`) so one comparison serves both.
    public let network: [UInt8]
    public let prefixLength: Int
    public let text: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = AddressRange.parse(first) else { return nil }
        let isV4 = !first.contains(":")
        var length = 128
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= (isV4 ? 32 : 128) else { return nil }
            length = isV4 ? n + 96 : n
        }
        self.network = address
        self.prefixLength = length
        self.text = text
    }

    public var description: String { text }

    /// Whether `address` (16 bytes, IPv4-mapped for IPv4) lies in this block.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == 16 else { return false }
        var bits = prefixLength
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[i] & mask != network[i] & mask { return false }
            bits -= 8
            i += 1
        }
        return true
    }

    /// Parses a textual IPv4 or IPv6 address into 16 bytes.
    public static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            var a = in6_addr()
            guard inet_pton(AF_INET6, text, &a) == 1 else { return nil }
            return withUnsafeBytes(of: a) { Array($0) }
        }
        var a = in_addr()
        guard inet_pton(AF_INET, text, &a) == 1 else { return nil }
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + withUnsafeBytes(of: a) { Array($0) }
    }

    /// The ranges refused by default: a feed or webhook URL must not reach the machine itself,
    /// its network, or the cloud metadata service (169.254.169.254) through a redirect or DNS.
    public static let nonPublic: [AddressRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128",
        "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96",
    ].compactMap { AddressRange($0) }
}
