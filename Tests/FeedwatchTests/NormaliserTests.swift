import FeedwatchModel
import TestSupport
import Testing

@testable import FeedwatchNormalise

/// The identity model's text normalisation and keys.
@Suite("normaliser")
struct NormaliserTests {
    /// The definition the fast path must equal: Swift's full lower-case mapping, then white space
    /// (Unicode White_Space) runs as one space.
    static func reference(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    @Test(
        "normalised text equals lower-casing then collapsing white space",
        arguments: [
            "", "   ", "Iraq", "  US-led  Coalition\tTalks\r\n", "ÉCOLE Ünïcode", "İstanbul", "ΣΟΦΟΣ ΣΑΣ",
            "a\u{00A0}b\u{2003}c\u{3000}d", "Straße STRASSE", "日本語 テキスト", "emoji 👍🏽 OK", "ǅungla ǈ",
            "line\u{2028}sep\u{2029}para", "tab\u{0B}vt\u{0C}ff\u{85}nel",
        ])
    func normalisedText(input: String) {
        #expect(Normaliser.normalisedText(input) == Self.reference(input))
    }

    @Test("normalised text equals the definition on random text, its rare bytes at every offset of an eight-byte step")
    func normalisedRandomText() {
        let pieces = [
            "a", "Word", "EIGHTCHR", "nine CHAR", " ", "  ", "   ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{01}",
            "\u{1F}", "\u{7F}", "\u{A0}", "\u{2003}", "é", "Ä", "İ", "😀", "x y", "A B C", "0123456", "!", "Z", "@[`{",
        ]
        var generator = SeededGenerator(state: 5)
        for _ in 0..<4000 {
            let text = (0..<Int(generator.next() % 40)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))]
            }
            .joined()
            #expect(Normaliser.normalisedText(text) == Self.reference(text), "\(text.debugDescription)")
        }
    }

    /// The normaliser remembers what the standard library says of each character beyond ASCII
    /// (`ScalarFlags`): every one of them must read as the standard library's answer does, the
    /// first time and the times after, also with several threads asking at once.
    @Test("every character beyond ASCII reads as its Unicode properties say, remembered or not, on any thread")
    func everyScalar() async {
        let scalars =
            (0x80..<0x1_0000).compactMap(Unicode.Scalar.init) + [
                "\u{1F44D}", "\u{1F3FD}", "\u{10400}", "\u{1D400}", "\u{E0041}",
            ]
        func expected(_ s: Unicode.Scalar) -> String {
            if s.properties.isWhitespace { return "a b" }
            return "a" + (s.properties.changesWhenLowercased ? s.properties.lowercaseMapping : String(s)) + "b"
        }
        func mismatches() -> [UInt32] {
            scalars.filter { Normaliser.normalisedText("a" + String($0) + "B") != expected($0) }.map(\.value)
        }
        let results = await withTaskGroup(of: [UInt32].self) { group in
            for _ in 0..<4 { group.addTask { mismatches() } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.isEmpty, "\(results.prefix(20).map { String($0, radix: 16) })")
        #expect(mismatches().isEmpty)
    }

    @Test(
        "numbers taken out: each digit run, with the separators inside and after it, is one #",
        arguments: [
            ("", ""), ("1,204 comments", "# comments"), ("1,312 comments", "# comments"), ("v1.2.3.", "v#"),
            ("a1b22c", "a#b#c"), ("12,", "#"), ("3.5% of 1 000", "#% of # #"), ("no digits", "no digits"),
            ("٣ Arabic-Indic digits stay", "٣ Arabic-Indic digits stay"), (",.5", ",.#"),
        ])
    func withoutNumbers(input: String, expected: String) {
        #expect(Normaliser.withoutNumbers(input) == expected)
    }

    @Test("the key comes from the id, then the canonical link, then the text; identity (what `parse` prints) agrees")
    func keySources() {
        var entry = Entry()
        entry.title = "Talks to end US-led  coalition in IRAQ"
        entry.summary = "Baghdad. 1,204 comments"
        entry.link = "https://example.org/story?utm_source=rss"
        entry.id = "  urn:story:1 "
        #expect(Normaliser.story(entry).key == Normaliser.keyHash(.id, "urn:story:1"))
        for source in [Story.KeySource.id, .link, .text] {
            let story = Normaliser.story(entry)
            let identity = Normaliser.identity(entry)
            #expect(story.keySource == source)
            #expect(identity.key == story.key && identity.keySource == source)
            #expect(identity.contentHash == story.contentHash)
            if entry.id != nil { entry.id = nil } else { entry.link = nil }
        }
    }

    @Test("case and spacing do not change the content hash; the words do")
    func contentHash() {
        var a = Entry()
        a.title = "Talks to end  US-led coalition"
        a.summary = "Talks between the United States and Iraq"
        var b = a
        b.title = "talks to end US-led Coalition "
        #expect(Normaliser.story(a).contentHash == Normaliser.story(b).contentHash)
        b.summary = "Talks between the United States and Syria"
        #expect(Normaliser.story(a).contentHash != Normaliser.story(b).contentHash)
    }

    /// Stored hashes must never change meaning: a new digest for the same entry would make every
    /// story in every store look edited after an upgrade.
    @Test(
        "each digest is the documented one: SHA-256 of its tag and its parts",
        arguments: [
            (
                "Talks to end US-led coalition", "Talks between the 2 countries, 1,204 comments", "",
                "https://Example.org/a?utm_source=x"
            ),
            ("", "", "", nil), ("Only a title", "", "", nil),
            ("T", "summary", "Content wins over the summary 3.5%", "http://m.example.org/b/"),
            ("ÉCOLE  Ünïcode\tTitle", "日本語 テキスト 12", "", "https://example.org/ü?b=2&a=1"),
            ("42", "1.2.3 and 4,5,6.", "", "not a link"),
        ] as [(String, String, String, String?)])
    func documentedDigests(title: String, summary: String, content: String, link: String?) {
        var entry = Entry()
        (entry.title, entry.summary, entry.content, entry.link) = (title, summary, content, link)
        let story = Normaliser.story(entry)
        let t = Normaliser.normalisedText(title)
        let b = Normaliser.normalisedText(content.isEmpty ? summary : content)
        let c = link.flatMap(CanonicalLink.canonical)
        #expect(story.textHash == Digest.sha256("feedwatch-text-v1\n\(t)\n\(b)"))
        #expect(story.contentHash == Digest.sha256("feedwatch-content-v1\n\(t)\n\(c ?? "")\n\(b)"))
        #expect(story.linkHash == c.map { Digest.sha256("feedwatch-link-v1\n\($0)") })
        #expect(story.titleHash == Digest.sha256("feedwatch-title-v1\n\(t)"))
        #expect(story.bodyHash == Digest.sha256("feedwatch-body-v1\n\(Normaliser.withoutNumbers(b))"))
    }

    @Test("digests of known entries stay what they were")
    func pinnedDigests() {
        var entry = Entry()
        entry.title = "Talks to end US-led coalition in Iraq"
        entry.summary = "Talks between the United States and Iraq, 1,204 comments"
        entry.link = "https://www.example.org/story/?utm_source=rss"
        let story = Normaliser.story(entry)
        #expect(Digest.hex(story.contentHash) == "8e5d6ce528c4bae00807388b34e6262f68f1327d898846744fdf887088ed1ccd")
        #expect(Digest.hex(story.bodyHash) == "158d9703198d21e5f17ad4991a494d00fcea5bf808e94c76a561c89dcc462fe3")
    }
}
