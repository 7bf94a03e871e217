import FeedwatchModel
import FeedwatchParse
import Testing

/// JSON Feed 1.0 and 1.1, recognised by content, read without a tree of the document.
@Suite("JSON Feed")
struct JSONFeedTests {
    private func parse(_ document: String, limits: ParseLimits = .default) -> ParseOutcome {
        let parser = FeedParser(documentURL: "https://example.org/feeds/all.json", limits: limits)
        // In small pieces, as a transfer delivers them.
        let bytes = Array(document.utf8)
        var i = 0
        while i < bytes.count {
            parser.consume(Array(bytes[i..<min(i + 7, bytes.count)]))
            i += 7
        }
        return parser.finish()
    }

    private static let version = #""version": "https://jsonfeed.org/version/1.1""#

    @Test("every field a story needs, in both versions' spellings, relative URLs against feed_url")
    func fields() throws {
        let outcome = parse(
            """
            {\(Self.version), "title": "Iraq \\u0026 the region", "home_page_url": "https://example.org/",
             "feed_url": "https://example.org/news/feed.json", "authors": [{"name": "Desk"}],
             "items": [
              {"id": 42, "url": "2024/talks", "title": "Talks on ending the coalition",
               "content_html": "<p>US advisers <script>x()</script>stay</p><p>in Baghdad</p>", "summary": "Short",
               "date_published": "2024-02-03T04:05:06+01:00", "date_modified": "2024-02-04T00:00:00Z",
               "author": {"name": "A. Writer"}, "tags": ["Iraq", 5, "", "Politics"],
               "image": "img/a.png", "banner_image": "https://cdn.example.org/b.png",
               "attachments": [{"url": "a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 12345}, {"mime_type": "x"}],
               "_extension": {"deep": [[[{"a": [1, 2, {"b": "c"}]}]]]}},
              {"id": "", "external_url": "https://other.example.org/x", "content_text": "Plain text"}
             ]}
            """)
        #expect(outcome.problem == nil, "\(String(describing: outcome.problem))")
        #expect(outcome.feed.format == .jsonFeed)
        #expect(outcome.feed.title == "Iraq & the region")
        #expect(outcome.feed.link == "https://example.org/")
        try #require(outcome.entries.count == 2)
        let first = outcome.entries[0]
        #expect(first.id == "42")
        #expect(first.link == "https://example.org/news/2024/talks")
        #expect(first.title == "Talks on ending the coalition")
        #expect(first.content == "US advisers stay\nin Baghdad")
        #expect(first.summary == "Short")
        #expect(first.published == Timestamp(seconds: 1_706_929_506))
        #expect(first.updated == Timestamp(seconds: 1_707_004_800))
        #expect(first.authors == ["A. Writer"])
        #expect(first.categories == ["Iraq", "Politics"])
        #expect(
            first.enclosures == [Enclosure(url: "https://example.org/news/a.mp3", type: "audio/mpeg", length: 12345)])
        #expect(first.media.map(\.url) == ["https://example.org/news/img/a.png", "https://cdn.example.org/b.png"])
        let second = outcome.entries[1]
        #expect(second.id == nil)
        #expect(second.link == "https://other.example.org/x")
        #expect(second.content == "Plain text")
        #expect(second.authors == ["Desk"], "the feed's authors stand in")
    }

    @Test("the version may come after the items; other JSON is not a feed")
    func recognition() {
        let late = parse(#"{"items": [{"id": "a", "title": "A"}], "version": "https://jsonfeed.org/version/1"}"#)
        #expect(late.problem == nil)
        #expect(late.entries.map(\.title) == ["A"])
        for body in [#"{"error": "rate limited"}"#, #"[{"id": 1}]"#, #"{"version": "1.0", "items": []}"#] {
            let outcome = parse(body)
            guard case .notAFeed? = outcome.problem else {
                Issue.record("\(body): \(String(describing: outcome.problem))")
                continue
            }
            #expect(outcome.entries.isEmpty)
        }
        let noItems = parse("{\(Self.version), \"title\": \"t\"}")
        #expect(noItems.problem?.isFatal == true, "a JSON Feed without items is not read as an empty one")
    }

    @Test("broken JSON: named by line and column; entries before the break kept, none means not a feed")
    func broken() {
        let cut = parse(
            """
            {\(Self.version),
             "items": [{"id": "1", "title": "One"}, {"id": "2", "title": "Two"}, {"id": "3", "tit
            """)
        #expect(cut.entries.map(\.title) == ["One", "Two"])
        #expect(cut.problem?.isFatal == false)
        #expect("\(String(describing: cut.problem))".contains("line 2"), "\(String(describing: cut.problem))")

        let early = parse("{\(Self.version), \"items\": [{\"id\": \"1\", \"ti")
        #expect(early.problem?.isFatal == true, "\(String(describing: early.problem))")
        #expect(early.entries.isEmpty)
        let garbage = parse("{\"version\": ]")
        #expect(garbage.problem?.isFatal == true)
        #expect("\(String(describing: garbage.problem))".contains("line 1, column 13"))
    }

    @Test("escapes: pairs decoded, lone surrogates and NUL replaced, invalid UTF-8 repaired")
    func escapes() {
        let outcome = parse(
            "{\(Self.version), \"items\": [{\"id\": \"e\", \"title\": "
                + #""caf\u00e9 \ud83d\ude00 \ud800 \udc00 a\u0000b \"q\" \/ \n", "summary": "x"# + "\u{7F}"
                + "\"}]}")
        #expect(outcome.problem == nil)
        #expect(outcome.entries.first?.title == "café 😀 \u{FFFD} \u{FFFD} a\u{FFFD}b \"q\" /")
        let parser = FeedParser(documentURL: nil)
        parser.consume(Array("{\(Self.version), \"items\": [{\"id\": \"x\", \"title\": \"a".utf8) + [0xFF, 0xFE])
        parser.consume(Array("b\"}]}".utf8))
        let repaired = parser.finish()
        #expect(repaired.entries.first?.title == "a\u{FFFD}\u{FFFD}b")
    }

    @Test("control characters spelled as escapes are dropped from text: no ESC sequence reaches a terminal")
    func controls() {
        let outcome = parse(
            "{\(Self.version), \"title\": \"t\\u001b]0;x\\u0007y\", \"items\": [{\"id\": \"e\", "
                + #""title": "a\u001b[2Jb", "content_html": "<p>c\u001bd</p>", "authors": [{"name": "n\u0008m"}], "#
                + #""tags": ["t\u001bg"]}]}"#)
        #expect(outcome.problem == nil)
        #expect(outcome.feed.title == "t]0;xy")
        let entry = outcome.entries.first
        #expect(entry?.title == "a[2Jb")
        #expect(entry?.content == "cd")
        #expect(entry?.authors == ["nm"])
        #expect(entry?.categories == ["tg"])
    }

    @Test("nesting past the depth limit is refused at once, however deep")
    func depth() {
        let deep =
            "{\(Self.version), \"items\": [{\"id\": \"1\", \"x\": " + String(repeating: "[", count: 20_000)
            + String(repeating: "]", count: 20_000) + "}]}"
        let outcome = parse(deep)
        guard case .refused(let why)? = outcome.problem else {
            Issue.record("\(String(describing: outcome.problem))")
            return
        }
        #expect(why.contains("nested deeper than 256 levels"))
    }

    @Test("caps: entries, field length and document size keep what came before them")
    func caps() {
        var limits = ParseLimits.default
        limits.maxEntries = 3
        let items = (1...10).map { #"{"id": "\#($0)", "title": "T\#($0)"}"# }.joined(separator: ",")
        let many = parse("{\(Self.version), \"items\": [\(items)]}", limits: limits)
        #expect(many.entries.map(\.title) == ["T1", "T2", "T3"])
        #expect("\(String(describing: many.problem))".contains("more than 3 entries"))

        limits = .default
        limits.maxFieldBytes = 1 << 10
        let long = parse(
            "{\(Self.version), \"items\": [{\"id\": \"l\", \"title\": \"\(String(repeating: "é", count: 4000))\"}]}",
            limits: limits)
        #expect((long.entries.first?.title.utf8.count ?? 0) <= 1 << 10)
        #expect(long.entries.first?.title.allSatisfy { $0 == "é" } == true)
        #expect("\(String(describing: long.problem))".contains("field longer than"))

        limits = .default
        limits.maxDocumentBytes = 300
        let big = parse("{\(Self.version), \"items\": [\(items)]}", limits: limits)
        #expect(big.entries.count >= 3 && big.entries.count < 10, "\(big.entries.count)")
        #expect("\(String(describing: big.problem))".contains("document larger than"))
    }
}
