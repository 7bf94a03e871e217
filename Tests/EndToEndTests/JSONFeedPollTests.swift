import Foundation
import TestSupport
import Testing

/// A JSON Feed polled over HTTP by the daemon's own path: fetched, told from XML by its first
/// byte, parsed as it arrives, recorded and matched like any other feed.
@Suite("JSON Feed, polled")
struct JSONFeedPollTests {
    @Test("its stories are announced once, with links resolved against the feed, and a second poll finds them seen")
    func polled() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let stamp = ISO8601DateFormatter().string(from: Date())
        let body = """
            {"version": "https://jsonfeed.org/version/1.1", "title": "Wire (JSON)",
             "items": [
               {"id": "j1", "url": "/news/j1", "title": "Baghdad talks on the coalition resume",
                "content_html": "<p>Iraq and the US <b>resume</b> talks.</p>", "date_published": "\(stamp)"},
               {"id": "j2", "url": "https://example.org/j2", "title": "Weather", "content_text": "Sunny.",
                "date_published": "\(stamp)"}
             ]}
            """
        await server.serve("/feed.json", Data(body.utf8), contentType: "application/feed+json")
        let path = dir.path("feedwatch.toml")
        let url = server.url("/feed.json")
        try SystemdTests.config(dir: dir, feeds: [url]).write(toFile: path, atomically: true, encoding: .utf8)

        let run = try await BinaryRun.run(["once", "--config", path])
        #expect(run.status == 0, "\(run.stderr)")
        let events = try OnceTests.lines(dir.path("log/events.jsonl"))
        #expect(events.count == 1, "only the story the watch matches")
        let story = try #require(events.first?["story"] as? [String: Any])
        #expect(story["title"] as? String == "Baghdad talks on the coalition resume")
        #expect(story["link"] as? String == server.url("/news/j1"))
        #expect((events.first?["feed"] as? [String: Any])?["title"] as? String == "Wire (JSON)")

        let again = try await BinaryRun.run(["once", "--config", path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try OnceTests.lines(dir.path("log/events.jsonl")).count == 1)
        let schema = try await EventSchema.validate(dir.path("log/events.jsonl"))
        #expect(schema.status == 0, "\(schema.output)")
    }
}
