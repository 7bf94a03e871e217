import FeedwatchConfig
import Foundation
import Testing

/// A reload parses the TOML in a child process and validates the JSON it hands back
/// (`ConfigLoader.decodeDocument`, then `parse(_:file:document:)`): the same configuration,
/// and the same problems, as reading the file in one go.
@Suite("configuration: the document handed over as JSON")
struct ConfigDecodeTests {
    /// Every key of the file, each kind of value (a count and a duration for `backlog`, a number
    /// and a name for `chat_id`, aliases, a template with escapes).
    static let everyKey = """
        state_dir = "/var/lib/fw"
        log_dir = "/var/log/fw"
        store = "/var/lib/fw/other.db"
        interval = "10m"
        log_level = "debug"
        [fetch]
        timeout = "20s"
        connect_timeout = "5s"
        max_body_mb = 8
        concurrency = 12
        per_host = 3
        allow_addresses = ["127.0.0.1/32", "10.0.0.0/8"]
        min_interval = "2m"
        max_interval = "6h"
        [aliases]
        militias = ["Kataib Hezbollah", "Nujaba", "\\"Popular Mobilization\\""]
        [metrics]
        listen = "127.0.0.1:9187"
        [stories]
        forget_after = "30d"
        across_feeds = "off"
        [[feed]]
        url = "https://example.org/rss"
        name = "Wire, “quoted”"
        interval = "5m"
        [[feed]]
        url = "https://example.net/atom"
        [[watch]]
        name = "iraq"
        match = 'Iraq* AND (coalition OR @militias) AND NOT "sports"'
        outputs = ["events", "hook"]
        backlog = 25
        updates = "title"
        fields = ["title", "summary"]
        [[watch]]
        name = "baghdad"
        any = ["Baghdad", "Bagdad"]
        all = ["talks"]
        none = ["football"]
        backlog = "24h"
        [[output]]
        name = "events"
        type = "jsonl"
        path = "events.jsonl"
        fsync = "always"
        [[output]]
        name = "hook"
        type = "webhook"
        url = "https://hooks.example/in"
        secret_env = "HOOK_SECRET"
        timeout = "7s"
        batch = 10
        retry_min = "2s"
        retry_max = "10m"
        retry_for = "2d"
        [[output]]
        name = "chat"
        type = "webhook"
        url = "https://chat.example/in"
        format = "template"
        template = '{"text": "{{title}} \\u00e9 {{link}}"}'
        [[output]]
        name = "tg"
        type = "webhook"
        format = "telegram"
        chat_id = -1001234567890
        secret_file = "/etc/fw/token"
        [[output]]
        name = "tg2"
        type = "webhook"
        format = "telegram"
        chat_id = "@news"
        secret_file = "/etc/fw/token"

        """

    static func viaJSON(_ source: String, file: String = "f.toml") throws(ConfigError) -> Config {
        let json = try ConfigLoader.decodeDocument(source, file: file)
        guard let document = DecodedDocument(json: json) else {
            throw ConfigError(problems: [ConfigProblem(file: file, line: nil, message: "not a document: \(json)")])
        }
        return try ConfigLoader.parse(source, file: file, document: document)
    }

    @Test("every key reads the same through the JSON document")
    func sameConfiguration() throws {
        let direct = try ConfigLoader.parse(Self.everyKey, file: "f.toml")
        let handed = try Self.viaJSON(Self.everyKey)
        #expect(handed.file == direct.file)
        #expect(handed.stateDirectory == direct.stateDirectory)
        #expect(handed.logDirectory == direct.logDirectory)
        #expect(handed.storePath == direct.storePath)
        #expect(handed.interval == direct.interval)
        #expect(handed.logLevel == direct.logLevel)
        #expect(handed.fetch == direct.fetch)
        #expect(handed.feeds == direct.feeds)
        #expect(handed.watches == direct.watches)
        #expect(handed.outputs == direct.outputs)
        #expect(handed.aliases == direct.aliases)
        #expect(handed.metricsListen == direct.metricsListen)
        #expect(handed.forgetAfter == direct.forgetAfter)
        #expect(handed.acrossFeeds == direct.acrossFeeds)
        // The values themselves, not only their agreement.
        #expect(handed.watches.map(\.name) == ["iraq", "baghdad"])
        #expect(handed.outputs.count == 5)
        #expect(handed.aliases["militias"]?.count == 3)
        #expect(handed.acrossFeeds == nil)
    }

    @Test(
        "a broken file gives the same problems, with their lines, whichever side finds them",
        arguments: [
            "interval = \"10m\"\n[[feed]\nurl = \"https://example.org/rss\"\n",  // TOML syntax
            "interval = \"10m\"\nbogus = 1\n[[feed]]\nurl = \"https://example.org/rss\"\n",  // unknown key
            "[[feed]]\nurl = \"https://example.org/rss\"\nname = 3\n",  // wrong type
            "[[feed]]\nname = \"no url\"\n",  // missing key
            "interval = \"often\"\n[[feed]]\nurl = \"gopher://example.org/\"\n",  // validation
            "[[feed]]\nurl = \"https://example.org/rss\"\n[[output]]\nname = \"tg\"\ntype = \"webhook\"\nformat = \"telegram\"\nchat_id = 5\n",
        ])
    func sameProblems(source: String) {
        var direct: [ConfigProblem] = []
        do throws(ConfigError) { _ = try ConfigLoader.parse(source, file: "f.toml") } catch { direct = error.problems }
        var handed: [ConfigProblem] = []
        do throws(ConfigError) { _ = try Self.viaJSON(source) } catch { handed = error.problems }
        #expect(!direct.isEmpty)
        #expect(handed == direct)
        #expect(direct.allSatisfy { $0.line != nil }, "\(direct)")
    }
}
