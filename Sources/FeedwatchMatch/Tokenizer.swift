import FeedwatchModel

/// One word of a text, folded.
struct Token {
    /// FNV-1a of the folded bytes: the key into the term table.
    var hash: UInt64
    /// The folded word is `folded[start ..< start + length]` of its `TokenizedText`.
    var start: Int32
    var length: Int32
    /// Byte offset and length of the word in the original text, for snippets.
    var sourceStart: Int32
    var sourceLength: Int32
    /// True when the word was written in capitals or as a dotted abbreviation ("US", "U.S."):
    /// abbreviation terms ask for it, so that "U.S." finds the country and not the pronoun.
    var isAbbreviation: Bool
}

/// The words of one text, folded by `FoldTable` and split on word boundaries.
///
/// Word boundaries: a word is a run of letters, digits and spacing marks. Apostrophes inside a
/// word vanish ("Shi'ite" = "Shiite"), and "'s" ending a word is the possessive ("Iraq's" =
/// "Iraq"). A full stop between single letters joins them ("U.S." = "us"). CJK ideographs and kana
/// are words of one character each, since those scripts put no spaces between words.
struct TokenizedText {
    var folded: [UInt8] = []
    var tokens: [Token] = []

    init() {}

    init(_ text: String) {
        append(text)
    }

    /// Room for `bytes` bytes of text, so that appending fields of that total size allocates once.
    init(capacity bytes: Int) {
        folded.reserveCapacity(bytes)
        tokens.reserveCapacity(bytes / 6 + 1)
    }

    /// The folded bytes of a token.
    func bytes(of t: Token) -> ArraySlice<UInt8> {
        folded[Int(t.start)..<Int(t.start + t.length)]
    }

    /// Tokenizes `text` and appends its words.
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(utf8: $0) }
    }

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x100_0000_01b3

    /// FNV-1a over bytes, as the tokenizer hashes each folded word.
    static func fnv(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h = fnvOffset
        for b in bytes { h = (h ^ UInt64(b)) &* fnvPrime }
        return h
    }

    mutating func append(utf8 s: UnsafeBufferPointer<UInt8>) {
        let table = FoldTable.shared
        var scratch: [Unicode.Scalar] = []
        scratch.reserveCapacity(4)
        var inWord = false
        var start = 0
        var hash = TokenizedText.fnvOffset
        var sourceStart = 0
        var letters = 0
        var upperLetters = 0
        var dotted = false
        let n = s.count
        var i = 0

        @inline(__always) func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
        @inline(__always) func isWordByte(_ b: UInt8) -> Bool {
            isASCIILetter(b) || (b >= 0x30 && b <= 0x39) || b >= 0x80
        }

        func endWord(at end: Int) {
            guard inWord else { return }
            inWord = false
            let length = folded.count - start
            guard length > 0 else { return }
            tokens.append(
                Token(
                    hash: hash, start: Int32(start), length: Int32(length), sourceStart: Int32(sourceStart),
                    sourceLength: Int32(end - sourceStart),
                    isAbbreviation: dotted || (letters >= 2 && upperLetters == letters)))
        }

        @inline(__always) func beginWordIfNeeded(_ at: Int) {
            if !inWord {
                inWord = true
                start = folded.count
                hash = TokenizedText.fnvOffset
                sourceStart = at
                letters = 0
                upperLetters = 0
                dotted = false
            }
        }

        // Folding rarely makes text longer: one allocation per text, not per word (none when the
        // caller reserved room for all its texts).
        if folded.capacity < folded.count + n { folded.reserveCapacity(folded.count + n) }
        if tokens.capacity < tokens.count + n / 6 + 1 { tokens.reserveCapacity(tokens.count + n / 6 + 1) }
        while i < n {
            let b = s[i]
            if b < 0x80 {
                // ASCII fast path: a run of letters and digits at once, lower-cased and hashed in
                // one pass, appended in one copy (most of every English text).
                if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) {
                    beginWordIfNeeded(i)
                    var j = i
                    var h = hash
                    var runLetters = 0
                    var runUpper = 0
                    while j < n {
                        var c = s[j]
                        if c >= 0x41 && c <= 0x5A {
                            c |= 0x20
                            runUpper &+= 1
                        } else if !(c >= 0x61 && c <= 0x7A) && !(c >= 0x30 && c <= 0x39) {
                            break
                        }
                        if c >= 0x61 { runLetters &+= 1 }
                        h = (h ^ UInt64(c)) &* TokenizedText.fnvPrime
                        j &+= 1
                    }
                    folded.appendLowercasingASCII(UnsafeBufferPointer(rebasing: s[i..<j]), hasCapitals: runUpper > 0)
                    hash = h
                    letters += runLetters
                    upperLetters += runUpper
                    i = j
                    continue
                } else if b == 0x27 || b == 0x60 {  // ' `
                    if inWord, i + 1 < n, s[i + 1] | 0x20 == 0x73, i + 2 >= n || !isWordByte(s[i + 2]) {
                        endWord(at: i)  // possessive 's
                        i += 2
                        continue
                    }
                } else if b == 0x2E && inWord && (letters == 1 || dotted) && folded.count - start == letters
                    && i + 1 < n && isASCIILetter(s[i + 1]) && (i + 2 >= n || !isWordByte(s[i + 2]) || s[i + 2] == 0x2E)
                {
                    dotted = true  // U.S.: keep the word going
                } else {
                    endWord(at: i)
                }
                i += 1
                continue
            }
            // Decode one scalar.
            let (scalar, width) = TokenizedText.decode(s, at: i)
            scratch.removeAll(keepingCapacity: true)
            let cls = table.fold(scalar, into: &scratch)
            switch cls {
            case .word:
                beginWordIfNeeded(i)
                appendScalars(scratch, hash: &hash)
                letters += 1
            case .ideograph:
                endWord(at: i)
                beginWordIfNeeded(i)
                appendScalars(scratch, hash: &hash)
                endWord(at: i + width)
            case .apostrophe:
                if inWord, i + width < n, s[i + width] | 0x20 == 0x73,
                    i + width + 1 >= n || !isWordByte(s[i + width + 1])
                {
                    endWord(at: i)
                    i += width + 1
                    continue
                }
            case .removed:
                break
            case .separator, .dot:
                endWord(at: i)
            }
            i += width
        }
        endWord(at: n)
    }

    @inline(__always)
    private mutating func appendScalars(_ scalars: [Unicode.Scalar], hash: inout UInt64) {
        for sc in scalars {
            let before = folded.count
            folded.append(contentsOf: sc.utf8)
            for k in before..<folded.count {
                hash = (hash ^ UInt64(folded[k])) &* TokenizedText.fnvPrime
            }
        }
    }

    /// Decodes the UTF-8 scalar at `i` (the input is a Swift string, hence valid UTF-8).
    @inline(__always)
    static func decode(_ s: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(s[i])
        var v: UInt32
        var width: Int
        if b0 < 0xE0 {
            v = (b0 & 0x1F) << 6 | (UInt32(s[i + 1]) & 0x3F)
            width = 2
        } else if b0 < 0xF0 {
            v = (b0 & 0x0F) << 12 | (UInt32(s[i + 1]) & 0x3F) << 6 | (UInt32(s[i + 2]) & 0x3F)
            width = 3
        } else {
            v = (b0 & 0x07) << 18 | (UInt32(s[i + 1]) & 0x3F) << 12 | (UInt32(s[i + 2]) & 0x3F) << 6
            v |= UInt32(s[i + 3]) & 0x3F
            width = 4
        }
        return (Unicode.Scalar(v) ?? "\u{FFFD}", width)
    }
}
