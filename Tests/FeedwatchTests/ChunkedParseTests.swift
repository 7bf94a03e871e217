import FeedwatchModel
import FeedwatchParse
import TestSupport
import Testing

/// A document reads the same whatever pieces its bytes arrive in. libcurl hands the body over in
/// pieces of any size, and every pass before libxml2 (charset, references, the DOCTYPE filter,
/// the tag guard) keeps what a piece ends in the middle of (a multi-byte character, a reference,
/// `<![CDATA[`, the `]]>` or `-->` that ends a section) for the next one.
@Suite("parsing in pieces")
struct ChunkedParseTests {
    /// Every construct those passes carry across a boundary, and near-misses of their terminators.
    /// The constructs come after the first 1,024 bytes, which are read whole to find the charset.
    static let document = Array(
        """
        <?xml version="1.0" encoding="utf-8"?>
        <!-- \(String(repeating: "Padding past the charset sniff. ", count: 40)) -->
        <!DOCTYPE rss [ <!-- a comment with ] and > inside --> ]>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
        <title>Caf&eacute; &amp; news &#146; 中文</title><link>https://example.org/</link>
        <!-- a comment with - dashes, - > and &nbsp; in it -->
        <item><title>One &nbsp;&mdash; Baghdad 😀</title><guid>one</guid>
        <description><![CDATA[<p>A ]] B ]> C &amp; &eacute; <b>bold</b> ]</p>]]></description>
        <content:encoded><![CDATA[<p>Body with ]]-- and <!-- a comment --> and &lt;tags&gt;.</p>]]></content:encoded>
        <category>Zo&euml;</category><pubDate>Tue, 05 Mar 2024 07:40:00 EST</pubDate></item>
        <item><title><![CDATA[Two]]>&#x2019;s <![CDATA[title]]></title><guid>two</guid>
        <description>Plain &amp;amp; text &lt;b&gt;escaped&lt;/b&gt; — ünïcödé &eacute;&hellip;</description></item>
        </channel></rss>
        """.utf8)

    static func parse(_ pieces: [ArraySlice<UInt8>]) -> ParseOutcome {
        let parser = FeedParser(documentURL: "https://example.org/feed.xml")
        for piece in pieces { parser.consume(Array(piece)) }
        return parser.finish()
    }

    static func split(_ bytes: [UInt8], at cuts: [Int]) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        for cut in cuts.sorted() where cut > start && cut < bytes.count {
            pieces.append(bytes[start..<cut])
            start = cut
        }
        pieces.append(bytes[start...])
        return pieces
    }

    @Test("the same entries and feed for pieces of every size from 1 to 64 bytes and at random cuts")
    func everySplit() {
        let whole = Self.parse([Self.document[...]])
        #expect(whole.entries.count == 2 && whole.problem == nil, "\(String(describing: whole.problem))")
        #expect(whole.entries.first?.summary.contains("A ]] B ]> C & é bold ]") == true)
        #expect(whole.feed.title == "Café & news ’ 中文")
        func same(_ outcome: ParseOutcome, _ how: String) {
            #expect(outcome.entries == whole.entries, "\(how)")
            #expect(outcome.feed.title == whole.feed.title && outcome.feed.link == whole.feed.link, "\(how)")
            #expect(outcome.problem == whole.problem, "\(how): \(String(describing: outcome.problem))")
        }
        let n = Self.document.count
        for size in 1...64 {
            same(Self.parse(Self.split(Self.document, at: Array(stride(from: size, to: n, by: size)))), "size \(size)")
        }
        var generator = SeededGenerator(state: 1234)
        for round in 0..<200 {
            let cuts = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                Int.random(in: 1..<n, using: &generator)
            }
            same(Self.parse(Self.split(Self.document, at: cuts)), "round \(round), cuts \(cuts.sorted())")
        }
    }
}
