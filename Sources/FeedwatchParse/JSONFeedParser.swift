import FeedwatchModel
import Foundation

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), recognised by its `version` URL.
///
/// JSON arrives whole (a JSON document has no useful prefix), bounded by `maxDocumentBytes`.
/// `content_html` goes through the same HTML-to-text conversion as RSS; `content_text` and
/// `summary` are plain text.
enum JSONFeedParser {
    static func parse(
        _ bytes: [UInt8], documentURL: String?, limits: ParseLimits, onFeed: ((FeedInfo) -> Void)?,
        onEntry: ((Entry) -> Void)?
    ) -> ParseOutcome {
        func fail(_ p: ParseProblem) -> ParseOutcome {
            ParseOutcome(feed: FeedInfo(), entries: [], entryCount: 0, problem: p, encoding: "UTF-8")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return fail(.notAFeed("invalid JSON"))
        }
        guard let root = object as? [String: Any], let version = root["version"] as? String,
            version.hasPrefix("https://jsonfeed.org/version/") || version.hasPrefix("http://jsonfeed.org/version/")
        else {
            return fail(.notAFeed("a JSON document that is not a JSON Feed"))
        }
        var feed = FeedInfo(format: .jsonFeed)
        feed.title = plain(root["title"])
        feed.link = (root["home_page_url"] as? String).flatMap { URLResolver.resolve($0, against: documentURL) }
        let base =
            (root["feed_url"] as? String).flatMap { URLResolver.resolve($0, against: documentURL) } ?? documentURL
        onFeed?(feed)
        let feedAuthors = authors(root)
        var entries: [Entry] = []
        var count = 0
        var problem: ParseProblem? = nil
        for case let item as [String: Any] in (root["items"] as? [Any]) ?? [] {
            if count >= limits.maxEntries {
                problem = .truncated("more than \(limits.maxEntries) entries; the first \(limits.maxEntries) were read")
                break
            }
            var e = Entry()
            if let id = item["id"] as? String, !id.isEmpty {
                e.id = id
            } else if let n = item["id"] as? NSNumber {
                e.id = n.stringValue
            }
            e.link = (item["url"] as? String).flatMap { URLResolver.resolve($0, against: base) }
            if e.link == nil {
                e.link = (item["external_url"] as? String).flatMap { URLResolver.resolve($0, against: base) }
            }
            e.title = plain(item["title"])
            e.summary = plain(item["summary"])
            if let html = item["content_html"] as? String {
                e.content = HTMLText.text(fromHTML: html, limit: limits.maxFieldBytes)
            } else {
                e.content = plain(item["content_text"])
            }
            e.published = (item["date_published"] as? String).flatMap(DateParser.parse)
            e.updated = (item["date_modified"] as? String).flatMap(DateParser.parse)
            e.authors = authors(item)
            if e.authors.isEmpty { e.authors = feedAuthors }
            e.categories = ((item["tags"] as? [Any]) ?? []).compactMap { ($0 as? String).map { plain($0) } }.filter {
                !$0.isEmpty
            }
            for case let a as [String: Any] in (item["attachments"] as? [Any]) ?? [] {
                guard let u = a["url"] as? String, let url = URLResolver.resolve(u, against: base) else { continue }
                let length = (a["size_in_bytes"] as? NSNumber)?.int64Value
                e.enclosures.append(Enclosure(url: url, type: (a["mime_type"] as? String) ?? "", length: length))
            }
            for key in ["image", "banner_image"] {
                if let u = item[key] as? String, let url = URLResolver.resolve(u, against: base) {
                    e.media.append(Enclosure(url: url, type: "image"))
                }
            }
            count += 1
            if let onEntry { onEntry(e) } else { entries.append(e) }
        }
        return ParseOutcome(feed: feed, entries: entries, entryCount: count, problem: problem, encoding: "UTF-8")
    }

    private static func plain(_ value: Any?) -> String {
        guard var s = value as? String else { return "" }
        return s.withUTF8 { HTMLText.text(fromPlain: $0) }
    }

    /// JSON Feed 1.1 `authors` (array) or 1.0 `author` (object).
    private static func authors(_ object: [String: Any]) -> [String] {
        var list: [[String: Any]] = (object["authors"] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
        if let single = object["author"] as? [String: Any] { list.append(single) }
        return list.compactMap { ($0["name"] as? String).map { plain($0) } }.filter { !$0.isEmpty }
    }
}
