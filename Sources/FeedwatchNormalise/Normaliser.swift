internal import CByteScan
public import FeedwatchModel

/// Gives each entry of a document its identity.
///
/// The story key is, in order of preference: the publisher's id; the canonical link; a hash of
/// the normalised title and body. Never a random value and never the time, so the same entry
/// gets the same key in every poll and after every restart.
///
/// Within one document:
/// - entries identical in key and content are one story (a feed listing an item twice);
/// - entries sharing an id but differing in content show that this feed's ids are not unique
///   (a feed reusing one guid for every item): those entries are keyed by link, or by text when
///   their links are not distinct either, so that no story hides behind another's id.
public enum Normaliser {
    public static func stories(from entries: [Entry]) -> [Story] {
        var stories = entries.map(story)
        // Ids shared by entries with different content.
        var contentByKey: [DigestKey: [UInt8]] = [:]
        var ambiguous: Set<[UInt8]> = []
        for s in stories where s.keySource == .id {
            if let c = contentByKey[DigestKey(s.key)], c != s.contentHash { ambiguous.insert(s.key) }
            contentByKey[DigestKey(s.key)] = s.contentHash
        }
        if !ambiguous.isEmpty {
            var linkCount: [[UInt8]: Int] = [:]
            for s in stories where ambiguous.contains(s.key) {
                if let l = s.linkHash { linkCount[l, default: 0] += 1 }
            }
            for i in stories.indices where ambiguous.contains(stories[i].key) {
                if let l = stories[i].linkHash, linkCount[l] == 1 {
                    stories[i] = stories[i].rekeyed(keyHash(.link, stories[i].canonicalLink ?? ""), .link)
                } else {
                    stories[i] = stories[i].rekeyed(keyHash(.text, Digest.hex(stories[i].textHash)), .text)
                }
            }
        }
        // Exact repeats.
        var seen: Set<DigestKey> = []
        seen.reserveCapacity(stories.count)
        // In place: a story is a large value, and filtering into a new array copies each kept one.
        stories.removeAll { !seen.insert(DigestKey($0.key, $0.contentHash)).inserted }
        return stories
    }

    /// One or two digests as a hash-table key, hashed as whole bytes (an array of bytes is hashed
    /// one byte at a time: that was most of the cost of this function).
    private struct DigestKey: Hashable {
        let first: [UInt8]
        let second: [UInt8]

        init(_ first: [UInt8], _ second: [UInt8] = []) {
            self.first = first
            self.second = second
        }

