import Foundation
import TestSupport
import Testing

@testable import FeedwatchModel

/// The date parser against feedparser's own date cases (../shared/corpus/conformance/feedparser_dates.jsonl)
/// and the real-world variants the parsing issue names.
@Suite("dates")
struct DateParserTests {
    struct Case: Decodable {
        let parser: String
        let input: String
        let expected_utc: String?
    }

    static func cases() throws -> [Case] {
        let url = try Paths.shared("corpus/conformance/feedparser_dates.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
    }

    /// Where feedwatch differs from feedparser on purpose, and why.
    static let knownDisagreements: [String: String] = [
        "03335":
            "ISO 8601:1988 YYDDD: five bare digits are junk more often than a date (feedparser's W3C-DTF parser refuses '22013' too)"
    ]

    /// The reference writes years before 1000 unpadded (`99-12-31T…`); RFC 3339 pads them (`0099-…`).
    static func paddingYear(_ s: String) -> String {
        guard let dash = s.firstIndex(of: "-"), s.distance(from: s.startIndex, to: dash) < 4 else { return s }
        return String(repeating: "0", count: 4 - s.distance(from: s.startIndex, to: dash)) + s
    }

    @Test("every feedparser date case gives feedparser's instant, or null where it gives none")
    func feedparserCases() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 70)
        var disagreements: [String] = []
        for c in cases {
            let ours = DateParser.parse(c.input)?.rfc3339
            if ours != c.expected_utc.map(Self.paddingYear) {
                disagreements.append(c.input)
                if Self.knownDisagreements[c.input] == nil {
                    Issue.record(
                        "\(c.parser): \(c.input.debugDescription): ours \(ours ?? "null"), feedparser \(c.expected_utc ?? "null")"
                    )
                }
            }
        }
        #expect(disagreements.sorted() == Self.knownDisagreements.keys.sorted())
    }

    @Test(
        "RFC 822 variants, ISO 8601 and W3C-DTF",
        arguments: [
            ("Mon, 06 Sep 2010 00:01:00 +0000", "2010-09-06T00:01:00Z"),
            ("06 Sep 2010 00:01:00 GMT", "2010-09-06T00:01:00Z"),  // no weekday
            ("Mon, 06 Sep 2010 00:01 EST", "2010-09-06T05:01:00Z"),  // no seconds, named zone
            ("Mon, 06 Sep 10 00:01:00 PDT", "2010-09-06T07:01:00Z"),  // two-digit year
            ("Mon, 06 Sep 2010 00:01:00 UT", "2010-09-06T00:01:00Z"),
            ("Thu, 14 Mar 2019 17:10:02 +0200", "2019-03-14T15:10:02Z"),
            ("2024-03-01T10:00:00+03:00", "2024-03-01T07:00:00Z"),
            ("2024-03-01T10:00:00.123Z", "2024-03-01T10:00:00Z"),
            ("2024-03-01", "2024-03-01T00:00:00Z"),
            ("2024-03", "2024-03-01T00:00:00Z"),
        ])
    func variants(input: String, expected: String) {
        #expect(DateParser.parse(input)?.rfc3339 == expected)
    }

    @Test(
        "unparseable or absurd dates are null, never now",
        arguments: ["", "-1", "yesterday", "Mon, 31 Feb 99999 25:61:61 +9999", "2024-13-45T99:99:99Z", "0000-00-00"])
    func unparseable(input: String) {
        #expect(DateParser.parse(input) == nil)
    }

    @Test(
        "a zone offset that carries a date past year 9999 or before year 1 gives null, not a wrong date",
        arguments: [
            ("Fri, 31 Dec 9999 23:59:59 -2359", nil), ("9999-12-31T23:30:00-01:00", nil),
            ("0001-01-01T00:30:00+01:00", nil), ("Mon, 01 Jan 0001 00:00:00 +0001", nil),
            ("Fri, 31 Dec 9999 23:59:59 +0000", "9999-12-31T23:59:59Z"),
            ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00Z"),
        ])
    func writable(input: String, expected: String?) {
        #expect(DateParser.parse(input)?.rfc3339 == expected)
    }

    /// Pieces of RSS dates, usual and not: the one-pass reader of the usual shape must read
    /// whatever it accepts as the general reader does.
    static let weekdays = ["", "Tue, ", "tue, ", "SUN, ", "Tues, ", "Tue ", "Foo, ", "Mar, ", "Tue,", "1, "]
    static let days = ["5", "05", "31", "30", "29", "0", "00", "32", "005", "", "5,"]
    static let months = ["Mar", "mar", "FEB", "Dec", "March", "Sept", "Foo", "Ma", "Mar."]
    static let years = ["2024", "1999", "2000", "0001", "9999", "0000", "24", "99", "20245", "2024,"]
    static let times = [
        "07:40:00", "07:40", "7:40:00", "23:59:60", "24:00:00", "07:60:00", "07:40:00.5", "07:40:", "07:40:0", "",
        "12:00 PM",
    ]
    static let zones = [
        "", " GMT", " UT", " UTC", " Z", " z", " EST", " est", " PDT", " AKST", " NZDT", " T", " AT", " ETC",
        " +0000", " -0500", " +0530", " +2359", " -2400", " +0060", " +05:30", " +05", " +000", " GMT+1", " GMT+0100",
        " (EST)", " Mon", " XYZ", " ABCDE", "  GMT", " GMT ", "\t", " -",
    ]

    /// The one-pass reader's reading of `bytes`.
    static func usual(_ bytes: [UInt8]) -> Timestamp? {
        bytes.withUnsafeBufferPointer { DateParser.rfc822Usual($0) }
    }

    @Test(
        "the one-pass reader of the usual RFC 822 shape reads what it accepts as the general reader does, and accepts that shape"
    )
    func usualShape() {
        var accepted = 0
        var checked = 0
        var generator = SeededGenerator(state: 822)
        func pick(_ pieces: [String]) -> String { pieces.randomElement(using: &generator) ?? "" }
        for _ in 0..<200_000 {
            let text =
                pick(Self.weekdays) + pick(Self.days) + " " + pick(Self.months) + " " + pick(Self.years) + " "
                + pick(Self.times) + pick(Self.zones)
            checked += 1
            let bytes = Array(text.utf8)
            guard let fast = Self.usual(bytes) else { continue }
            accepted += 1
            let general = DateParser.parseTokens(bytes, defaultZone: 0)
            #expect(fast == general, "\(text)")
            #expect(
                DateParser.parse(text) == general.flatMap { DateParser.writableRange.contains($0.seconds) ? $0 : nil })
        }
        // Usual dates with one to three bytes changed, dropped or added at random: never a trap,
        // and wherever the one-pass reader still accepts, the same reading.
        let alphabet = Array("0123456789 :,+-MarTueGMTESTZz\t.".utf8)
        let seeds = ["Tue, 05 Mar 2024 07:40:00 EST", "5 Mar 2024 07:40 +0100", "Sun, 31 Dec 2023 23:59:60 GMT"]
        var mutated = 0
        for _ in 0..<100_000 {
            var bytes = Array((seeds.randomElement(using: &generator) ?? "").utf8)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                let byte = alphabet.randomElement(using: &generator) ?? 0x20
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] = byte
                case 1: if bytes.count > 1 { bytes.remove(at: at) }
                default: bytes.insert(byte, at: at)
                }
            }
            guard let fast = Self.usual(bytes) else { continue }
            mutated += 1
            #expect(fast == DateParser.parseTokens(bytes, defaultZone: 0), "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(mutated > 1_000, "\(mutated) mutated dates accepted")
        // The shape itself, in the forms feeds write it.
        for text in [
            "Tue, 05 Mar 2024 07:40:00 EST", "5 Mar 2024 07:40 +0100", "Sun, 31 Dec 2023 23:59:60 GMT",
            "Mon, 01 Jan 2024 00:00:00", "Wed, 6 Mar 2024 12:00:00 -0800",
        ] {
            let bytes = Array(text.utf8)
            let fast = Self.usual(bytes)
            #expect(fast != nil && fast == DateParser.parseTokens(bytes, defaultZone: 0), "\(text)")
        }
        #expect(checked == 200_000 && accepted > 500, "\(accepted) of \(checked) accepted")
    }
}
