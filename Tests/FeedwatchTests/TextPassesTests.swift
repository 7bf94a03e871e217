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

    @Test("JSON numbers, booleans and timestamps are written as Swift and RFC 3339 spell them")
    func jsonScalars() throws {
        let numbers: [Int64] = [0, 7, -7, 10, 99, 100, -100, 1_234_567_890, .max, .min]
        var writer = JSONWriter()
        writer.beginArray()
        for n in numbers { writer.value(n) }
        writer.value(true)
        writer.value(false)
        let stamps: [Timestamp?] = [
            Timestamp(year: 1, month: 1, day: 1), Timestamp(year: 1970, month: 1, day: 1),
            Timestamp(year: 2024, month: 8, day: 13, hour: 8, minute: 51, second: 16),
            Timestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59), nil,
        ]
        for t in stamps { writer.value(t) }
        writer.endArray()
        let expected =
            "[" + numbers.map { String($0) }.joined(separator: ",") + ",true,false,"
            + "\"0001-01-01T00:00:00Z\",\"1970-01-01T00:00:00Z\",\"2024-08-13T08:51:16Z\",\"9999-12-31T23:59:59Z\",null]"
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
        #expect(Timestamp(seconds: 1_723_539_076).rfc3339 == "2024-08-13T08:51:16Z")
    }

    @Test(
        "plain text: every run of white space (NO-BREAK SPACE too) is one space, none at the ends; other C0 controls are dropped"
    )
    func whitespaceCollapsing() {
        let spaces: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0C}", "\u{A0}"]
        for text in Self.randomTexts(count: 2000, seed: 11) {
            var words: [String] = []
            var current = ""
            for scalar in text.unicodeScalars {
                if spaces.contains(scalar) {
                    if !current.isEmpty { words.append(current) }
                    current = ""
                } else if scalar.value < 0x20 {
                    continue
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
