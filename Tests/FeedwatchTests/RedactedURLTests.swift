import FeedwatchModel
import Testing

@Suite struct RedactedURLTests {
    @Test(
        "a password in a URL's user information is masked; everything else is kept",
        arguments: [
            ("https://reader:s3cret@example.org/feed.xml", "https://reader:xxxxx@example.org/feed.xml"),
            ("http://reader:s3cret@127.0.0.1:8080/f?x=1", "http://reader:xxxxx@127.0.0.1:8080/f?x=1"),
            ("https://a:p%40ss@example.org", "https://a:xxxxx@example.org"),
            ("https://a:p@ss@example.org/x", "https://a:xxxxx@example.org/x"),
            ("https://a:@example.org/", "https://a:xxxxx@example.org/"),
            ("https://token@example.org/feed", "https://token@example.org/feed"),
            ("https://example.org/feed?u=a:b@c", "https://example.org/feed?u=a:b@c"),
            ("https://example.org:8443/a@b:c", "https://example.org:8443/a@b:c"),
            ("https://example.org#a:b@c", "https://example.org#a:b@c"),
            ("https://[::1]:8080/feed", "https://[::1]:8080/feed"),
            ("not a url", "not a url"),
            ("", ""),
        ])
    func redacts(_ url: String, _ shown: String) {
        #expect(RedactedURL.text(url) == shown)
    }
}
