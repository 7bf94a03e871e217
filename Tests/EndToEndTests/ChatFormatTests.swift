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
        for path in ["/slack", "/discord", "/teams", "/", "/tg/bot123:ABC/sendMessage", "/custom"] {
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
        text += """
            [[output]]
            name = "telegram"
            type = "webhook"
            format = "telegram"
            url = "\(server.url("/tg"))"
            chat_id = -100123
            secret_env = "TG_TOKEN"
            [[output]]
            name = "custom"
            type = "webhook"
            format = "template"
            url = "\(server.url("/custom"))"
            template = '{"text": "{{title}} <{{link}}>", "feed": "{{feed}}", "why": "{{terms}}", "source": "feedwatch"}'

            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["once", "--config", config], environment: ["TG_TOKEN": "123:ABC"])
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

        // Telegram: the token only in the path, never in the log; HTML markup, preview off.
        let telegram = try body("/tg/bot123:ABC/sendMessage")
        #expect(telegram["chat_id"] as? String == "-100123")
        #expect(telegram["parse_mode"] as? String == "HTML")
        let tgText = try #require(telegram["text"] as? String)
        #expect(tgText.hasPrefix("<b><a href=\"http://example.org/seed\">Talks to end US-led coalition in Iraq"))
        #expect(tgText.contains("coalition: Iraq*, coalition"))
        #expect((telegram["link_preview_options"] as? [String: Bool])?["is_disabled"] == true)
        #expect(!run.stderr.contains("123:ABC"))

        // A template: fields filled in, JSON-escaped, the rest of the body as written.
        let custom = try body("/custom")
        #expect((custom["text"] as? String)?.hasSuffix(" <http://example.org/seed>") == true)
        #expect(custom["feed"] as? String == "Wire")
        #expect(custom["why"] as? String == "coalition: Iraq*, coalition")
        #expect(custom["source"] as? String == "feedwatch")
    }

    @Test(
        "a template with an unknown field, a body that is not JSON, or telegram without chat_id: errors with file:line")
    func templateErrors() async throws {
        let dir = try TemporaryDirectory()
        let config = dir.path("feedwatch.toml")
        try """
        state_dir = "\(dir.path("state"))"
        [[feed]]
        url = "https://example.org/feed.xml"
        [[output]]
        name = "a"
        type = "webhook"
        url = "https://example.org/hook"
        format = "template"
        template = '{"text": "{{headline}}"}'
        [[output]]
        name = "b"
        type = "webhook"
        url = "https://example.org/hook"
        format = "template"
        template = '{"text": {{title}}}'
        [[output]]
        name = "c"
        type = "webhook"
        format = "telegram"
        secret_env = "TOKEN"
        [[output]]
        name = "d"
        type = "webhook"
        url = "https://example.org/hook"
        format = "slack"
        batch = 10
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["check", "--config", config])
        #expect(run.status == 78)
        #expect(
            run.stderr.contains("feedwatch.toml:9: output \"a\": template: unknown field {{headline}}"), "\(run.stderr)"
        )
        #expect(run.stderr.contains("feedwatch.toml:15: output \"b\": template is not JSON"), "\(run.stderr)")
        #expect(
            run.stderr.contains("feedwatch.toml:16: output \"c\": format \"telegram\" needs 'chat_id'"), "\(run.stderr)"
        )
        #expect(
            run.stderr.contains("feedwatch.toml:26: output \"d\": batch applies only to format \"native\""),
            "\(run.stderr)")
    }
}
