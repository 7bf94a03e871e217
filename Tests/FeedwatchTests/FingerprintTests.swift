import FeedwatchModel
import FeedwatchNormalise
import Foundation
import TestSupport
import Testing

/// Near-duplicate fingerprints: the same wire story lightly edited by another outlet is near
/// (`Fingerprint.nearSimilarity`); a different story on the same subject, in the same house
/// style, is not.
@Suite("near-duplicate fingerprints")
struct FingerprintTests {
    static func fingerprint(_ text: String) throws -> Fingerprint {
        try #require(Fingerprint.of(Normaliser.story(Entry(title: "t", summary: text))))
    }

    @Test("a lightly edited copy is near; a different story on the same subject is far")
    func nearAndFar() throws {
        let wire = try Self.fingerprint(WireStory.text)
        let copy = wire.similarity(try Self.fingerprint(WireStory.copy))
        let other = wire.similarity(try Self.fingerprint(WireStory.other))
        #expect(copy >= Fingerprint.nearSimilarity, "copy: \(copy)")
        #expect(other < 0.2, "other: \(other)")
        print("similarity to the wire story: copy \(copy), other \(other)")
        // Found through the bands: the copy shares one, the other story none.
        #expect(!Set(wire.bands).isDisjoint(with: try Self.fingerprint(WireStory.copy).bands))
        #expect(Set(wire.bands).isDisjoint(with: try Self.fingerprint(WireStory.other).bands))
    }

    @Test("stable across processes and round-trips through its stored bytes")
    func stable() throws {
        let wire = try Self.fingerprint(WireStory.text)
        #expect(Fingerprint(bytes: wire.bytes) == wire)
        #expect(wire.bytes.count == Fingerprint.size * 4)
        // Computed once and written here: a change in tokenising or hashing changes it, and with
        // it the meaning of every fingerprint already stored.
        #expect(Array(wire.minimums.prefix(4)) == [85_137_527, 2_455_821, 31_546_685, 7_178_646])
    }

    @Test("short texts have none; case and white space do not matter")
    func shortAndNormalised() throws {
        #expect(Fingerprint.of(Normaliser.story(Entry(title: "t", summary: "Talks resume in Baghdad."))) == nil)
        let shouted = WireStory.text.uppercased().replacingOccurrences(of: " ", with: "\n  ")
        #expect(try Self.fingerprint(shouted) == (try Self.fingerprint(WireStory.text)))
    }

    @Test("publisher: the link's host without www, else the feed's")
    func publisher() {
        let linked = Normaliser.story(Entry(link: "https://www.Reuters.com/world/iraq-talks?utm_source=x", title: "t"))
        #expect(Fingerprint.publisher(of: linked, feedURL: "https://feeds.example/wire.xml") == "reuters.com")
        let unlinked = Normaliser.story(Entry(title: "t"))
        #expect(
            Fingerprint.publisher(of: unlinked, feedURL: "http://m.outlet.example:8080/rss") == "outlet.example:8080")
    }
}
