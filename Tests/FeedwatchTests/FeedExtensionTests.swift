import FeedwatchModel
import FeedwatchParse
import Testing

/// Extensions and old habits of real feeds that carry a story's text or tags outside the core
/// RSS and Atom elements.
@Suite("feed extensions and publishing habits")
struct FeedExtensionTests {
    private func entries(_ document: String) -> [Entry] {
        let parser = FeedParser(documentURL: "https://example.com/feed.xml")
        parser.consume(Array(document.utf8))
        let outcome = parser.finish()
        #expect(outcome.problem == nil, "\(String(describing: outcome.problem))")
        return outcome.entries
    }

    @Test("a permalink guid or an Atom id stands in for a missing link, resolved, and only as a web link")
    func idAsLink() {
        let rss = entries(
            """
            <rss version="2.0"><channel><title>t</title>
            <item><title>A</title><guid>episode-1</guid></item>
            <item><title>B</title><guid isPermaLink="false">episode-2</guid></item>
            <item><title>C</title><guid>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa60</guid></item>
            <item><title>D</title><guid>https://example.com/d-guid</guid><link>https://example.com/d</link></item>
            </channel></rss>
            """)
        #expect(rss.map(\.link) == ["https://example.com/episode-1", nil, nil, "https://example.com/d"])
        let atom = entries(
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><title>A</title><id>https://example.com/posts/1</id></entry>
            <entry><title>B</title><id>tag:example.com,2024:2</id></entry>
            <entry><title>C</title><id>https://example.com/posts/3</id><link href="/c"/></entry>
            </feed>
            """)
        #expect(atom.map(\.link) == ["https://example.com/posts/1", nil, "https://example.com/c"])
        // A file parsed with no URL to resolve against keeps a relative guid as it is, as feedparser does.
        let parser = FeedParser(documentURL: nil)
        parser.consume(Array("<rss><channel><item><title>A</title><guid>episode</guid></item></channel></rss>".utf8))
        #expect(parser.finish().entries.map(\.link) == ["episode"])
    }

    @Test("a plain-text field's CDATA section is read as written: the references in it are text")
    func referencesInCDATA() {
        let found = entries(
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><id>a</id><title type="text"><![CDATA[Tom &nbsp; Jerry &copy; AT&T &foo; <!--x-->]]></title></entry>
            </feed>
            """)
        #expect(found.map(\.title) == ["Tom &nbsp; Jerry &copy; AT&T &foo; <!--x-->"])
    }

    @Test("an RSS item's <content> with no namespace is its body, read as HTML; a root <rdf> with none is RSS 1.0")
    func namespacelessContentAndRDF() {
        let rss = entries(
            """
            <rss version="2.0"><channel><title>t</title>
            <item><title>A</title><link>https://example.com/a</link>
              <content type="text/plain">&lt;script&gt;evil&lt;/script&gt; <b>The</b> story</content></item>
            </channel></rss>
            """)
        #expect(rss.map(\.content) == ["The story"])
        let parser = FeedParser(documentURL: "https://example.com/feed.xml")
        parser.consume(Array("<rdf><item><title>B</title><link>https://example.com/b</link></item></rdf>".utf8))
        let outcome = parser.finish()
        #expect(outcome.feed.format == .rss10 && outcome.entries.map(\.title) == ["B"])
    }

    @Test("a YouTube entry's description (media:group/media:description) is its summary")
    func youTubeDescription() {
        let found = entries(
            """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
            <entry><id>yt:video:abc</id><title>Weathered</title>
              <media:group><media:title>Weathered</media:title>
                <media:description>Check out Weathered on PBS Terra.</media:description></media:group>
            </entry></feed>
            """)
        #expect(found.map(\.summary) == ["Check out Weathered on PBS Terra."])
    }

    @Test("an image's caption (media:description) does not stand in for an empty description")
    func captionBesideEmptyDescription() {
        let found = entries(
            """
            <rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
            <item><title>A</title><link>https://example.com/a</link><description></description>
              <media:content url="https://example.com/a.jpg" medium="image"/>
              <media:description>Sunrise over the harbour.</media:description></item>
            <item><title>B</title><link>https://example.com/b</link><description>The story.</description>
              <media:description>A caption.</media:description></item>
            </channel></rss>
            """)
        #expect(found.map(\.summary) == ["", "The story."])
    }

    @Test("a podcast episode's itunes:category and itunes:keywords are categories; an item's dc:author is read")
    func itunesCategoryAndDCAuthor() {
        let found = entries(
            """
            <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
                 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
            <item><title>Episode 1</title><link>https://example.com/1</link>
              <itunes:category text="Technology"><itunes:category text="Podcasting"/></itunes:category>
              <itunes:keywords>salt, pepper,shaker</itunes:keywords>
              <dc:author>Example editor</dc:author></item>
            </channel></rss>
            """)
        #expect(found.first?.categories == ["Technology", "Podcasting", "salt", "pepper", "shaker"])
        #expect(found.first?.authors == ["Example editor"])
    }

    @Test("markup in an HTML title: an unclosed comment runs to the end, an unclosed declaration is text")
    func unclosedComment() {
        let found = entries(
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><id>1</id><title type="html">safe&lt;!-- the rest</title></entry>
            <entry><id>2</id><title type="html">Quoting &lt;!DOCTYPE html</title></entry>
            <entry><id>3</id><title type="html">a &lt;!-- note --&gt;b</title></entry>
            </feed>
            """)
        #expect(found.map(\.title) == ["safe", "Quoting <!DOCTYPE html", "a b"])
    }

    @Test("numeric references to C1 controls read as windows-1252 (&#146; is ’), as HTML5 reads them")
    func windows1252References() {
        let found = entries(
            """
            <rss version="2.0"><channel><title>t</title>
            <item><title>don&#146;t &#147;quote&#148; &#x96; dash</title><link>https://example.com/1</link>
              <description>caf&#233; &#128;5</description></item>
            </channel></rss>
            """)
        #expect(found.first?.title == "don’t “quote” – dash")
        #expect(found.first?.summary == "café €5")
    }
}
