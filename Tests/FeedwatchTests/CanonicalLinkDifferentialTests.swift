import FeedwatchModel
import FeedwatchNormalise
import TestSupport
import Testing

/// The canonical link works on bytes for speed; on random links built from the pieces that
/// steer it (schemes, user info, hosts with the dropped prefixes and beyond ASCII, ports, AMP
/// paths, tracking and repeated parameters, fragments, white space), and on those links with
/// bytes inserted at random, it must give what the plain definition on strings gives.
@Suite("canonical links: bytes against the plain definition")
struct CanonicalLinkDifferentialTests {
    static let schemes = ["http", "HTTPS", "https", "Http", "https", "http", "ftp", "http"]
    static let users = ["", "", "user:pw@", "@", "a@b@"]
    static let hosts = [
        "www.Example.org", "m.x.co", "amp.news.example.com", "mobile.ab", "www.ab.c", "[2001:db8::1]", "bücher.de",
        "www.é.com", "www.\u{301}abc.org", "", "WWW.EXAMPLE.ORG", "m.a", "ex]ample:12",
    ]
    static let ports = [":80", ":443", ":8080", ":08", ":x1", ":", "", "", "", ""]
    static let paths = [
        "/", "/a/b/", "/amp", "/x/amp/", "/amp/y", "/s.amp.html", "/بغداد", "/a b", "/%41", "", "//", "/a/amp//",
        "/AMP", "/\u{0}x{|}^`\\",
    ]
    static let queries = [
        "?utm_source=x&b=2&a=1", "?amp", "?outputType=AMP&id=7", "?a&a=&a=1", "?&&x", "?Z=1&a=2&_ga=1",
        "?fbclid=1", "", "", "?=1&UTM_x=2&b", "?q=é&q=a", "?a=1?b=2",
    ]
    static let fragments = ["#top", "#", "", "", "#?a=1"]
    static let spaces = [" ", "\t", "\n", "\u{0B}", "", "", ""]
    static let inserted: [Character] = [":", "@", "]", "[", "/", "?", "#", "&", "=", "é", " ", "\u{301}", "A", "."]

    static func randomLink(_ g: inout SeededGenerator) -> String {
        func pick(_ list: [String]) -> String { list[Int(g.next() % UInt64(list.count))] }
        var link =
            pick(spaces) + pick(schemes) + "://" + pick(users) + pick(hosts) + pick(ports) + pick(paths)
            + pick(queries) + pick(fragments) + pick(spaces)
        if g.next() % 3 == 0 {
            var chars = Array(link)
            for _ in 0..<(1 + g.next() % 3) {
                let at = Int(g.next() % UInt64(chars.count + 1))
                chars.insert(inserted[Int(g.next() % UInt64(inserted.count))], at: at)
            }
            link = String(chars)
        }
        return link
    }

    @Test("the byte version agrees with the plain definition on 20,000 random links")
    func agrees() {
        var g = SeededGenerator(state: 42)
        var formed = 0
        for _ in 0..<20_000 {
            let link = Self.randomLink(&g)
            let expected = PlainCanonicalLink.canonical(link)
            #expect(CanonicalLink.canonical(link) == expected, "\(link.debugDescription)")
            if expected != nil { formed += 1 }
        }
        // Most of the links are web links: the comparison is not only of refusals.
        #expect(formed > 10_000)
    }
}

