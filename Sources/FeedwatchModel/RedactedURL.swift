/// A URL as logs, events and status show it: a password in its user information replaced by
/// `xxxxx` (`https://reader:xxxxx@example.org/feed`), as Go's `url.Redacted` and curl's verbose
/// output do. A private feed's credentials belong in the configuration file, which the operator
/// protects, not in the journal, a chat channel or a log shipper's index. The user name stays, so
/// that two feeds of one host read by different accounts can still be told apart.
public enum RedactedURL {
    public static let mask = "xxxxx"

    public static func text(_ url: String) -> String {
        // No "://" after the scheme: no authority, so no user information to mask.
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return url }
        let rest = url[url.index(colon, offsetBy: 3)...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        // The last "@" ends the user information: a password may itself hold an unescaped "@".
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
            let separator = rest[..<at].firstIndex(of: ":")
        else { return url }
        return String(url[...separator]) + mask + String(url[at...])
    }
}
