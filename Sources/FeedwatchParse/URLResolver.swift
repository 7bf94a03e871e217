internal import CLibXML2
import FeedwatchModel
import Glibc

/// Resolves links against `xml:base` and the document's URL, and keeps only web links.
///
/// Resolution is RFC 3986's, done by libxml2 (`xmlBuildURI`). A result whose scheme is not http or
/// https (`javascript:`, `file:`, `data:`) is dropped: feedwatch passes links to webhooks and chat
/// clients, and a feed must not be able to make them open anything but a web page. A relative
/// reference with nothing to resolve it against (a local file parsed without `--base`) is kept as is.
enum URLResolver {
    static func resolve(_ raw: String, against base: String?) -> String? {
        let reference = raw.trimmingASCIIWhitespace()
        guard !reference.isEmpty else { return nil }
        var resolved = reference
        if let base, !base.isEmpty {
            resolved = build(reference, base) ?? build(escape(reference), base) ?? reference
        }
        switch scheme(of: resolved) {
        case nil: return base == nil ? resolved : nil
        case "http", "https": return resolved
        default: return nil
        }
    }

    private static func build(_ reference: String, _ base: String) -> String? {
        guard let out = xmlBuildURI(reference, base) else { return nil }
        defer { CLibXML2_free(out) }
        return String(cString: out)
    }

    /// Percent-encodes the bytes libxml2's URI parser rejects (spaces, non-ASCII, quotes, braces).
    private static func escape(_ s: String) -> String {
        var out = [UInt8]()
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            if b <= 0x20 || b >= 0x7F || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x5C || b == 0x5E || b == 0x60
                || b == 0x7B || b == 0x7C || b == 0x7D
            {
                out.append(contentsOf: [0x25, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lower-cased scheme of an absolute URI, or nil for a relative reference.
    static func scheme(of s: String) -> String? {
        var scheme = [UInt8]()
        for b in s.utf8 {
            if b == 0x3A { return scheme.isEmpty ? nil : String(decoding: scheme, as: UTF8.self) }
            let lower = b | 0x20
            let isLetter = lower >= 0x61 && lower <= 0x7A
            let isOther = (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E
            guard isLetter || (!scheme.isEmpty && isOther) else { return nil }
            scheme.append(isLetter ? lower : b)
        }
        return nil
    }
}
