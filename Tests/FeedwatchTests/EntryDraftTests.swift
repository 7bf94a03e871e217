import Dispatch
import FeedwatchModel
import Foundation
import TestSupport
import Testing

@testable import FeedwatchParse

/// An entry handed over as it completes is a draft whose title, summary and content its taker
/// converts; collected entries are converted by the parser. Both must read the same: the choice
/// among candidates (a title in three vocabularies, an empty description beside a caption) is
/// made in `resolved()` and nowhere else.
@Suite("entries streamed as drafts")
struct EntryDraftTests {
    /// The entries of `bytes` both ways: collected, and streamed then resolved on another thread
    /// (as `feedwatch parse` does on its lines queue).
    static func bothWays(_ bytes: [UInt8]) -> (collected: [Entry], streamed: [Entry]) {
        let collecting = FeedParser(documentURL: "https://example.com/feed.xml")
        collecting.consume(bytes)
        let collected = collecting.finish().entries

        var drafts: [EntryDraft] = []
        let streaming = FeedParser(documentURL: "https://example.com/feed.xml", onEntry: { drafts.append($0) })
        streaming.consume(bytes)
        let outcome = streaming.finish()
        #expect(outcome.entries.isEmpty)
        let queue = DispatchQueue(label: "feedwatch.tests.resolve")
        let streamed = queue.sync { drafts.map { $0.resolved() } }
        return (collected, streamed)
    }

    @Test("competing titles, summaries and contents are chosen the same way")
    func competingCandidates() {
        let document = """
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
                 xmlns:media="http://search.yahoo.com/mrss/"
                 xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
            <item><media:title>Media title</media:title><dc:title>DC title</dc:title><title>RSS &lt;b&gt;title&lt;/b&gt;</title>
              <description></description><media:description>A caption.</media:description>
              <content:encoded><![CDATA[<p>Body <script>x()</script>text</p>]]></content:encoded><guid>a</guid></item>
            <item><title></title><dc:title>Only DC</dc:title>
              <media:description>The video.</media:description><guid>b</guid></item>
            </channel></rss>
            """
        let (collected, streamed) = Self.bothWays(Array(document.utf8))
        #expect(collected.map(\.title) == ["RSS title", "Only DC"])
        #expect(collected.map(\.summary) == ["", "The video."])
        #expect(collected.map(\.content) == ["Body text", ""])
        #expect(streamed == collected)
    }

    @Test("an entry repeating its description holds about one field's worth of bytes, and reads the same")
    func piledUpCandidates() {
        // 200 descriptions of 64 KiB: 12.5 MiB of candidates. The last non-empty one is the
        // summary, and the empty ones after it change nothing.
        let big = String(repeating: "x", count: 64 << 10)
        var item = "<item><guid>a</guid>"
        for i in 0..<200 { item += "<description>&lt;p&gt;\(i) \(big)&lt;/p&gt;</description>" }
        item += "<description></description><description> </description></item>"
        let document = Array("<rss version=\"2.0\"><channel><title>t</title>\(item)</channel></rss>".utf8)

        var drafts: [EntryDraft] = []
        let parser = FeedParser(documentURL: nil, onEntry: { drafts.append($0) })
        parser.consume(document)
        _ = parser.finish()
        let held = drafts.map { $0.texts.reduce(0) { $0 + $1.bytes.count } }
        #expect(held.count == 1 && held[0] <= ParseLimits.default.maxFieldBytes, "\(held)")
        #expect(drafts.first.map { $0.texts.count <= 34 } == true)

        let (collected, streamed) = Self.bothWays(document)
        #expect(collected.count == 1 && collected.first?.summary == "199 \(big)")
        #expect(streamed == collected)
    }

    @Test("every document of ../shared's corpus and hostile set reads the same streamed and collected")
    func sharedCorpus() throws {
        var files: [URL] = []
        for folder in ["corpus", "hostile"] {
            let root = try Paths.shared(folder)
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = walker?.nextObject() as? URL {
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { files.append(url) }
            }
        }
        #expect(files.count > 2_000, "found \(files.count) files under ../shared")
        var entries = 0
        for url in files {
            let bytes = try [UInt8](Data(contentsOf: url))
            let (collected, streamed) = Self.bothWays(bytes)
            #expect(streamed == collected, "\(url.path)")
            entries += collected.count
        }
        #expect(entries > 5_000, "read \(entries) entries")
    }
}
