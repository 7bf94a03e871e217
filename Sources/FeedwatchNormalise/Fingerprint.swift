import FeedwatchModel

/// A near-duplicate fingerprint of a story's body: a MinHash signature of its three-word
/// shingles (Broder 1997), whose agreement estimates the Jaccard similarity of two bodies, and
/// its LSH bands, through which a store finds the few stories worth comparing.
///
/// It tells the same wire story re-published by another outlet, with its own link, id and a
/// changed word or credit line, from a different story: which the exact hashes cannot.
///
/// Why MinHash and not SimHash: measured on the bodies of ../shared/corpus/dev and on an edited
/// wire copy, a 64-bit SimHash of a 100-word text moves 5-8 bits for three to five small edits,
/// as far as two different entries of one live blog (7 bits); Jaccard keeps them apart (0.81
/// against 0.04 for a different story on the same subject, `FingerprintTests`). What Jaccard cannot tell apart is one publisher's own
/// texts sharing a body (a live blog's entries: 0.84; job ads: 0.69), so the store compares
/// fingerprints only between stories of different publishers (`publisher`). Between different
/// publishers in that corpus, every pair of bodies at a Jaccard similarity of 0.4 or more is one
/// story told twice (a syndication proxy's copies at 1.0; two outlets' versions of one report at
/// 0.42-0.66; separately written reports of one event at 0.2-0.4, announced each), and no pair of
/// different stories reaches 0.3.
public struct Fingerprint: Sendable, Equatable {
    /// Minimum values, one per hash function.
    public var minimums: [UInt32]

    /// How many hash functions: the estimate's standard error at J = 0.85 is 0.05.
    public static let size = 48
    /// Values per LSH band: stories at J = 0.8 share a band with probability 0.998, unrelated
    /// ones (J ≈ 0.02) with probability 2e-6.
    public static let bandWidth = 4
    /// Two bodies of different publishers are one story from this estimated similarity up:
    /// twice the highest similarity measured between different stories (above).
    public static let nearSimilarity = 0.6
    /// Bodies with fewer words get none: short teasers share too much by chance. The exact
    /// title-and-body hash still catches their copies.
    public static let minimumWords = 25
    /// Words read at most: the opening of a long article tells copies apart as well as all of it,
    /// and bounds the cost.
    public static let maximumWords = 2000

    public init(minimums: [UInt32]) { self.minimums = minimums }

    /// The fingerprint of a story's body (its content, else its summary); nil when the body is
    /// too short to be told apart from another by it.
    public static func of(_ story: Story) -> Fingerprint? {
        let entry = story.entry
        return of(text: entry.content.isEmpty ? entry.summary : entry.content)
    }

    /// The fingerprint of a text's words: maximal runs of letters and digits in any script,
    /// lower-cased (as the content hash's normalisation does); nil below `minimumWords` words.
    /// ASCII is classified by byte, other characters by their Unicode properties.
    public static func of(text: String) -> Fingerprint? {
        var words: [UInt64] = []
        var word = FNV1a()
        var inWord = false
        func endWord() {
            if inWord { words.append(word.value) }
            word = FNV1a()
            inWord = false
        }
        for scalar in text.unicodeScalars {
            if words.count == maximumWords { break }
            let v = scalar.value
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    word.add(v)
                    inWord = true
                } else if v >= 0x41 && v <= 0x5A {
                    word.add(v | 0x20)
                    inWord = true
                } else {
                    endWord()
                }
                continue
            }
            let p = scalar.properties
            guard p.isAlphabetic || p.numericType != nil else {
                endWord()
                continue
            }
            if p.changesWhenLowercased {
                for l in p.lowercaseMapping.unicodeScalars { word.add(l.value) }
            } else {
                word.add(v)
            }
            inWord = true
        }
        if words.count < maximumWords { endWord() }
        guard words.count >= minimumWords else { return nil }
        var minimums = [UInt32](repeating: .max, count: size)
        for i in 0..<(words.count - 2) {
            let shingle = mix(words[i] &* 0x9E37_79B9_7F4A_7C15 ^ words[i + 1] &* 0xC2B2_AE3D_27D4_EB4F ^ words[i + 2])
            for k in 0..<size {
                let v = UInt32(truncatingIfNeeded: mix(shingle ^ seeds[k]) >> 32)
                if v < minimums[k] { minimums[k] = v }
            }
        }
        return Fingerprint(minimums: minimums)
    }

    /// The estimated Jaccard similarity of the two bodies' shingles.
    public func similarity(_ other: Fingerprint) -> Double {
        guard minimums.count == other.minimums.count, !minimums.isEmpty else { return 0 }
        return Double(zip(minimums, other.minimums).count { $0 == $1 }) / Double(minimums.count)
    }

    /// The LSH bands: each run of `bandWidth` values hashed, tagged with its position. Two
    /// near-duplicates share one band at least, almost surely; a store looks them up.
    public var bands: [Int64] {
        stride(from: 0, to: minimums.count - Self.bandWidth + 1, by: Self.bandWidth).map { start in
            var h = UInt64(start)
            for v in minimums[start..<start + Self.bandWidth] { h = Self.mix(h ^ UInt64(v)) }
            return Int64(start / Self.bandWidth) << 56 | Int64(h & 0x00FF_FFFF_FFFF_FFFF)
        }
    }

    /// The signature as stored: the values in order, 4 bytes each, little-endian.
    public var bytes: [UInt8] {
        minimums.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.size * 4 else { return nil }
        minimums = stride(from: 0, to: bytes.count, by: 4).map { i in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * $1) }
        }
    }

    /// Who published a story, as near-duplicate detection needs it: the host of its canonical
    /// link (else of its feed's), which has no "www." or "m." prefix. A publisher does not copy
    /// itself: its texts that look alike are different stories.
    public static func publisher(of story: Story, feedURL: String) -> String {
        guard let canonical = story.canonicalLink ?? CanonicalLink.canonical(feedURL) else { return "" }
        // Canonical links are "https://host[:port]/path…".
        return String(canonical.dropFirst("https://".count).prefix { $0 != "/" })
    }

    /// One seed per hash function, fixed: fingerprints kept in the store must stay comparable.
    static let seeds: [UInt64] = {
        var state: UInt64 = 0x6665_6564_7761_7463  // "feedwatc"
        return (0..<size).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            return mix(state)
        }
    }()

    /// The SplitMix64 finaliser: spreads a value over all 64 bits.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 64-bit FNV-1a over a word's scalar values: stable across runs and machines (Swift's
    /// `Hasher` is seeded per process), which fingerprints kept in the store need.
    struct FNV1a {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        mutating func add(_ scalar: UInt32) {
            var v = scalar
            repeat {
                value = (value ^ UInt64(v & 0xFF)) &* 0x0000_0100_0000_01B3
                v >>= 8
            } while v != 0
        }
    }
}
