import FeedwatchModel

/// One word as `WordScanner` hands it over. `folded` is valid only during the call.
struct ScannedWord {
    /// The word folded by `FoldTable`: what terms are compared with.
    let folded: UnsafeBufferPointer<UInt8>
    /// Its first eight bytes (`WordHash.head`), read at once.
    let head: UInt64
    /// Byte range of the word in the scanned text, for snippets.
    let sourceStart: Int
    let sourceEnd: Int
    /// Written in capitals or as a dotted abbreviation ("US", "U.S."): abbreviation terms ask for
    /// it, so that "U.S." finds the country and not the pronoun.
    let isAbbreviation: Bool
}

/// What receives the words of a text: the matcher (which looks each one up as it comes, keeping
/// nothing) and `TokenizedText` (which keeps them, for compiling terms). One scanner for both, so
/// a term and a story are folded and split by the same code.
protocol WordSink: ~Copyable {
    /// A word, offered by its shape first: its folded length and `WordHash.head`. `make` gives
    /// the whole word (its bytes valid only during the call) when the sink wants more than the
    /// shape: the matcher dismisses most words of a story by their shape, before the rest of
    /// the word is worked out.
    mutating func word(length: Int, head: UInt64, _ make: () -> ScannedWord)
}

/// The hash of a folded word, the key into the term tables: eight bytes at a time (a word of up
/// to eight bytes, most words, is one multiply), seeded with the length.
enum WordHash {
    private static let k1: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let k2: UInt64 = 0xBF58_476D_1CE4_E5B9

    /// The word's first eight bytes as an integer, zero-padded (little-endian order).
    @inline(__always)
    static func head(_ w: UnsafeBufferPointer<UInt8>) -> UInt64 { chunk(w, at: 0) }

    @inline(__always)
    private static func chunk(_ w: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt64 {
        guard let base = w.baseAddress else { return 0 }
        let n = min(8, w.count - i)
        if n == 8 { return ByteFlags.load(base + i) }
        var v: UInt64 = 0
        for k in 0..<max(0, n) { v |= UInt64(base[i + k]) << UInt64(8 * k) }
        return v
    }

    static func of(_ w: UnsafeBufferPointer<UInt8>) -> UInt64 { of(w, head: head(w)) }

    /// The hash of `w`, whose `head` is known.
    @inline(__always)
    static func of(_ w: UnsafeBufferPointer<UInt8>, head: UInt64) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: w.count) &* k1
        h = (h ^ head) &* k2
        h ^= h >> 31
        var i = 8
        while i < w.count {
            h = (h ^ chunk(w, at: i)) &* k2
            h ^= h >> 31
            i += 8
        }
        return h &* k1
    }
}

/// Splits UTF-8 text into folded words, in one pass and without allocating per word.
///
/// Word boundaries: a word is a run of letters, digits and spacing marks. Apostrophes inside a
/// word vanish ("Shi'ite" = "Shiite"), and "'s" ending a word is the possessive ("Iraq's" =
/// "Iraq"). A full stop between single letters joins them ("U.S." = "us"). CJK ideographs and kana
/// are words of one character each, since those scripts put no spaces between words.
///
/// The current word is folded into one buffer owned by the scanner and reused for every word:
/// the matcher scans every byte of every story, and this loop is most of its cost. It does not
/// hash, and offers each word by its shape first: most words of a story are dismissed by
/// `TermFilter` before any hashing. Plain ASCII words, most of English text, take a path of
/// their own (`plainWord`); everything else (apostrophes, dotted abbreviations, characters
/// beyond ASCII, the last bytes of a text) the general one.
struct WordScanner: ~Copyable {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    /// Bytes past `capacity` that are always allocated (and initialized): a word's first eight
    /// bytes are read in one load whatever its length, and the eight-byte copy of the last run
    /// of a word may overrun its end.
    private static let slack = 8

