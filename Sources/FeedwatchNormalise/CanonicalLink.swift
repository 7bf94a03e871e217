import FeedwatchModel

/// The form of a link used to tell whether two links name the same story.
///
/// Not for display: the canonical form folds away everything that varies between copies of one
/// page without changing what it is.
/// - scheme and host lower-cased; `http` and `https` are one; `www.`, `m.`, `mobile.` and `amp.`
///   host prefixes dropped; default ports, user info and the fragment dropped;
/// - tracking parameters (`utm_*`, `fbclid`, `gclid`, ...) and empty ones dropped, the rest sorted;
/// - AMP variants folded: a trailing `/amp` segment, `.amp.html`, a leading `/amp/`, `amp=1`,
///   `outputType=amp`;
/// - trailing slashes dropped; bytes that may not appear in a URI (spaces, non-ASCII) percent-encoded.
///
/// Works on the link's bytes: it runs for every entry of every poll. Links reach it resolved to
/// absolute http(s) URLs (`URLResolver`); anything else has no canonical form.
public enum CanonicalLink {
    public static func canonical(_ link: String) -> String? {
        var link = link
        return link.withUTF8 { canonical(utf8: $0) }
    }

    /// The canonical form written into one buffer: the link is read in place and only the output
    /// and the query's parameters are built.
    private static func canonical(utf8 raw: UnsafeBufferPointer<UInt8>) -> String? {
        // Trimmed of ASCII white space, as `trimmingASCIIWhitespace` trims.
        var lo = 0
        var hi = raw.count
        while lo < hi && isASCIIWhitespace(raw[lo]) { lo += 1 }
        while hi > lo && isASCIIWhitespace(raw[hi - 1]) { hi -= 1 }
        let s = UnsafeBufferPointer(rebasing: raw[lo..<hi])
        let n = s.count
        guard let colon = firstIndex(in: s, from: 0, to: n, where: { $0 == 0x3A }) else { return nil }
        guard isScheme(s, colon, "http") || isScheme(s, colon, "https") else { return nil }
        var i = colon + 1
        guard i + 1 < n, s[i] == 0x2F, s[i + 1] == 0x2F else { return nil }
        i += 2
        // Authority: [userinfo@]host[:port]
        let authorityEnd = firstIndex(in: s, from: i, to: n) { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? n
        var hostStart = i
        if let at = lastIndex(in: s, from: i, to: authorityEnd, of: 0x40) { hostStart = at + 1 }
        var hostEnd = authorityEnd
        var port = 0..<0
        if let portColon = lastIndex(in: s, from: hostStart, to: authorityEnd, of: 0x3A),
            s[authorityEnd - 1] != 0x5D, lastIndex(in: s, from: portColon + 1, to: authorityEnd, of: 0x5D) == nil
        {
            port = (portColon + 1)..<authorityEnd
            hostEnd = portColon
            for k in port where !(s[k] >= 0x30 && s[k] <= 0x39) { return nil }
        }
        guard hostStart < hostEnd else { return nil }
        // www., m., mobile. and amp. are dropped when more than three characters remain. A host
        // beyond ASCII (an IDN written in Unicode) is measured and compared in Characters.
        var hostASCII = true
        for k in hostStart..<hostEnd where s[k] >= 0x80 { hostASCII = false }
        if hostASCII {
            for prefix in hostPrefixes
            where hostEnd - hostStart > prefix.count + 3 && hasLowercasePrefix(s, hostStart, prefix) {
                hostStart += prefix.count
                break
            }
        } else {
            let host = String(decoding: (hostStart..<hostEnd).map { lower(s[$0]) }, as: UTF8.self)
            for prefix in hostPrefixes {
                let p = String(decoding: prefix, as: UTF8.self)
                if host.hasPrefix(p) && host.count > p.count + 3 {
                    hostStart += prefix.count
                    break
                }
            }
        }
        if isDigits(s, port, "80") || isDigits(s, port, "443") { port = 0..<0 }

        var out: [UInt8] = []
        out.reserveCapacity(n + 16)
        out.append(contentsOf: "https://".utf8)
        for k in hostStart..<hostEnd { out.append(lower(s[k])) }
        if !port.isEmpty {
            out.append(0x3A)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: s[port]))
        }

        let pathEnd = firstIndex(in: s, from: authorityEnd, to: n) { $0 == 0x3F || $0 == 0x23 } ?? n
        let pathStart = out.count
        appendEncoded(UnsafeBufferPointer(rebasing: s[authorityEnd..<pathEnd]), to: &out)
        // AMP variants; the encoded path is ASCII, so byte tests are string tests.
        if out.hasSuffix(pathStart, "/amp") {
            out.removeLast(4)
        } else if out.hasSuffix(pathStart, "/amp/") {
            out.removeLast(5)
        } else if out.hasSuffix(pathStart, ".amp.html") {
            out.removeLast(9)
            out.append(contentsOf: ".html".utf8)
        } else if out.hasPrefix(pathStart, "/amp/") {
            out.removeSubrange(pathStart..<(pathStart + 4))
        }
        while out.count - pathStart > 1 && out.last == 0x2F { out.removeLast() }
        if out.count == pathStart { out.append(0x2F) }