/// The canonical form as first written, on strings: the plain definition the byte version in
/// Sources must agree with on every link.
enum PlainCanonicalLink {
    static func canonical(_ link: String) -> String? {
        let bytes = Array(link.trimmingASCIIWhitespace().utf8)
        guard let colon = bytes.firstIndex(of: 0x3A) else { return nil }
        let scheme = String(decoding: bytes[..<colon].map(lower), as: UTF8.self)
        guard scheme == "http" || scheme == "https" else { return nil }
        var i = colon + 1
        guard i + 1 < bytes.count, bytes[i] == 0x2F, bytes[i + 1] == 0x2F else { return nil }
        i += 2
        // Authority: [userinfo@]host[:port]
        let authorityEnd = bytes[i...].firstIndex { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? bytes.count
        var authority = Array(bytes[i..<authorityEnd])
        if let at = authority.lastIndex(of: 0x40) { authority.removeSubrange(...at) }
        var port: [UInt8] = []
        let portColon = authority.lastIndex(of: 0x3A)
        if let portColon, authority.last != 0x5D, !authority[(portColon + 1)...].contains(0x5D) {
            port = Array(authority[(portColon + 1)...])
            authority.removeSubrange(portColon...)
            guard port.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        }
        var host = String(decoding: authority.map(lower), as: UTF8.self)
        guard !host.isEmpty else { return nil }
        for prefix in ["www.", "m.", "mobile.", "amp."] where host.hasPrefix(prefix) && host.count > prefix.count + 3 {
            host.removeFirst(prefix.count)
            break
        }
        let portText = String(decoding: port, as: UTF8.self)
        if portText == "80" || portText == "443" || portText.isEmpty { port = [] }

        i = authorityEnd
        let pathEnd = bytes[i...].firstIndex { $0 == 0x3F || $0 == 0x23 } ?? bytes.count
        var path = encoded(bytes[i..<pathEnd])
        if path.hasSuffix("/amp") || path.hasSuffix("/amp/") {
            path = String(path.dropLast(path.hasSuffix("/") ? 5 : 4))
        } else if path.hasSuffix(".amp.html") {
            path = String(path.dropLast(9)) + ".html"
        } else if path.hasPrefix("/amp/") {
            path = String(path.dropFirst(4))
        }
        while path.utf8.count > 1 && path.hasSuffix("/") { path.removeLast() }
        if path.isEmpty { path = "/" }

        var query: [(name: String, value: String?)] = []
        if pathEnd < bytes.count && bytes[pathEnd] == 0x3F {
            let queryEnd = bytes[pathEnd...].firstIndex(of: 0x23) ?? bytes.count
            for item in bytes[(pathEnd + 1)..<queryEnd].split(separator: 0x26) {
                let equals = item.firstIndex(of: 0x3D)
                let name = encoded(item[item.startIndex..<(equals ?? item.endIndex)])
                let value = equals.map { encoded(item[($0 + 1)...]) }
                if name.isEmpty || isTracking(name, value) { continue }
                query.append((name, value))
            }
        }
        query.sort { ($0.name, $0.value ?? "") < ($1.name, $1.value ?? "") }

        var out = "https://" + host
        if !port.isEmpty { out += ":" + String(decoding: port, as: UTF8.self) }
        out += path
        if !query.isEmpty {
            out +=
                "?" + query.map { item in item.value.map { "\(item.name)=\($0)" } ?? item.name }.joined(separator: "&")
        }
        return out
    }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// The bytes with those a URI may not hold percent-encoded (existing escapes kept).
    private static func encoded(_ bytes: ArraySlice<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for b in bytes {
            let unsafe =
                b <= 0x20 || b >= 0x7F || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x5C || b == 0x5E || b == 0x60
                || b == 0x7B || b == 0x7C || b == 0x7D
            if unsafe {
                out.append(contentsOf: [0x25, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Query parameters that say where a click came from, never which page it is.
    static func isTracking(_ name: String, _ value: String?) -> Bool {
        let n = name.lowercased()
        if n.hasPrefix("utm_") || n.hasPrefix("at_") || n.hasPrefix("pk_") || n.hasPrefix("mtm_") { return true }
        if n == "amp" || (n == "outputtype" && value?.lowercased() == "amp") { return true }
        return trackingNames.contains(n)
    }

    private static let trackingNames: Set<String> = [
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "ref_src", "ref_url", "cmpid", "ncid", "ocid", "smid", "smtyp", "sr_share", "traffic_source", "ito", "wt.mc_id",
        "mkt_tok", "rss", "fromrss", "from_rss", "xtor", "guccounter", "guce_referrer", "guce_referrer_sig",
        "__twitter_impression", "s_cid", "taid",
    ]
}
