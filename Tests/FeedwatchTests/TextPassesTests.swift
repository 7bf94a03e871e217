import FeedwatchModel
import Foundation
import TestSupport
import Testing

@testable import FeedwatchParse

/// The byte passes that look for rare bytes eight at a time (JSON escaping, whitespace
/// collapsing), on random text where the rare bytes fall at every offset of an eight-byte step:
/// each must give what the plain definition gives.
@Suite("text passes")
struct TextPassesTests {
    static let pieces = [
        "a", "word", "eightchr", "ninechars", " ", "  ", "\t", "\n", "\r\n", "\u{0C}", "\u{A0}", "\"", "\\", "\u{01}",
        "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "\u{2019}", "é", "Ä", "\u{00A9}", "😀", "<", "&", "0123456",
    ]

    static func randomTexts(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(state: seed)
        return (0..<count).map { _ in
            (0..<Int(generator.next() % 30)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
                .joined()
        }
    }

    @Test("JSON strings read back as written, with no raw control byte or line separator")
    func jsonEscaping() throws {
        for text in Self.randomTexts(count: 2000, seed: 7) {
            var writer = JSONWriter()
            writer.beginArray()
            writer.value(text)
            writer.endArray()
            let json = String(decoding: writer.bytes, as: UTF8.self)
            let back = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String])
            #expect(back == [text], "\(text.debugDescription) -> \(json)")
            #expect(!json.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
        }
    }

    @Test("plain text: every run of white space (NO-BREAK SPACE too) is one space, none at the ends")
    func whitespaceCollapsing() {
        let spaces: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0C}", "\u{A0}"]
        for text in Self.randomTexts(count: 2000, seed: 11) {
            var words: [String] = []
            var current = ""
            for scalar in text.unicodeScalars {
                if spaces.contains(scalar) {
                    if !current.isEmpty { words.append(current) }
                    current = ""
                } else {
                    current.unicodeScalars.append(scalar)
                }
            }
            if !current.isEmpty { words.append(current) }
            var utf8 = text
            let collapsed = utf8.withUTF8 { HTMLText.text(fromPlain: $0) }
            #expect(collapsed == words.joined(separator: " "), "\(text.debugDescription)")
        }
    }
}
