public import FeedwatchModel

extension StoryText {
    /// The text of a feed entry, as every watch reads it (the daemon, `feedwatch match`).
    public init(entry e: Entry, feedTitle: String, feedURL: String) {
        self.init(
            title: e.title, summary: e.summary, content: e.content, categories: e.categories, authors: e.authors,
            link: e.link ?? "", feed: "\(feedTitle) \(feedURL)")
    }
}

extension JSONWriter {
    /// `[{"name":…,"terms":[{"term":…,"field":…}],"snippet":…}]`: why each watch matched, as
    /// events and `feedwatch match` print it.
    public mutating func write(matches: [WatchMatch]) {
        beginArray()
        for m in matches {
            beginObject()
            key("name")
            value(m.watch)
            key("terms")
            beginArray()
            for t in m.terms {
                beginObject()
                key("term")
                value(t.term)
                key("field")
                value(t.field)
                endObject()
            }
            endArray()
            key("snippet")
            value(m.snippet)
            endObject()
        }
        endArray()
    }
}
