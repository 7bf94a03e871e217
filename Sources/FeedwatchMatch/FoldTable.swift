import Foundation

/// How a character takes part in words after folding.
enum CharClass: UInt8 {
    /// Part of a word (letters, digits, spacing marks).
    case word = 0
    /// Ends a word (spaces, punctuation, dashes, symbols).
    case separator = 1
    /// An apostrophe or a look-alike: removed inside a word ("Shi’ite" = "Shiite"), and with a
    /// following "s" at the end of a word read as the English possessive ("Iraq's" = "Iraq").
    case apostrophe = 2
    /// Dropped without ending the word: combining accents, the Arabic tatweel, soft hyphens.
    case removed = 3
    /// A CJK ideograph or kana: a word of its own (those scripts do not separate words by spaces).
    case ideograph = 4
    /// A full stop: ends a word, except between the letters of a dotted abbreviation ("U.S.").
    case dot = 5
}

extension CharClass {
    /// The class in bits 24-26 of a `FoldTable` entry (the table writes only valid ones).
    @inline(__always)
    fileprivate static func of(entry e: UInt32) -> CharClass {
        switch e >> 24 & 7 {
        case 0: .word
        case 2: .apostrophe
        case 3: .removed
        case 4: .ideograph
        case 5: .dot
        default: .separator
        }
    }
}

/// The folding applied identically to stories and to watch terms, so that spelling variants meet:
/// compatibility decomposition (NFKD: ligatures, full-width forms, superscripts), removal of
/// combining marks (diacritics, Arabic short vowels), lower-casing with full case folding (ß = ss),
/// one apostrophe for ’ ʼ ‘ ` ´, and the Arabic-script letter variants that search engines merge
/// (alef forms, alef maksura and Farsi yeh, keheh, ta marbuta).
///
/// CJK ideographs and kana stand alone, each a word of its own, after the same folding (half-width
/// katakana meet full-width ones; the voicing marks go as accents do).
///
/// The Basic Multilingual Plane's table is computed from Foundation's Unicode data when the
/// sources are generated (`FoldTableData.swift`, by `scripts/gen-fold-table.sh`) and only read
/// at start: computing it took 40 ms of every command's start, longer than `feedwatch check`
/// spends on a whole configuration. A test computes it again and fails when the toolchain's
/// Unicode data no longer gives the table shipped. Beyond the BMP (mathematical letters such as
/// 𝐁𝐚𝐠𝐡𝐝𝐚𝐝, enclosed letters, rare ideographs) each character is folded when met.
struct FoldTable: Sendable {
    /// Per scalar below `limit`: bits 0-20 the folded scalar (or an index into `multi`),
    /// bit 21 "index into multi", bits 24-26 the class.
    let entries: [UInt32]
    let multi: [[Unicode.Scalar]]
    static let limit: UInt32 = 0x1_0000

    static let shared = FoldTable(runs: FoldTable.generatedRuns)

    /// The table computed from the Unicode data of the toolchain's Foundation: what
    /// `FoldTableData.swift` is generated from, and what the test checks it against.
    static func computed() -> FoldTable {
        var entries = [UInt32](repeating: 0, count: Int(FoldTable.limit))
        var multi: [[Unicode.Scalar]] = []
        for v in 0..<FoldTable.limit {
            guard let scalar = Unicode.Scalar(v) else {
                entries[Int(v)] = UInt32(CharClass.separator.rawValue) << 24
                continue
            }
            if let cls = FoldTable.foldsToItself(v) {
                entries[Int(v)] = UInt32(cls.rawValue) << 24 | (cls == .separator ? 0 : v)
                continue
            }
            let (folded, cls) = FoldTable.compute(scalar)
            var entry = UInt32(cls.rawValue) << 24
            if folded.count == 1 {
                entry |= folded[0].value
            } else if folded.count > 1 {
                entry |= UInt32(multi.count) | (1 << 21)
                multi.append(folded)
            } else if cls == .word || cls == .ideograph {
                // A letter that folds to nothing is dropped; separators keep their class.
                entry = UInt32(CharClass.removed.rawValue) << 24
            }
            entries[Int(v)] = entry
        }
        return FoldTable(entries: entries, multi: multi)
    }

    /// The class of scalar value `v` and its folded form when the table holds it as one scalar
    /// (NUL for a class that keeps nothing); nil when `fold(_:into:)` must tell (a fold to
    /// several scalars, or beyond the table).
    @inline(__always)
    func single(_ v: UInt32) -> (CharClass, Unicode.Scalar)? {
        guard v < FoldTable.limit else { return nil }
        let e = entries[Int(v)]
        guard e & (1 << 21) == 0 else { return nil }
        // The table holds only scalars it was built from: the fallback is never taken.
        return (CharClass.of(entry: e), Unicode.Scalar(e & 0x1F_FFFF) ?? "\u{FFFD}")
    }

