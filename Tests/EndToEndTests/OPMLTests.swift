import Foundation
import TestSupport
import Testing

/// `feedwatch import` and `export`: coming from another reader, and going back.
@Suite("OPML import and export")
struct OPMLTests {
    static let opml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <opml version="2.0"><head><title>My reader</title></head><body>
          <outline text="News">
            <outline type="rss" text="BBC &amp; co" title="BBC &quot;Middle East&quot;" xmlUrl="https://feeds.bbci.co.uk/news/world/middle_east/rss.xml"/>
            <outline type="rss" text="Al Jazeera" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
          </outline>
          <outline type="rss" text="Already there" xmlUrl="https://example.org/rss"/>
          <outline type="rss" text="Not the web" xmlUrl="file:///etc/passwd"/>
          <outline type="rss" text="Twice" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
        </body></opml>
        """

    static let baseConfig = """
        # my feeds
        [[feed]]
        url = "https://example.org/rss"  # keep this comment
        """

    @Test("import appends the new feeds as [[feed]] blocks, keeps the file's text, and validates it")
    func importFeeds() async throws {
        let dir = try TemporaryDirectory()
        let config = dir.path("feedwatch.toml")
        let list = dir.path("subscriptions.opml")
        try Self.baseConfig.write(toFile: config, atomically: true, encoding: .utf8)
        try Self.opml.write(toFile: list, atomically: true, encoding: .utf8)

        let run = try await BinaryRun.run(["import", "-c", config, list])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("added 2 feeds"))
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.hasPrefix(Self.baseConfig))
        #expect(text.contains("name = \"BBC \\\"Middle East\\\"\""))
        #expect(!text.contains("passwd"))
        let check = try await BinaryRun.run(["check", "-c", config])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("3 feeds"))

        let again = try await BinaryRun.run(["import", "-c", config, list])
        #expect(again.status == 0)
        #expect(again.stderr.contains("nothing to add"))
        #expect(try String(contentsOfFile: config, encoding: .utf8) == text)
    }

    @Test("export prints OPML that import reads back")
    func roundTrip() async throws {
        let dir = try TemporaryDirectory()
        let config = dir.path("feedwatch.toml")
        let shipped = try String(
            contentsOf: Paths.repository.appendingPathComponent("config/feedwatch.toml"), encoding: .utf8)
        try shipped.write(toFile: config, atomically: true, encoding: .utf8)
        let export = try await BinaryRun.run(["export", "-c", config])
        #expect(export.status == 0, "\(export.stderr)")
        let list = dir.path("out.opml")
        try export.stdout.write(toFile: list, atomically: true, encoding: .utf8)

        let empty = dir.path("empty.toml")
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let back = try await BinaryRun.run(["import", "--print", "-c", empty, list])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.components(separatedBy: "[[feed]]").count - 1 == 5)
        #expect(
            back.stdout.contains(
                "url = \"https://news.google.com/rss/search?q=Iraq+coalition&hl=en-US&gl=US&ceid=US:en\""))
    }

    @Test("an OPML file that declares entities is refused")
    func entities() async throws {
        let dir = try TemporaryDirectory()
        let list = dir.path("bad.opml")
        try """
        <?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">]>
        <opml version="2.0"><body><outline text="&a;" xmlUrl="https://example.org/rss"/></body></opml>
        """.write(toFile: list, atomically: true, encoding: .utf8)
        let run = try await BinaryRun.run(["import", "--print", "-c", dir.path("none.toml"), list])
        #expect(run.status == 1)
        #expect(run.stderr.contains("declares entities"))
    }
}
