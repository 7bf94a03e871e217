public import FeedwatchModel
import FeedwatchStore
import Foundation

/// Turns an event into the body a chat service's incoming webhook expects.
///
/// The outbox always holds the native event; the format is applied when it is sent, so changing
/// an output's format on reload applies to what is still waiting too. Text from feeds is data:
/// every service's markup characters are escaped and mentions are disabled.
enum ChatMessage {
    /// The URL to POST to and the body, for one outbox item.
    static func request(_ style: MessageStyle, url: String, item: OutboxItem) -> (url: String, body: [UInt8]) {
        if case .native = style { return (url, EventLine.render(item)) }
        guard let event = Event(item.payload) else { return (url, EventLine.render(item)) }
        switch style {
        case .native: return (url, EventLine.render(item))
        case .slack: return (url, json(["text": slack(event), "unfurl_links": false]))
        case .discord:
            return (url, json(["content": discord(event), "allowed_mentions": ["parse": [String]()]]))
        case .teams: return (url, json(teams(event)))
        case .ntfy: return ntfy(event, url: url)
        case .telegram(let chatID, let token): return telegram(event, url: url, chatID: chatID, token: token)
        case .template(let template): return (url, template.render { event.value(of: $0) })
        }
    }

    /// The parts of an event a message shows.
    struct Event {
        var type: String
        var id: String
        var detectedAt: String
        var feedURL: String
        var published: String
        var feed: String
        var title: String
        var link: String?
        var summary: String
        var watches: [(name: String, terms: [String])]

