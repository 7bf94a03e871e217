import FlyingFox
import Foundation
import TestSupport
import Testing

/// Webhook outputs in the formats chat services expect: Slack, Discord, Teams, ntfy.
@Suite("chat formats")
struct ChatFormatTests {
    @Test("each preset posts the story as the service's own message, with feed text escaped")
    func presets() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/feed.xml", OnceTests.feed())
        for path in ["/slack", "/discord", "/teams", "/"] {
            await server.route("POST \(path)") { _ in HTTPResponse(statusCode: .ok) }
        }
        let config = dir.path("feedwatch.toml")
        var text = """
            state_dir = "\(dir.path("state"))"
            [fetch]
            allow_addresses = ["127.0.0.1/32"]
            [[feed]]
            url = "\(server.url("/feed.xml"))"
            [[watch]]
            name = "coalition"
            match = 'Iraq* AND coalition'

            """
        for (name, url) in [
            ("slack", server.url("/slack")), ("discord", server.url("/discord")), ("teams", server.url("/teams")),
            ("ntfy", server.url("/alerts")),
        ] {
            text += "[[output]]\nname = \"\(name)\"\ntype = \"webhook\"\nurl = \"\(url)\"\nformat = \"\(name)\"\n"
        }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")

        func body(_ path: String) throws -> [String: Any] {
            let request = try #require(server.requests.first { $0.method == "POST" && $0.path == path })
            return try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        }
        let slack = try body("/slack")
        let slackText = try #require(slack["text"] as? String)
        #expect(slackText.hasPrefix("*<http://example.org/seed|Talks to end US-led coalition in Iraq"))
        #expect(slackText.contains("coalition: Iraq*, coalition"))

        let discord = try body("/discord")
        #expect((discord["content"] as? String)?.hasPrefix("**Talks to end US\\-led coalition in Iraq") == true)
        #expect((discord["allowed_mentions"] as? [String: [String]])?["parse"] == [])

        let teams = try body("/teams")
        #expect(teams["@type"] as? String == "MessageCard")
        #expect((teams["title"] as? String)?.hasPrefix("Talks to end US-led coalition") == true)

        let ntfy = try body("/")
        #expect(ntfy["topic"] as? String == "alerts")
        #expect(ntfy["click"] as? String == "http://example.org/seed")
        #expect((ntfy["title"] as? String)?.hasPrefix("Talks to end") == true)
    }
}
