import TestSupport
import Testing

@testable import FeedwatchMatch

/// The matcher's word scanner (eight bytes at a time, one buffer for every word) against a plain
/// reference that applies the same word rules one character at a time: on random text mixing
/// capitals, digits, apostrophes, dots, accents, dashes, CJK and words of every length (so that
/// words end inside, at and beyond an eight-byte step), both must find the same words, folded
/// the same, with the same source ranges and abbreviation flags.
@Suite("word scanner")
struct WordScannerTests {
    struct Word: Equatable, CustomStringConvertible {
        let folded: [UInt8]
        let start: Int
        let end: Int
        let abbreviation: Bool
        var description: String {
            "\(String(decoding: folded, as: UTF8.self))@\(start)..<\(end)\(abbreviation ? "!" : "")"
        }
    }

    struct Collector: WordSink {
        var words: [Word] = []
        mutating func word(length: Int, head: UInt64, _ make: () -> ScannedWord) {
            let w = make()
            words.append(
                Word(folded: Array(w.folded), start: w.sourceStart, end: w.sourceEnd, abbreviation: w.isAbbreviation))
            #expect(w.head == WordHash.head(w.folded), "head of \(Array(w.folded))")
            #expect(head == w.head && length == w.folded.count, "shape of \(Array(w.folded))")
        }
    }

    /// A sink that dismisses the words whose head is odd by their shape (as the matcher
    /// dismisses those its filter rules out): each dismissed word is kept as its length and head.
    struct Dismissing: WordSink {
        enum Seen: Equatable {
            case word(Word)
            case dismissed(length: Int, head: UInt64)
        }
        var seen: [Seen] = []
        mutating func word(length: Int, head: UInt64, _ make: () -> ScannedWord) {
            guard head & 1 == 0 else {
                seen.append(.dismissed(length: length, head: head))
                return
            }
            let w = make()
            seen.append(
                .word(
                    Word(
                        folded: Array(w.folded), start: w.sourceStart, end: w.sourceEnd,
                        abbreviation: w.isAbbreviation)))
        }
    }

    static func scanned(_ text: String) -> [Word] {
        var collector = Collector()
        var scanner = WordScanner(capacity: 16)  // small, so that words outgrow it
        var text = text
        text.withUTF8 { scanner.scan($0, into: &collector) }
        return collector.words
    }