        func hash(into hasher: inout Hasher) {
            first.withUnsafeBytes { hasher.combine(bytes: $0) }
            second.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// The identity of one entry, on its own.
    ///
    /// The digests are those of README "Identity", e.g. SHA-256 of "feedwatch-text-v1\n", the
    /// normalised title, "\n" and the normalised body; each is streamed in its parts, so that the
    /// body (often most of an entry) is not copied into a new string for each of the four digests
    /// that read it.
    public static func story(_ entry: Entry) -> Story {
        let text = NormalisedEntry(entry)
        let sha = Digest.SHA256()
        let textHash = text.textHash(with: sha)
        let contentHash = text.contentHash(with: sha)
        var linkHash: [UInt8]? = nil
        if let canonical = text.canonical {
            sha.start("feedwatch-link-v1\n")
            sha.update(canonical)
            linkHash = sha.finish()
        }
        sha.start("feedwatch-title-v1\n")
        sha.update(text.title)
        let titleHash = sha.finish()
        sha.start("feedwatch-body-v1\n")
        text.body.withUnsafeBytes { bytes in forEachPartWithoutNumbers(bytes) { sha.update($0) } }
        let bodyHash = sha.finish()
        let (key, source) = text.key(of: entry, with: sha) { textHash }
        return Story(
            entry: entry, key: key, keySource: source, contentHash: contentHash, linkHash: linkHash, textHash: textHash,
            titleHash: titleHash, bodyHash: bodyHash, canonicalLink: text.canonical)
    }

    /// An entry's key and content hash alone, as `story` gives them: what `feedwatch parse`
    /// prints. Two digests of the six (three for an entry with neither id nor link).
    public static func identity(_ entry: Entry) -> (key: [UInt8], keySource: Story.KeySource, contentHash: [UInt8]) {
        let text = NormalisedEntry(entry)
        let sha = Digest.SHA256()
        let contentHash = text.contentHash(with: sha)
        let (key, source) = text.key(of: entry, with: sha) { text.textHash(with: sha) }
        return (key, source, contentHash)
    }

    /// What an entry's digests read: its canonical link, normalised title and normalised body.
    private struct NormalisedEntry {
        let canonical: String?
        let title: [UInt8]
        let body: [UInt8]

        init(_ entry: Entry) {
            canonical = entry.link.flatMap(CanonicalLink.canonical)
            title = normalisedBytes(entry.title)
            body = normalisedBytes(entry.content.isEmpty ? entry.summary : entry.content)
        }

        func textHash(with sha: borrowing Digest.SHA256) -> [UInt8] {
            sha.start("feedwatch-text-v1\n")
            sha.update(title)
            sha.update(newline)
            sha.update(body)
            return sha.finish()
        }

        func contentHash(with sha: borrowing Digest.SHA256) -> [UInt8] {
            sha.start("feedwatch-content-v1\n")
            sha.update(title)
            sha.update(newline)
            if let canonical { sha.update(canonical) }
            sha.update(newline)
            sha.update(body)
            return sha.finish()
        }

        /// The key: of the id, else of the canonical link, else of the text digest (asked for
        /// only then).
        func key(of entry: Entry, with sha: borrowing Digest.SHA256, textHash: () -> [UInt8]) -> (
            [UInt8], Story.KeySource
        ) {
            if let id = entry.id?.trimmingASCIIWhitespace(), !id.isEmpty {
                return (keyHash(.id, id, with: sha), .id)
            } else if let canonical {
                return (keyHash(.link, canonical, with: sha), .link)
            } else {
                return (keyHash(.text, Digest.hex(textHash()), with: sha), .text)
            }
        }
    }

    private static let newline: [UInt8] = [0x0A]

    /// The text with every number (a digit run, with the `,` and `.` inside it) replaced by `#`:
    /// "1,204 comments" and "1,312 comments" are the same text.
    static func withoutNumbers(_ s: String) -> String {
        var out: [UInt8] = []
        var s = s
        s.withUTF8 { utf8 in
            forEachPartWithoutNumbers(UnsafeRawBufferPointer(utf8)) { out.append(contentsOf: $0) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hands `text` over in the parts of its form without numbers (`withoutNumbers`): the runs
    /// between numbers as they are, and a "#" for each number.
    static func forEachPartWithoutNumbers(_ text: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let n = text.count
        var i = 0
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        withUnsafeBytes(of: UInt8(0x23)) { hash in
            while i < n {
                var j = i
                while j < n && !isDigit(text[j]) { j += 1 }
                if j > i { body(UnsafeRawBufferPointer(rebasing: text[i..<j])) }
                guard j < n else { break }
                body(hash)
                // The number: digits, and the separators between them.
                while j < n && (isDigit(text[j]) || text[j] == 0x2C || text[j] == 0x2E) { j += 1 }
                i = j
            }
        }
    }

    static func keyHash(_ source: Story.KeySource, _ value: String) -> [UInt8] {
        keyHash(source, value, with: Digest.SHA256())
    }

    /// SHA-256 of "feedwatch-key-v1\n", the source, "\n" and the value, streamed through a context
    /// the caller already has (no string built for it).
    private static func keyHash(_ source: Story.KeySource, _ value: String, with sha: borrowing Digest.SHA256)
        -> [UInt8]
    {
        sha.start("feedwatch-key-v1\n")
        sha.update(source.rawValue)
        sha.update(newline)
        sha.update(value)
        return sha.finish()
    }

    /// Lower case (Unicode's full lower-case mapping, scalar by scalar), runs of white space
    /// (Unicode White_Space) as one space, none at either end: differences that do not make a
    /// different story. Equal to `lowercased()` then splitting on white space and joining with
    /// one space, in one pass over the scalars with an ASCII fast path: it runs on every entry.
    static func normalisedText(_ s: String) -> String {
        String(decoding: normalisedBytes(s), as: UTF8.self)
    }

    /// `normalisedText` as UTF-8 bytes, which is what the digests read.
    static func normalisedBytes(_ s: String) -> [UInt8] {
        var s = s
        return s.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count)
            var pendingSpace = false
            var i = 0
            let n = utf8.count
            while i < n {
                let b = utf8[i]
                if b < 0x80 {
                    if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                        pendingSpace = !out.isEmpty
                        i += 1
                        continue
                    }
                    if pendingSpace { out.append(0x20) }
                    pendingSpace = false
                    // A run of ASCII that is not white space: copied at once, then lower-cased.
                    var j = i
                    var upper = false
                    while j < n {
                        // Sixteen bytes at a time while none ends the run: beyond ASCII, white
                        // space, or a space not followed by a word's byte (one space between two
                        // words stays in the run, so that a text is copied in a few runs, not in
                        // one per word); noting whether any is a capital. The byte after the
                        // sixteen is read too: it is what follows the last one.
                        if j + 17 <= n, let base = utf8.baseAddress {
                            let q = base + j
                            let spaces = fw_range16(q, 0x20, 0x20)
                            let wordAfter = fw_range16(q + 1, 0x21, 0x7F)
                            let ends = fw_high16(q) | fw_range16(q, 0x09, 0x0D) | (spaces & ~wordAfter)
                            let k = ends == 0 ? 16 : ends.trailingZeroBitCount
                            if k > 0 {
                                let before: UInt32 = k == 16 ? 0xFFFF : (1 << UInt32(k)) - 1
                                upper = upper || fw_range16(q, 0x41, 0x5A) & before != 0
                                j += k
                            }
                            if k == 16 { continue }
                            break
                        }
                        let c = utf8[j]
                        if c >= 0x80 || c == 0x20 || (c >= 0x09 && c <= 0x0D) {
                            // One space between two words is kept as it is: it stays in the run,
                            // so that a text is copied in a few runs, not in one per word.
                            guard c == 0x20, j + 1 < n, utf8[j + 1] > 0x20, utf8[j + 1] < 0x80 else { break }
                        }
                        upper = upper || (c >= 0x41 && c <= 0x5A)
                        j += 1
                    }
                    out.appendLowercasingASCII(UnsafeBufferPointer(rebasing: utf8[i..<j]), hasCapitals: upper)
                    i = j
                    continue
                }
                // A String's UTF-8 is valid: the lead byte gives the length.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                var value = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length where i + k < n { value = value << 6 | UInt32(utf8[i + k] & 0x3F) }
                let start = i
                i += length
                guard let scalar = Unicode.Scalar(value) else { continue }
                let flags = ScalarFlags.of(scalar)
                if flags & ScalarFlags.whitespace != 0 {
                    pendingSpace = !out.isEmpty
                    continue
                }
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                if flags & ScalarFlags.changesWhenLowercased != 0 {
                    out.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<min(i, n)]))
                }
            }
            return out
        }
    }
}
