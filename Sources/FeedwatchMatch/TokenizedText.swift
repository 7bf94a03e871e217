/// One word of a text, folded.
struct Token {
    /// The folded word is `folded[start ..< start + length]` of its `TokenizedText`.
    var start: Int32
    var length: Int32
    /// Written in capitals or as a dotted abbreviation (see `ScannedWord`).
    var isAbbreviation: Bool
}

/// The words of a text kept, folded: how a watch's written term becomes the words it looks for
/// (stories are not kept: the matcher looks their words up as `WordScanner` finds them).
struct TokenizedText: WordSink {
    var folded: [UInt8] = []
    var tokens: [Token] = []

    init(_ text: String) {
        var text = text
        var scanner = WordScanner()
        text.withUTF8 { scanner.scan($0, into: &self) }
    }

    /// The folded bytes of a token.
    func bytes(of t: Token) -> ArraySlice<UInt8> {
        folded[Int(t.start)..<Int(t.start + t.length)]
    }

    mutating func word(length: Int, head: UInt64, _ make: () -> ScannedWord) {
        let w = make()
        tokens.append(
            Token(
                start: Int32(folded.count), length: Int32(w.folded.count), isAbbreviation: w.isAbbreviation))
        folded.append(contentsOf: w.folded)
    }
}