    init(capacity: Int = 256) {
        self.capacity = capacity
        self.buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + Self.slack)
        buffer.initialize(repeating: 0, count: capacity + Self.slack)
    }

    deinit { buffer.deallocate() }

    /// Whether a long word grew the buffer past what is worth keeping for the next text.
    var isGrown: Bool { capacity > 4096 }

    /// Room for `needed` bytes in the word buffer, keeping the first `used`.
    private mutating func reserve(_ needed: Int, keeping used: Int) {
        guard needed > capacity else { return }
        let grown = max(needed, capacity * 2)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown + Self.slack)
        fresh.initialize(repeating: 0, count: grown + Self.slack)
        fresh.update(from: buffer, count: used)
        buffer.deallocate()
        buffer = fresh
        capacity = grown
    }

    /// Scans `s` and hands each word to `sink`; source offsets are `s`'s plus `base`.
    ///
    /// Two loops: the outer one skips what lies between words, the inner one reads one word to
    /// its end, so that the state of a word lives in registers while it is read.
    mutating func scan<S: WordSink & ~Copyable>(_ s: UnsafeBufferPointer<UInt8>, base: Int = 0, into sink: inout S) {
        let table = FoldTable.shared
        var scratch: [Unicode.Scalar] = []
        let n = s.count
        guard let start = s.baseAddress else { return }
        var i = 0

        @inline(__always) func isAlphanumeric(_ c: UInt8) -> Bool {
            c &- 0x61 < 26 || c &- 0x41 < 26 || c &- 0x30 < 10
        }
        @inline(__always) func isWordByte(_ c: UInt8) -> Bool { isAlphanumeric(c) || c >= 0x80 }
        /// "'s" or "’s" at `k` (after an apostrophe) ending the word: the possessive.
        @inline(__always) func possessive(at k: Int) -> Bool {
            k < n && s[k] | 0x20 == 0x73 && (k + 1 >= n || !isWordByte(s[k + 1]))
        }

        while i < n {
            let b = s[i]
            var width = 1
            // The folded bytes of a word's first character beyond ASCII, already in the buffer.
            var firstBytes = 0
            if b < 0x80 {
                guard isAlphanumeric(b) else {
                    i &+= 1  // between words: punctuation, spaces, stray apostrophes and dots
                    continue
                }
                if let next = plainWord(start, count: n, at: i, base: base, into: &sink) {
                    i = next
                    continue
                }
            } else {
                let (scalar, w) = Self.decode(s, at: i)
                width = w
                let (cls, added) = fold(scalar, at: 0, table, &scratch)
                switch cls {
                case .word: firstBytes = added
                case .ideograph:
                    // A word of its own: CJK puts no spaces between words.
                    emit(length: added, from: i, to: i + width, base: base, isAbbreviation: false, into: &sink)
                    i += width
                    continue
                case .apostrophe, .removed, .separator, .dot:
                    i += width
                    continue
                }
            }
            // A word starts at `i`: read it to its end.
            let wordStart = i
            var length = 0
            // Letters so far (0, 1, or 2 for two or more), whether any is a small ASCII letter
            // or beyond ASCII, and whether every folded byte is a letter of its own (no digit,
            // no letter folded to several bytes): what the abbreviation rules ask ("US" in
            // capitals, "U.S." and "É.U." dotted between single letters).
            var letters = 0
            var notCapital = false
            var onlyLetterBytes = true
            var dotted = false
            var end = n
            var next = n
            var j = i
            if b >= 0x80 {
                length = firstBytes
                letters = 1
                notCapital = true
                onlyLetterBytes = length == 1
                j = i + width
            }
            word: while j < n {
                let c = s[j]
                if c < 0x80 {
                    if isAlphanumeric(c) {
                        // A run of ASCII letters and digits, lower-cased and copied; it ends by the
                        // end of the text at the latest: one check for its room.
                        if length + (n - j) > capacity { reserve(length + (n - j), keeping: length) }
                        // Eight bytes at a time while eight remain (most words fit in one step).
                        while j + 8 <= n {
                            let step = ASCIIRun(ByteFlags.load(start + j))
                            UnsafeMutableRawPointer(buffer + length).storeBytes(
                                of: step.lowercased.littleEndian, as: UInt64.self)
                            length &+= step.count
                            letters = min(2, letters &+ step.letters)
                            notCapital = notCapital || step.hasSmall
                            onlyLetterBytes = onlyLetterBytes && !step.hasDigit
                            j &+= step.count
                            if step.count < 8 { continue word }
                        }
                        let out = buffer + length
                        let first = j
                        while j < n {
                            var d = s[j]
                            if d &- 0x41 < 26 {
                                d |= 0x20
                                letters = min(2, letters &+ 1)
                            } else if d &- 0x61 < 26 {
                                letters = min(2, letters &+ 1)
                                notCapital = true
                            } else if d &- 0x30 < 10 {
                                onlyLetterBytes = false
                            } else {
                                break
                            }
                            out[j &- first] = d
                            j &+= 1
                        }
                        length &+= j &- first
                        continue word
                    }
                    if c == 0x27 || c == 0x60 {  // ' `
                        if possessive(at: j + 1) {
                            end = j
                            next = j + 2
                            break word
                        }
                        j &+= 1  // inside a word an apostrophe vanishes: Shi'ite = Shiite
                        continue word
                    }
                    // U.S.: a full stop between single letters, the word goes on.
                    if c == 0x2E && (letters == 1 || dotted) && onlyLetterBytes && j + 1 < n
                        && (s[j + 1] | 0x20) &- 0x61 < 26 && (j + 2 >= n || !isWordByte(s[j + 2]) || s[j + 2] == 0x2E)
                    {
                        dotted = true
                        j &+= 1
                        continue word
                    }
                    end = j
                    next = j + 1
                    break word
                }
                let (scalar, w) = Self.decode(s, at: j)
                let (cls, added) = fold(scalar, at: length, table, &scratch)
                switch cls {
                case .word:
                    length += added
                    letters = min(2, letters + 1)
                    notCapital = true
                    onlyLetterBytes = onlyLetterBytes && added == 1
                    j += w
                case .removed:
                    j += w
                case .apostrophe:
                    if possessive(at: j + w) {
                        end = j
                        next = j + w + 1
                        break word
                    }
                    j += w
                case .ideograph, .separator, .dot:
                    // An ideograph is read again by the outer loop, as a word of its own.
                    end = j
                    next = j
                    break word
                }
            }
            emit(
                length: length, from: wordStart, to: end, base: base,
                isAbbreviation: dotted || (letters >= 2 && !notCapital), into: &sink)
            i = next
        }
    }

    /// The common case read on its own: an ASCII word ended by a plain separator (not an
    /// apostrophe, not a full stop after a single character, nothing beyond ASCII), eight bytes
    /// at a time, without the general path's bookkeeping: a word the sink dismisses costs its
    /// bytes' classification and the offer. Returns where the scan goes on, or nil when the word
    /// is not such a word (or comes too near the end of the text, or outgrows the buffer) and the
    /// general path must read it.
    @inline(__always)
    private func plainWord<S: WordSink & ~Copyable>(
        _ start: UnsafePointer<UInt8>, count n: Int, at i: Int, base: Int, into sink: inout S
    ) -> Int? {
        var j = i
        var length = 0
        while true {
            guard j &+ 8 <= n, length <= capacity else { return nil }
            let x = ByteFlags.load(start + j)
            UnsafeMutableRawPointer(buffer + length).storeBytes(
                of: ASCIIRun.lowercased(x).littleEndian, as: UInt64.self)
            let count = ASCIIRun.count(x)
            length &+= count
            j &+= count
            if count < 8 { break }
        }
        // The last step ended inside the text: the separator at `j` is there.
        let c = start[j]
        guard c < 0x80, c != 0x27, c != 0x60, c != 0x2E || length > 1 else { return nil }
        let head = ByteFlags.load(buffer) & ByteFlags.lowBytes(length)
        sink.word(length: length, head: head) {
            ScannedWord(
                folded: UnsafeBufferPointer(start: buffer, count: length), head: head, sourceStart: base &+ i,
                sourceEnd: base &+ j, isAbbreviation: Self.inCapitals(start + i, count: length))
        }
        return j &+ 1
    }

    /// Whether the ASCII letters and digits at `p` hold two letters or more and no small one
    /// ("US", "NATO", "G20"): the abbreviation rule of a word without dots.
    @inline(__always)
    private static func inCapitals(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        var letters = 0
        var k = 0
        while k < count {
            let x = ByteFlags.load(p + k)
            let isLetter = ASCIIRun.letters(x) & ByteFlags.lowBytes(count &- k)
            if ASCIIRun.small(x, isLetter) != 0 { return false }
            letters &+= isLetter.nonzeroBitCount
            k &+= 8
        }
        return letters >= 2
    }

    @inline(__always)
    private func emit<S: WordSink & ~Copyable>(
        length: Int, from start: Int, to end: Int, base: Int, isAbbreviation: Bool, into sink: inout S
    ) {
        guard length > 0 else { return }
        let head = ByteFlags.load(buffer) & ByteFlags.lowBytes(length)
        sink.word(length: length, head: head) {
            ScannedWord(
                folded: UnsafeBufferPointer(start: buffer, count: length), head: head, sourceStart: base + start,
                sourceEnd: base + end, isAbbreviation: isAbbreviation)
        }
    }

    /// Folds a character beyond ASCII: its class, and for a word character or an ideograph its
    /// folded bytes written into the buffer at `length` (how many: the caller counts them in
    /// or not). Most fold to one character, written straight from the table.
    @inline(__always)
    private mutating func fold(
        _ scalar: Unicode.Scalar, at length: Int, _ table: FoldTable, _ scratch: inout [Unicode.Scalar]
    ) -> (CharClass, Int) {
        var end = length
        if let (cls, single) = table.single(scalar.value) {
            if cls == .word || cls == .ideograph { write(single, at: &end) }
            return (cls, end - length)
        }
        scratch.removeAll(keepingCapacity: true)
        let cls = table.fold(scalar, into: &scratch)
        if cls == .word || cls == .ideograph {
            for sc in scratch { write(sc, at: &end) }
        }
        return (cls, end - length)
    }

    /// Writes `scalar`'s UTF-8 into the buffer at `length`, and moves `length` past it.
    @inline(__always)
    private mutating func write(_ scalar: Unicode.Scalar, at length: inout Int) {
        reserve(length + 4, keeping: length)
        let out = buffer
        var n = length
        UTF8.encode(scalar) { b in
            out[n] = b
            n += 1
        }
        length = n
    }

    /// Decodes the UTF-8 scalar at `i` (the input is a Swift string's, hence valid UTF-8).
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

