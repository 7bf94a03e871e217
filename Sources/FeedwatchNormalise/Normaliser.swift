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
        var contentByKey: [[UInt8]: [UInt8]] = [:]
        var ambiguous: Set<[UInt8]> = []
        for s in stories where s.keySource == .id {
            if let c = contentByKey[s.key], c != s.contentHash { ambiguous.insert(s.key) }
            contentByKey[s.key] = s.contentHash
        }
        if !ambiguous.isEmpty {
            var linkCount: [[UInt8]: Int] = [:]
            for s in stories where ambiguous.contains(s.key) {
                if let l = s.linkHash { linkCount[l, default: 0] += 1 }
            }
            for i in stories.indices where ambiguous.contains(stories[i].key) {
                if let l = stories[i].linkHash, linkCount[l] == 1 {
                    stories[i].key = keyHash(.link, stories[i].canonicalLink ?? "")
                    stories[i].keySource = .link
                } else {
                    stories[i].key = keyHash(.text, Digest.hex(stories[i].textHash))
                    stories[i].keySource = .text
                }
            }
        }
        // Exact repeats.
        var seen: Set<[UInt8]> = []
        return stories.filter { seen.insert($0.key + $0.contentHash).inserted }
    }

    /// The identity of one entry, on its own.
    public static func story(_ entry: Entry) -> Story {
        let canonical = entry.link.flatMap(CanonicalLink.canonical)
        let title = normalisedText(entry.title)
        let body = normalisedText(entry.content.isEmpty ? entry.summary : entry.content)
        let textHash = Digest.sha256("feedwatch-text-v1\n\(title)\n\(body)")
        let contentHash = Digest.sha256("feedwatch-content-v1\n\(title)\n\(canonical ?? "")\n\(body)")
        let linkHash = canonical.map { Digest.sha256("feedwatch-link-v1\n\($0)") }
        let key: [UInt8]
        let source: Story.KeySource
        if let id = entry.id?.trimmingCharacters(in: [" ", "\n", "\t", "\r"]), !id.isEmpty {
            (key, source) = (keyHash(.id, id), .id)
        } else if let canonical {
            (key, source) = (keyHash(.link, canonical), .link)
        } else {
            (key, source) = (keyHash(.text, Digest.hex(textHash)), .text)
        }
        return Story(
            entry: entry, key: key, keySource: source, contentHash: contentHash, linkHash: linkHash, textHash: textHash,
            canonicalLink: canonical)
    }

    static func keyHash(_ source: Story.KeySource, _ value: String) -> [UInt8] {
        Digest.sha256("feedwatch-key-v1\n\(source.rawValue)\n\(value)")
    }

    /// Lower case, whitespace collapsed: differences that do not make a different story.
    static func normalisedText(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(self.drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
