extension JSONWriter {
    /// Writes an entry as the object `feedwatch parse` prints and events embed:
    /// `id, link, title, summary, content, published, updated, authors, categories, enclosures, media`.
    public mutating func write(entry e: Entry) {
        beginObject()
        write(fieldsOf: e)
        endObject()
    }

    /// The entry's members without the braces, for objects that add their own.
    public mutating func write(fieldsOf e: Entry) {
        key("id")
        value(e.id)
        key("link")
        value(e.link)
        key("title")
        value(e.title)
        key("summary")
        value(e.summary)
        key("content")
        value(e.content)
        key("published")
        value(e.published)
        key("updated")
        value(e.updated)
        key("authors")
        value(strings: e.authors)
        key("categories")
        value(strings: e.categories)
        key("enclosures")
        write(enclosures: e.enclosures)
        key("media")
        write(enclosures: e.media)
    }

    public mutating func write(enclosures: [Enclosure]) {
        beginArray()
        for enc in enclosures {
            beginObject()
            key("url")
            value(enc.url)
            key("type")
            value(enc.type)
            key("length")
            value(enc.length)
            endObject()
        }
        endArray()
    }
}