    /// The word rules of `WordScanner`'s documentation, one character at a time.
    static func reference(_ text: String) -> [Word] {
        let s = Array(text.utf8)
        var words: [Word] = []
        var folded: [UInt8] = []
        var inWord = false
        var start = 0
        var letters = 0
        var capitals = 0
        var dotted = false
        func isWordByte(_ b: UInt8) -> Bool {
            (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || (b >= 0x30 && b <= 0x39) || b >= 0x80
        }
        func end(at i: Int) {
            if inWord && !folded.isEmpty {
                words.append(
                    Word(
                        folded: folded, start: start, end: i,
                        abbreviation: dotted || (letters >= 2 && capitals == letters)))
            }
            inWord = false
        }
        func begin(at i: Int) {
            guard !inWord else { return }
            inWord = true
            folded = []
            start = i
            letters = 0
            capitals = 0
            dotted = false
        }
        var i = 0
        while i < s.count {
            let b = s[i]
            if b < 0x80 {
                if isWordByte(b) {
                    begin(at: i)
                    let lower = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                    if lower != b { capitals += 1 }
                    if lower >= 0x61 { letters += 1 }
                    folded.append(lower)
                } else if b == 0x27 || b == 0x60, inWord, i + 1 < s.count, s[i + 1] | 0x20 == 0x73,
                    i + 2 >= s.count || !isWordByte(s[i + 2])
                {
                    end(at: i)
                    i += 2
                    continue
                } else if b == 0x27 || b == 0x60 {
                    // Inside a word it vanishes; between words it is nothing.
                } else if b == 0x2E, inWord, letters == 1 || dotted, folded.count == letters, i + 1 < s.count,
                    (s[i + 1] | 0x20) >= 0x61 && (s[i + 1] | 0x20) <= 0x7A,
                    i + 2 >= s.count || !isWordByte(s[i + 2]) || s[i + 2] == 0x2E
                {
                    dotted = true
                } else {
                    end(at: i)
                }
                i += 1
                continue
            }
            let (scalar, width) = WordScanner.decode(s.withUnsafeBufferPointer { $0 }, at: i)
            var out: [Unicode.Scalar] = []
            switch FoldTable.shared.fold(scalar, into: &out) {
            case .word:
                begin(at: i)
                for sc in out { folded.append(contentsOf: sc.utf8) }
                letters += 1
            case .ideograph:
                end(at: i)
                begin(at: i)
                for sc in out { folded.append(contentsOf: sc.utf8) }
                end(at: i + width)
            case .apostrophe:
                if inWord, i + width < s.count, s[i + width] | 0x20 == 0x73,
                    i + width + 1 >= s.count || !isWordByte(s[i + width + 1])
                {
                    end(at: i)
                    i += width + 1
                    continue
                }
            case .removed: break
            case .separator, .dot: end(at: i)
            }
            i += width
        }
        end(at: s.count)
        return words
    }

    @Test(
        "known cases",
        arguments: [
            "U.S. troops", "US-led", "Shi’ite and Shi'ite", "Iraq's PM", "KATAIB HEZBOLLAH", "NATO’s mission",
            "abcdefgh", "abcdefghi", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "Érbil", "Straße", "ﬁnance", "北京市",
            "a.b.c.", "x.y", "F.B.I.-led", "rock'n'roll", "1990s", "e.g. this", "Ｉｒａｑ", "a", "",
            "𝐁𝐚𝐠𝐡𝐝𝐚𝐝 talks", "ﺑﻐﺪاد", "ﾊﾞｸﾞﾀﾞｯﾄﾞ", "한국어 뉴스", "ﾊﾞｸﾞﾀﾞｯﾄﾞ北京",
        ])
    func known(text: String) {
        #expect(Self.scanned(text) == Self.reference(text), "\(text)")
    }

    @Test("random text: the same words as the reference")
    func random() {
        let pieces = [
            "a", "b", "s", "S", "U", "US", "Iraq", "IRAQ", "coalition", "COALITIONS", "Shiite", "x1", "2024", "abcdefg",
            "abcdefgh", "ABCDEFGHI", " ", " ", " ", ".", ". ", "'", "'s", "’", "’s", "`", "-", "—", "é", "É", "ß", "ﬁ",
            "\u{AD}", "北", "京", "ـ", "الموصل", "Hewlêr", "\n", ",", "!", "\u{200B}",
        ]
        var generator = SeededGenerator(state: 20_261_130)
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(generator.next() % 40) { text += pieces[Int(generator.next() % UInt64(pieces.count))] }
            let scanned = Self.scanned(text)
            let reference = Self.reference(text)
            #expect(scanned == reference, "\(text.debugDescription)")
            if scanned != reference { return }
        }
    }

    @Test("random text: every word is offered by its shape, in its place, and dismissed by it")
    func dismissed() {
        let pieces = [
            "a", "S", "US", "Iraq", "coalition", "COALITIONS", "x1", "abcdefg", "abcdefgh", "ABCDEFGHI", " ", " ", ".",
            ". ", "'", "'s", "’", "é", "北", "\n", ",",
        ]
        var generator = SeededGenerator(state: 20_261_201)
        var offered = 0
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(generator.next() % 40) { text += pieces[Int(generator.next() % UInt64(pieces.count))] }
            var sink = Dismissing()
            var scanner = WordScanner(capacity: 16)
            text.withUTF8 { scanner.scan($0, into: &sink) }
            let reference = Self.reference(text)
            let expected: [Dismissing.Seen] = reference.map { word in
                let head = WordHash.head(word.folded.withUnsafeBufferPointer { $0 })
                return head & 1 == 1 ? .dismissed(length: word.folded.count, head: head) : .word(word)
            }
            #expect(sink.seen == expected, "\(text.debugDescription)")
            if sink.seen != expected { return }
            offered += sink.seen.filter { if case .dismissed = $0 { true } else { false } }.count
        }
        // The texts must give the scanner words to offer, or the test proves nothing.
        #expect(offered > 1000)
    }
}
