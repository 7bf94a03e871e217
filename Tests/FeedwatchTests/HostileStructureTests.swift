import FeedwatchModel
import FeedwatchParse
import Testing

/// Documents built to make a parser work quadratically: one start tag with a huge number of
/// attributes or namespace declarations (libxml2 2.9 compares each with all the others), one entry
/// with a huge number of enclosures, categories or authors (each compared with the ones kept).
/// Each is cut before the quadratic work; what came before it is kept.
@Suite("hostile document structure")
struct HostileStructureTests {
    private static let head = #"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>"#
    private static let good = "<item><title>A</title><guid>a</guid></item><item><title>B</title><guid>b</guid></item>"

    /// Fed in small pieces, as a transfer delivers them, so that a tag spans many of them.
    private func parse(_ document: String, piece: Int = 4096) -> ParseOutcome {
        let parser = FeedParser(documentURL: "https://example.org/feed.xml")
        let bytes = Array(document.utf8)
        var i = 0
        while i < bytes.count {
            parser.consume(Array(bytes[i..<min(i + piece, bytes.count)]))
            i += piece
        }
        return parser.finish()
    }

    private func attributes(_ n: Int) -> String { (0..<n).map { "a\($0)=\"x\"" }.joined(separator: " ") }

    @Test("a start tag of 20,000 attributes is refused before libxml2 reads it")
    func manyAttributes() {
        let outcome = parse(Self.head + "<item \(attributes(20_000))><title>x</title></item></channel></rss>")
        #expect(outcome.problem == .refused("a tag with more than 1024 attributes"))
        #expect(outcome.entries.isEmpty)
    }

    @Test("20,000 namespace declarations on the root are refused the same way")
    func manyNamespaces() {
        let declarations = (0..<20_000).map { "xmlns:n\($0)=\"http://example.org/\($0)\"" }.joined(separator: " ")
        let outcome = parse("<rss version=\"2.0\" \(declarations)><channel><title>t</title></channel></rss>")
        #expect(outcome.problem?.isFatal == true, "\(String(describing: outcome.problem))")
    }

    @Test("after good entries, such a tag ends the document: the entries before it are kept")
    func keepsWhatCameBefore() {
        for piece in [7, 4096, 1 << 20] {
            let outcome = parse(
                Self.head + Self.good + "<item \(attributes(20_000))><title>C</title></item></channel></rss>",
                piece: piece)
            #expect(outcome.entries.map(\.title) == ["A", "B"], "pieces of \(piece)")
            #expect(outcome.problem == .truncated("a tag with more than 1024 attributes; the rest was not read"))
        }
    }

    @Test("long CDATA sections and comments, and long quoted values holding <, > and =, are not tags")
    func notTags() {
        let html = String(repeating: "<p class=\"x\">text a < b, c > d</p> ", count: 4000)  // 140 KB
        let prose = String(repeating: "no markup at all here, ", count: 8000)  // 184 KB without '>'
        let value = String(repeating: "a>b=&lt;c", count: 30_000)  // a 270 KB attribute value
        let dataURI = "data:image/png;base64," + String(repeating: "iVBORw0KGgo=", count: 20_000)  // 240 KB
        let outcome = parse(
            Self.head + "<!-- \(prose) <x y=\" -->"
                + "<item><title>A</title><guid>a</guid><description><![CDATA[\(html)]]></description></item>"
                + "<item><title>B</title><guid>b</guid><description>\(prose)</description></item>"
                + "<item><title>C</title><guid isPermaLink=\"false\" note=\"\(value)\">c</guid></item>"
                + "<item><title>D</title><guid>d</guid><media:thumbnail xmlns:media=\"http://search.yahoo.com/mrss/\" url='\(dataURI)'/></item>"
                + "</channel></rss>", piece: 1000)
        #expect(outcome.problem == nil, "\(String(describing: outcome.problem))")
        #expect(outcome.entries.map(\.title) == ["A", "B", "C", "D"])
        #expect(outcome.entries.first?.summary.contains("text a < b, c > d") == true)
    }

    @Test("an entry keeps its first 100 enclosures, categories and authors, and says so")
    func longLists() {
        let enclosures = (0..<5_000).map { "<enclosure url=\"http://e.example.org/\($0).mp3\" type=\"audio/mpeg\"/>" }
        let categories = (0..<5_000).map { "<category>c\($0)</category>" }
        let authors = (0..<5_000).map { "<author>w\($0)@example.org (W \($0))</author>" }
        let outcome = parse(
            Self.head + "<item><title>A</title><guid>a</guid>" + enclosures.joined() + categories.joined()
                + authors.joined() + "</item>" + Self.good + "</channel></rss>")
        let first = outcome.entries.first
        #expect(first?.enclosures.count == 100)
        #expect(first?.enclosures.last?.url == "http://e.example.org/99.mp3")
        #expect(first?.categories.count == 100)
        #expect(first?.authors.count == 100)
        #expect(outcome.entries.map(\.title) == ["A", "A", "B"])
        #expect("\(String(describing: outcome.problem))".contains("more than 100"))
    }

    @Test("the DOCTYPE goes before libxml2 sees it: its attribute defaults reach no element")
    func attributeDefaults() {
        // Defaults on every item (20,000 of them made 200 items take 49 s of libxml2), and one that
        // would make every guid a non-permalink, as libxml2 would report it to the parser.
        let declarations =
            (0..<2_000).map { "<!ATTLIST item a\($0) CDATA \"x\">" }.joined()
            + "<!ATTLIST guid isPermaLink CDATA \"false\">"
        let items = (0..<200).map { "<item><title>T\($0)</title><guid>https://example.org/\($0)</guid></item>" }
        let outcome = parse(
            "<?xml version=\"1.0\"?><!DOCTYPE rss [\(declarations)]><rss version=\"2.0\"><channel><title>t</title>"
                + items.joined() + "</channel></rss>")
        #expect(outcome.problem == nil, "\(String(describing: outcome.problem))")
        #expect(outcome.entries.count == 200)
        #expect(outcome.entries.first?.link == "https://example.org/0", "a guid is a permalink unless it says not")
    }

    @Test("a DOCTYPE ends at its own '>', not at one in a quoted value or a comment of its subset, in any pieces")
    func doctypeEnd() {
        let document = """
            <?xml version="1.0"?>
            <!-- a comment before it -->
            <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://example.org/rss-0.91.dtd" [
              <!-- a comment with "quotes', ] and > in it -->
              <!ENTITY % pe "x">
              <!ENTITY house "a > b ] c">
              <!ATTLIST item note CDATA 'a>b'>
            ]>
            <rss version="0.91"><channel><title>t</title>
            <item><title>Built &house; here</title><link>https://example.org/a</link></item>
            </channel></rss>
            """
        for piece in [1, 3, 4096] {
            let outcome = parse(document, piece: piece)
            #expect(outcome.entries.map(\.title) == ["Built &house; here"], "pieces of \(piece)")
            #expect(
                outcome.problem
                    == .malformed("entity declarations ignored (first: 'pe'); references to them are left as text"),
                "\(String(describing: outcome.problem))")
        }
    }

    @Test("a document cut inside its prolog's '<!' is judged by libxml2 as it is, not dropped as empty")
    func cutInProlog() {
        for document in ["<!-", "<?xml version=\"1.0\"?>\n<!DOC", "<"] {
            let outcome = parse(document, piece: 1)
            guard case .notAFeed(let why)? = outcome.problem else {
                Issue.record("\(document): \(String(describing: outcome.problem))")
                continue
            }
            #expect(why.hasPrefix("not XML"), "\(document): \(why)")
        }
    }
}