/// Eight bytes of text read at once (SWAR, `ByteFlags`): how many of them, from the first, are
/// ASCII letters and digits, those bytes lower-cased, how many of them are letters (0, 1, or 2 for
/// more), and whether any is a small letter or a digit. Its classifications serve both of the
/// scanner's paths.
struct ASCIIRun {
    let count: Int
    let lowercased: UInt64
    let letters: Int
    let hasSmall: Bool
    let hasDigit: Bool

    private static let bit5: UInt64 = 0x2020_2020_2020_2020

    /// The ASCII letters among the eight bytes (bit 5 set maps capitals onto small letters, and
    /// nothing else into their range; bytes beyond ASCII are in no range).
    @inline(__always)
    static func letters(_ x: UInt64) -> UInt64 { ByteFlags.inRange(x | bit5, 0x61, 0x7A) }

    @inline(__always)
    static func digits(_ x: UInt64) -> UInt64 { ByteFlags.inRange(x, 0x30, 0x39) }

    /// Of `letters`, the small ones: a small letter has bit 5 set, which, shifted by two, lands
    /// on the flag bit.
    @inline(__always)
    static func small(_ x: UInt64, _ letters: UInt64) -> UInt64 { letters & (x << 2) }

    /// How many of the eight bytes, from the first, are ASCII letters and digits.
    @inline(__always)
    static func count(_ x: UInt64) -> Int { ByteFlags.first(~(letters(x) | digits(x)) & ByteFlags.highBits) }

    /// The eight bytes with bit 5 set: the letters and digits among the first `count` lower-cased
    /// (a digit has it already); the bytes after them are not a word's.
    @inline(__always)
    static func lowercased(_ x: UInt64) -> UInt64 { x | bit5 }

    /// `word`: eight bytes as `ByteFlags.load` reads them.
    @inline(__always)
    init(_ word: UInt64) {
        let count = Self.count(word)
        let kept = ByteFlags.lowBytes(count)
        let letters = Self.letters(word) & kept
        self.count = count
        self.lowercased = Self.lowercased(word)
        self.letters = letters == 0 ? 0 : letters & (letters &- 1) == 0 ? 1 : 2
        self.hasSmall = Self.small(word, letters) != 0
        self.hasDigit = Self.digits(word) & kept != 0
    }
}