        init?(_ payload: [UInt8]) {
            guard let o = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else { return nil }
            type = o["type"] as? String ?? ""
            id = o["id"] as? String ?? ""
            detectedAt = o["detected_at"] as? String ?? ""
            let feed = o["feed"] as? [String: Any]
            feedURL = feed?["url"] as? String ?? ""
            self.feed = (feed?["title"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? feed?["url"] as? String ?? ""
            let story = o["story"] as? [String: Any]
            published = story?["published"] as? String ?? ""
            switch type {
            case "story.new", "story.updated":
                title = story?["title"] as? String ?? ""
                if type == "story.updated" { title = "Updated: " + title }
                link = story?["link"] as? String
                summary = story?["summary"] as? String ?? ""
            case "feed.failing":
                title = "Feed failing: \(self.feed)"
                link = feed?["url"] as? String
                summary = o["error"] as? String ?? ""
            case "feed.recovered":
                title = "Feed recovered: \(self.feed)"
                link = feed?["url"] as? String
                summary = ""
            default:
                title = type
                link = nil
                summary = ""
            }
            watches = (o["watches"] as? [[String: Any]] ?? []).map { w in
                (
                    w["name"] as? String ?? "",
                    (w["terms"] as? [[String: Any]] ?? []).compactMap { $0["term"] as? String }
                )
            }
        }

        func value(of field: MessageTemplate.Field) -> String {
            switch field {
            case .id: return id
            case .type: return type
            case .detected_at: return detectedAt
            case .feed: return feed
            case .feed_url: return feedURL
            case .title: return title
            case .link: return link ?? ""
            case .summary: return summary
            case .published: return published
            case .watches: return watches.map(\.name).joined(separator: ", ")
            case .terms: return matchLine
            }
        }

        var matchLine: String {
            watches.map { "\($0.name): \($0.terms.joined(separator: ", "))" }.joined(separator: "; ")
        }

        /// The title, feed name and watch line as presets show them: cut, so that no story can
        /// make a message longer than a service takes (Telegram refuses over 4,096 characters, and
        /// a refused message is retried and then dead-lettered, never shown). Feeds' titles run
        /// to a mebibyte, and a story can match many watches.
        var shortTitle: String { Self.clip(title, 300) }
        var shortFeed: String { Self.clip(feed, 120) }
        var shortMatchLine: String { Self.clip(matchLine, 300) }

        static func clip(_ s: String, _ limit: Int) -> String {
            s.count > limit ? String(s.prefix(limit - 1)) + "…" : s
        }

        /// The summary cut at a word boundary near `limit` characters.
        func shortSummary(_ limit: Int = 280) -> String {
            guard summary.count > limit else { return summary }
            let cut = summary.prefix(limit)
            return (cut.lastIndex(of: " ").map { String(cut[..<$0]) } ?? String(cut)) + "…"
        }
    }

    private static func json(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    // Slack mrkdwn: &, <, > are the only characters to escape; a link is <url|text>.
    private static func slackEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func slack(_ e: Event) -> String {
        let title = slackEscape(e.shortTitle).replacingOccurrences(of: "|", with: "¦")
        var text = e.link.map { "*<\(slackEscape($0))|\(title)>*" } ?? "*\(title)*"
        text += "\n_\(slackEscape(e.shortFeed))_"
        if !e.watches.isEmpty { text += " · \(slackEscape(e.shortMatchLine))" }
        if !e.summary.isEmpty { text += "\n\(slackEscape(e.shortSummary()))" }
        return text
    }

    // Discord markdown: backslash-escape its markup characters; the link goes on its own line.
    private static func discordEscape(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\*_~`|>#[]()-@:".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func discord(_ e: Event) -> String {
        var text = "**\(discordEscape(e.shortTitle))**"
        if let link = e.link { text += "\n<\(link)>" }
        text += "\n*\(discordEscape(e.shortFeed))*"
        if !e.watches.isEmpty { text += " · \(discordEscape(e.shortMatchLine))" }
        if !e.summary.isEmpty { text += "\n\(discordEscape(e.shortSummary()))" }
        return String(text.prefix(2000))  // Discord's limit
    }

    private static func htmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func teams(_ e: Event) -> [String: Any] {
        var text = "*\(htmlEscape(e.shortFeed))*"
        if !e.watches.isEmpty { text += " · \(htmlEscape(e.shortMatchLine))" }
        if !e.summary.isEmpty { text += "<br>\(htmlEscape(e.shortSummary()))" }
        var card: [String: Any] = [
            "@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": e.shortTitle,
            "title": htmlEscape(e.shortTitle), "text": text,
        ]
        if let link = e.link {
            card["potentialAction"] = [
                ["@type": "OpenUri", "name": "Open", "targets": [["os": "default", "uri": link]]]
            ]
        }
        return card
    }

    /// ntfy publishes JSON at the server's root with the topic in the body; the configured URL
    /// is the topic's (`https://ntfy.sh/mytopic`), as users copy it from ntfy.
    static func ntfy(_ e: Event, url: String) -> (url: String, body: [UInt8]) {
        guard var c = URLComponents(string: url) else { return (url, json(["message": e.shortTitle])) }
        let topic = c.path.split(separator: "/").last.map(String.init) ?? ""
        c.path = "/"
        var message = e.shortFeed
        if !e.watches.isEmpty { message += " · \(e.shortMatchLine)" }
        if !e.summary.isEmpty { message += "\n\(e.shortSummary())" }
        var body: [String: Any] = ["topic": topic, "title": e.shortTitle, "message": message, "tags": ["newspaper"]]
        if let link = e.link { body["click"] = link }
        return (c.string ?? url, json(body))
    }

    /// Telegram Bot API `sendMessage` with HTML markup (only `&`, `<`, `>` and, in the link, `"`
    /// need escaping); link previews off, as the other presets do.
    static func telegram(_ e: Event, url: String, chatID: String, token: String) -> (url: String, body: [UInt8]) {
        var text = "<b>" + htmlEscape(e.shortTitle) + "</b>"
        // A link is an anchor's target only while Telegram takes it (it refuses longer ones).
        if let link = e.link, link.utf8.count <= 2048 {
            text =
                "<b><a href=\"\(htmlEscape(link).replacingOccurrences(of: "\"", with: "&quot;"))\">"
                + htmlEscape(e.shortTitle) + "</a></b>"
        }
        text += "\n<i>\(htmlEscape(e.shortFeed))</i>"
        if !e.watches.isEmpty { text += " · \(htmlEscape(e.shortMatchLine))" }
        if !e.summary.isEmpty { text += "\n\(htmlEscape(e.shortSummary()))" }
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        return (
            "\(base)/bot\(token)/sendMessage",
            json([
                "chat_id": chatID, "text": text, "parse_mode": "HTML",
                "link_preview_options": ["is_disabled": true],
            ])
        )
    }
}

/// How a webhook output turns an event into a request.
public enum MessageStyle: Sendable {
    case native, slack, discord, teams, ntfy
    case telegram(chatID: String, token: String)
    case template(MessageTemplate)
}
