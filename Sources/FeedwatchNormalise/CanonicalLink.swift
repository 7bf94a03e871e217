import Foundation

/// The form of a link used to tell whether two links name the same story.
///
/// Not for display: the canonical form folds away everything that varies between copies of one
/// page without changing what it is.
/// - scheme and host lower-cased; `http` and `https` are one; `www.`, `m.`, `mobile.` and `amp.`
///   host prefixes dropped; default ports dropped;
/// - the fragment dropped; tracking parameters (`utm_*`, `fbclid`, `gclid`, ...) dropped and the
///   rest sorted;
/// - AMP variants folded: a trailing `/amp` segment, `.amp.html`, `amp=1`, `outputType=amp`;
/// - a trailing slash dropped.
public enum CanonicalLink {
    public static func canonical(_ link: String) -> String? {
        guard var c = URLComponents(string: link.trimmingCharacters(in: .whitespacesAndNewlines)),
            let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
            var host = c.host?.lowercased(), !host.isEmpty
        else { return nil }
        for prefix in ["www.", "m.", "mobile.", "amp."] where host.hasPrefix(prefix) && host.count > prefix.count + 3 {
            host.removeFirst(prefix.count)
            break
        }
        var path = c.percentEncodedPath
        if path.hasSuffix("/amp") || path.hasSuffix("/amp/") {
            path = String(path.dropLast(path.hasSuffix("/") ? 5 : 4))
        } else if path.hasSuffix(".amp.html") {
            path = String(path.dropLast(9)) + ".html"
        } else if path.hasPrefix("/amp/") {
            path = String(path.dropFirst(4))
        }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        if path.isEmpty { path = "/" }
        let query = (c.percentEncodedQueryItems ?? [])
            .filter { !isTracking($0.name, $0.value) }
            .sorted { ($0.name, $0.value ?? "") < ($1.name, $1.value ?? "") }
        c.scheme = "https"
        c.host = host
        if let port = c.port, port == 80 || port == 443 { c.port = nil }
        c.percentEncodedPath = path
        c.percentEncodedQueryItems = query.isEmpty ? nil : query
        c.fragment = nil
        c.user = nil
        c.password = nil
        return c.string
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
