import FeedwatchModel
import Foundation
import Testing

@testable import FeedwatchDeliver
@testable import FeedwatchStore

/// The chat presets on stories no service would take whole: a message must stay within what the
/// service accepts, or it is refused, retried and dead-lettered, and the story never shown.
@Suite("chat messages of outsized stories")
struct ChatMessageTests {
    static func item(title: String, link: String, watches: Int) throws -> OutboxItem {
        let event: [String: Any] = [
            "type": "story.new", "id": "evt_1", "detected_at": "2026-12-01T00:00:00Z",
            "feed": ["url": "https://example.org/feed.xml", "title": String(repeating: "Feed ", count: 500)],
            "story": ["title": title, "link": link, "summary": String(repeating: "word ", count: 5000)],
            "watches": (0..<watches).map {
                ["name": "watch\($0)", "terms": [["term": "Iraq\($0)", "field": "title"]]]
            },
        ]
        return OutboxItem(
            output: "o", seq: 1, eventID: "evt_1", payload: Array(try JSONSerialization.data(withJSONObject: event)),
            attempts: 0, createdAt: Timestamp(seconds: 0), lastError: nil)
    }

    @Test("a 20,000-character title, a 5,000-character link and 200 watches: Telegram's text stays under 4,096")
    func telegramLimit() throws {
        let item = try Self.item(
            title: String(repeating: "Baghdad ", count: 2500),
            link: "https://example.org/" + String(repeating: "a", count: 5000),
            watches: 200)
        let (_, body) = ChatMessage.request(
            .telegram(chatID: "1", token: "t"), url: "https://api.telegram.org", item: item)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let text = try #require(object["text"] as? String)
        #expect(text.count < 4096, "\(text.count)")
        #expect(text.hasPrefix("<b>Baghdad Baghdad"))
        #expect(!text.contains("href"), "a link Telegram would refuse is left out of the anchor")
        let (_, discord) = ChatMessage.request(.discord, url: "https://discord.example/hook", item: item)
        let content = try #require(
            (try JSONSerialization.jsonObject(with: Data(discord)) as? [String: Any])?["content"] as? String)
        #expect(content.count <= 2000)
    }

    @Test("ordinary stories are shown whole")
    func ordinary() throws {
        let item = try Self.item(title: "Talks on ending the coalition", link: "https://example.org/a", watches: 1)
        let (_, body) = ChatMessage.request(
            .telegram(chatID: "1", token: "t"), url: "https://api.telegram.org", item: item)
        let text = try #require(
            (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["text"] as? String)
        #expect(text.hasPrefix("<b><a href=\"https://example.org/a\">Talks on ending the coalition</a></b>"))
    }
}