        if pathEnd < n && s[pathEnd] == 0x3F {
            let queryEnd = firstIndex(in: s, from: pathEnd + 1, to: n) { $0 == 0x23 } ?? n
            var query: [(name: [UInt8], value: [UInt8]?)] = []
            var itemStart = pathEnd + 1
            while itemStart <= queryEnd {
                let itemEnd = firstIndex(in: s, from: itemStart, to: queryEnd) { $0 == 0x26 } ?? queryEnd
                defer { itemStart = itemEnd + 1 }
                guard itemStart < itemEnd else { continue }
                let equals = firstIndex(in: s, from: itemStart, to: itemEnd) { $0 == 0x3D }
                var name: [UInt8] = []
                appendEncoded(UnsafeBufferPointer(rebasing: s[itemStart..<(equals ?? itemEnd)]), to: &name)
                var value: [UInt8]? = nil
                if let equals {
                    var v: [UInt8] = []
                    appendEncoded(UnsafeBufferPointer(rebasing: s[(equals + 1)..<itemEnd]), to: &v)
                    value = v
                }
                if name.isEmpty || isTracking(name, value) { continue }
                query.append((name, value))
            }
            // Byte order is String order for ASCII, which encoded names and values are.
            query.sort { a, b in
                if a.name != b.name { return a.name.lexicographicallyPrecedes(b.name) }
                return (a.value ?? []).lexicographicallyPrecedes(b.value ?? [])
            }
            for (k, item) in query.enumerated() {
                out.append(k == 0 ? 0x3F : 0x26)
                out.append(contentsOf: item.name)
                if let value = item.value {
                    out.append(0x3D)
                    out.append(contentsOf: value)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hostPrefixes: [[UInt8]] = ["www.", "m.", "mobile.", "amp."].map { Array($0.utf8) }

    @inline(__always)
    private static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    @inline(__always)
    private static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private static func firstIndex(
        in s: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, where test: (UInt8) -> Bool
    ) -> Int? {
        var k = from
        while k < end {
            if test(s[k]) { return k }
            k += 1
        }
        return nil
    }

    private static func lastIndex(in s: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, of byte: UInt8) -> Int? {
        var k = end - 1
        while k >= from {
            if s[k] == byte { return k }
            k -= 1
        }
        return nil
    }

    /// Whether `s[..<colon]`, lower-cased, is `scheme`.
    private static func isScheme(_ s: UnsafeBufferPointer<UInt8>, _ colon: Int, _ scheme: StaticString) -> Bool {
        guard colon == scheme.utf8CodeUnitCount else { return false }
        return scheme.withUTF8Buffer { p in (0..<colon).allSatisfy { lower(s[$0]) == p[$0] } }
    }

    private static func hasLowercasePrefix(_ s: UnsafeBufferPointer<UInt8>, _ at: Int, _ prefix: [UInt8]) -> Bool {
        guard at + prefix.count <= s.count else { return false }
        for k in 0..<prefix.count where lower(s[at + k]) != prefix[k] { return false }
        return true
    }

    private static func isDigits(_ s: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ digits: StaticString) -> Bool {
        guard range.count == digits.utf8CodeUnitCount else { return false }
        return digits.withUTF8Buffer { p in (0..<range.count).allSatisfy { s[range.lowerBound + $0] == p[$0] } }
    }

    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The bytes with those a URI may not hold percent-encoded (existing escapes kept).
    private static func appendEncoded(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        for b in bytes {
            let unsafe =
                b <= 0x20 || b >= 0x7F || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x5C || b == 0x5E || b == 0x60
                || b == 0x7B || b == 0x7C || b == 0x7D
            if unsafe {
                out.append(0x25)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            } else {
                out.append(b)
            }
        }
    }

    /// Query parameters that say where a click came from, never which page it is.
    static func isTracking(_ name: [UInt8], _ value: [UInt8]?) -> Bool {
        let n = name.map(lower)
        for prefix in trackingPrefixes where n.starts(with: prefix) { return true }
        if n == amp || (n == outputType && value?.map(lower) == amp) { return true }
        return trackingNames.contains(n)
    }

    private static let trackingPrefixes: [[UInt8]] = ["utm_", "at_", "pk_", "mtm_"].map { Array($0.utf8) }
    private static let amp = Array("amp".utf8)
    private static let outputType = Array("outputtype".utf8)

    private static let trackingNames: Set<[UInt8]> = Set(
        [
            "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid", "_ga",
            "_gl", "ref_src", "ref_url", "cmpid", "ncid", "ocid", "smid", "smtyp", "sr_share", "traffic_source", "ito",
            "wt.mc_id", "mkt_tok", "rss", "fromrss", "from_rss", "xtor", "guccounter", "guce_referrer",
            "guce_referrer_sig", "__twitter_impression", "s_cid", "taid",
        ].map { Array($0.utf8) })
}

extension [UInt8] {
    /// Whether the bytes from `start` on begin with `prefix`.
    fileprivate func hasPrefix(_ start: Int, _ prefix: StaticString) -> Bool {
        let k = prefix.utf8CodeUnitCount
        guard count - start >= k else { return false }
        return prefix.withUTF8Buffer { p in (0..<k).allSatisfy { self[start + $0] == p[$0] } }
    }

    /// Whether the bytes from `start` on end with `suffix`.
    fileprivate func hasSuffix(_ start: Int, _ suffix: StaticString) -> Bool {
        let k = suffix.utf8CodeUnitCount
        guard count - start >= k else { return false }
        return suffix.withUTF8Buffer { p in (0..<k).allSatisfy { self[count - k + $0] == p[$0] } }
    }
}
