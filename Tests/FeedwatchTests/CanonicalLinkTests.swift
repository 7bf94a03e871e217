import FeedwatchNormalise
import Testing

/// Links that name the same page must share a canonical form; different pages must not.
@Suite("canonical links")
struct CanonicalLinkTests {
    @Test(
        "copies of one page fold together",
        arguments: [
            ("http://www.Example.org/news/story/?utm_source=rss&utm_medium=feed#top", "https://example.org/news/story"),
            ("https://example.org:443/news/story", "https://example.org/news/story"),
            ("https://user:pw@example.org/news/story", "https://example.org/news/story"),
            ("https://amp.example.org/news/story/amp", "https://example.org/news/story"),
            ("https://example.org/news/story.amp.html", "https://example.org/news/story.html"),
            ("https://example.org/amp/news/story", "https://example.org/news/story"),
            ("https://example.org/a?b=2&a=1&fbclid=xyz", "https://example.org/a?a=1&b=2"),
            ("https://example.org/a?outputType=amp&id=7", "https://example.org/a?id=7"),
            ("https://example.org", "https://example.org/"),
            ("https://example.org:8080/a", "https://example.org:8080/a"),
            ("https://[2001:db8::1]/a", "https://[2001:db8::1]/a"),
            ("https://example.org/بغداد", "https://example.org/%D8%A8%D8%BA%D8%AF%D8%A7%D8%AF"),
            ("  https://example.org/a?x  ", "https://example.org/a?x"),
        ])
    func folds(link: String, canonical: String) {
        #expect(CanonicalLink.canonical(link) == canonical)
    }

    @Test(
        "only absolute web links have a canonical form",
        arguments: ["", "/relative", "ftp://example.org/a", "mailto:x@y", "https://", "javascript:alert(1)"])
    func rejects(link: String) {
        #expect(CanonicalLink.canonical(link) == nil)
    }

    @Test("different pages stay different")
    func distinct() {
        #expect(
            CanonicalLink.canonical("https://example.org/a?id=1")
                != CanonicalLink.canonical("https://example.org/a?id=2"))
        #expect(CanonicalLink.canonical("https://example.org/a") != CanonicalLink.canonical("https://example.com/a"))
    }
}