    /// The folded form of `scalar` and its class; appends the folded scalars to `out`.
    @inline(__always)
    func fold(_ scalar: Unicode.Scalar, into out: inout [Unicode.Scalar]) -> CharClass {
        let v = scalar.value
        if let (cls, folded) = single(v) {
            if cls == .word || cls == .ideograph { out.append(folded) }
            return cls
        }
        if v < FoldTable.limit {  // a fold to several scalars (only word characters have one)
            let e = entries[Int(v)]
            out.append(contentsOf: multi[Int(e & 0x1F_FFFF)])
            return CharClass.of(entry: e)
        }
        return FoldTable.foldHigh(scalar, into: &out)
    }

    /// The blocks of the BMP whose every character keeps itself and has one class: filled without
    /// the Unicode data (NFKD would leave them as they are, apart from the CJK compatibility
    /// ideographs, which `compute` maps to their unified forms). nil: `compute` tells.
    private static func foldsToItself(_ v: UInt32) -> CharClass? {
        switch v {
        case 0x3000...0x303F: .separator  // CJK punctuation
        case 0x3400...0x4DBF, 0x4E00...0x9FFF: .ideograph
        case 0xAC00...0xD7A3: .word  // Hangul syllables: kept whole, not split into jamo
        case 0xE000...0xF8FF: .separator  // private use
        default: nil
        }
    }

    /// CJK ideographs and kana: each one a word of its own.
    private static func isIdeograph(_ v: UInt32) -> Bool {
        switch v {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3FFFF: true
        default: false
        }
    }

    /// Characters beyond the BMP, folded when met (they are rare: mathematical alphanumerics,
    /// enclosed letters, historic scripts, ideographs of the supplementary planes).
    private static func foldHigh(_ scalar: Unicode.Scalar, into out: inout [Unicode.Scalar]) -> CharClass {
        switch scalar.value {
        case 0x20000...0x3FFFF:
            out.append(scalar)
            return .ideograph
        case 0xE0100...0xE01EF: return .removed  // variation selectors
        default:
            let (folded, cls) = compute(scalar)
            out.append(contentsOf: folded)
            return cls
        }
    }

    private static let apostrophes: Set<UInt32> = [
        0x27, 0x60, 0xB4, 0x2018, 0x2019, 0x201B, 0x02BC, 0x02BB, 0x2032, 0xFF07,
    ]
    private static let removedChars: Set<UInt32> = [0xAD, 0x0640, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
    /// Arabic-script letters merged with their common variants.
    private static let arabic: [UInt32: UInt32] = [
        0x0671: 0x0627, 0x0649: 0x064A, 0x06CC: 0x064A, 0x06A9: 0x0643, 0x0629: 0x0647, 0x06D5: 0x0647,
        0x06C0: 0x0647, 0x06C1: 0x0647,
    ]

    private static func compute(_ scalar: Unicode.Scalar) -> ([Unicode.Scalar], CharClass) {
        let v = scalar.value
        if apostrophes.contains(v) { return ([], .apostrophe) }
        if removedChars.contains(v) { return ([], .removed) }
        if v == 0x2E { return ([], .dot) }
        if v < 0x80 {
            let b = UInt8(v)
            if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) { return ([scalar], .word) }
            if b >= 0x41 && b <= 0x5A { return ([Unicode.Scalar(b | 0x20)], .word) }
            return ([], .separator)
        }
        let category = scalar.properties.generalCategory
        if category == .nonspacingMark || category == .enclosingMark { return ([], .removed) }
        if let mapped = arabic[v], let s = Unicode.Scalar(mapped) { return ([s], .word) }
        // Compatibility decomposition, then drop the marks it exposed, then fold case.
        let decomposed = String(scalar).decomposedStringWithCompatibilityMapping
        var base = ""
        for s in decomposed.unicodeScalars {
            let c = s.properties.generalCategory
            if c == .nonspacingMark || c == .enclosingMark { continue }
            if let mapped = arabic[s.value], let m = Unicode.Scalar(mapped) {
                base.unicodeScalars.append(m)
            } else {
                base.unicodeScalars.append(s)
            }
        }
        var folded = Array(base.lowercased().unicodeScalars)
        // Full case folding beyond lower-casing.
        folded = folded.flatMap { s -> [Unicode.Scalar] in
            switch s.value {
            case 0xDF: return ["s", "s"]  // ß
            case 0x17F: return ["s"]  // long s
            case 0x3C2: return ["\u{3C3}"]  // final sigma
            default: return [s]
            }
        }
        guard let first = folded.first else { return ([], .removed) }
        if folded.count == 1 && apostrophes.contains(first.value) { return ([], .apostrophe) }
        if folded.count == 1 && first.value == 0x2E { return ([], .dot) }
        let p = first.properties
        let isWord = p.isAlphabetic || p.numericType != nil || p.generalCategory == .spacingMark
        if isWord && folded.count == 1 && isIdeograph(first.value) { return (folded, .ideograph) }
        return isWord ? (folded, .word) : ([], .separator)
    }
}
