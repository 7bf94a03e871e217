import FeedwatchModel

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), recognised by its `version` URL.
///
/// JSON arrives whole (a JSON document has no useful prefix), bounded by `maxDocumentBytes`, and
/// is read by `JSONReader` in two passes that build nothing but the entries: the top-level
/// members first (`version`, which may come after `items`; the feed's title, links, authors),
/// then `items`, one entry at a time, at most `maxEntries`. A document broken after some entries
/// keeps them, as RECOVER does for XML; one broken before any is not a feed, so that a cut
/// transfer never reads as a feed whose stories were all deleted.
/// `content_html` goes through the same HTML-to-text conversion as RSS; `content_text` and
/// `summary` are plain text.
enum JSONFeedParser {
    static func parse(
        _ bytes: [UInt8], documentURL: String?, limits: ParseLimits, onFeed: ((FeedInfo) -> Void)?,
        onEntry: ((EntryDraft) -> Void)?
    ) -> ParseOutcome {
        bytes.withUnsafeBufferPointer { buffer in
            parse(buffer, documentURL: documentURL, limits: limits, onFeed: onFeed, onEntry: onEntry)
        }
    }

    private static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, documentURL: String?, limits: ParseLimits, onFeed: ((FeedInfo) -> Void)?,
        onEntry: ((EntryDraft) -> Void)?
    ) -> ParseOutcome {
        func fail(_ p: ParseProblem) -> ParseOutcome {
            ParseOutcome(feed: FeedInfo(), entries: [], entryCount: 0, problem: p, encoding: "UTF-8")
        }
        var reader = JSONReader(bytes, maxDepth: limits.maxDepth, maxStringBytes: limits.maxFieldBytes)
        func described(_ f: JSONReader.Failure) -> String {
            let (line, column) = reader.position(of: f.offset)
            return "invalid JSON at line \(line), column \(column): \(f.message)"
        }

        // Pass 1: the top-level members, the items skipped (where they start is noted).
        var top = TopLevel()
        var broken: JSONReader.Failure? = nil
        do throws(JSONReader.Failure) {
            guard try reader.beginObject() else { return fail(.notAFeed("a JSON document that is not a JSON Feed")) }
            while let key = try reader.nextKey() {
                switch key {
                case "version": top.version = try reader.string()
                case "title": top.title = plain(try reader.string())
                case "home_page_url": top.homePage = try reader.string()
                case "feed_url": top.feedURL = try reader.string()
                case "authors", "author": top.authors += try authors(&reader, single: key == "author")
                case "items":
                    top.items = reader.mark
                    try reader.skipValue()
                default: try reader.skipValue()
                }
            }
        } catch {
            if error.tooDeep { return fail(.refused(described(error))) }
            broken = error
        }
        guard let version = top.version,
            version.hasPrefix("https://jsonfeed.org/version/") || version.hasPrefix("http://jsonfeed.org/version/")
        else {
            if let broken { return fail(.notAFeed(described(broken))) }
            return fail(.notAFeed("a JSON document that is not a JSON Feed"))
        }
        guard let items = top.items else {
            if let broken { return fail(.notAFeed(described(broken))) }
            return fail(.notAFeed("a JSON Feed without items"))
        }
        var feed = FeedInfo(format: .jsonFeed)
        feed.title = top.title
        feed.link = top.homePage.flatMap { URLResolver.resolve($0, against: documentURL) }
        let base = top.feedURL.flatMap { URLResolver.resolve($0, against: documentURL) } ?? documentURL

        // Pass 2: the items, one entry at a time.
        var entries: [Entry] = []
        var count = 0
        var problem: ParseProblem? = nil
        var listCut = false
        broken = nil
        reader.seek(to: items)
        do throws(JSONReader.Failure) {
            guard try reader.beginArray() else { return fail(.notAFeed("a JSON Feed whose items are not a list")) }
            onFeed?(feed)
            while try reader.nextElement() {
                if count >= limits.maxEntries {
                    problem = .entriesCut(limits)
                    break
                }
                guard var e = try item(&reader, base: base, limits: limits, listCut: &listCut) else { continue }
                if e.authors.isEmpty { e.authors = top.authors }
                count += 1
                if let onEntry { onEntry(EntryDraft(e)) } else { entries.append(e) }
            }
        } catch {
            if error.tooDeep { return fail(.refused(described(error))) }
            broken = error
        }
        if let broken {
            // Nothing read: not a feed (a poll that failed), never an empty one.
            guard count > 0 else { return fail(.notAFeed(described(broken))) }
            problem = problem ?? .malformed(described(broken))
        }
        if problem == nil && reader.cutString {
            problem = .fieldCut(limits)
        }
        if problem == nil && listCut {
            problem = .listCut(limits)
        }
        return ParseOutcome(feed: feed, entries: entries, entryCount: count, problem: problem, encoding: "UTF-8")
    }

    /// What pass 1 keeps of the top-level object.
    private struct TopLevel {
        var version: String? = nil
        var title = ""
        var homePage: String? = nil
        var feedURL: String? = nil
        var authors: [String] = []
        /// Where the `items` value starts, and the reader's depth there.
        var items: (offset: Int, depth: Int)? = nil
    }

    /// One element of `items`: an entry, or nil (skipped) when it is not an object.
    private static func item(_ reader: inout JSONReader, base: String?, limits: ParseLimits, listCut: inout Bool)
        throws(JSONReader.Failure) -> Entry?
    {
        guard try reader.beginObject() else { return nil }
        var e = Entry()
        var url: String? = nil
        var externalURL: String? = nil
        var html: String? = nil
        var text: String? = nil
        var image: String? = nil
        var banner: String? = nil
        while let key = try reader.nextKey() {
            switch key {
            case "id":
                // A string, or a number as written (JSON Feed 1.0 allowed numbers).
                if let id = try reader.stringOrNumber(), !id.isEmpty { e.id = id }
            case "url": url = try reader.string()
            case "external_url": externalURL = try reader.string()
            case "title": e.title = plain(try reader.string())
            case "summary": e.summary = plain(try reader.string())
            case "content_html": html = try reader.string()
            case "content_text": text = try reader.string()
            case "date_published": e.published = try reader.string().flatMap(DateParser.parse)
            case "date_modified": e.updated = try reader.string().flatMap(DateParser.parse)
            case "authors", "author":
                for name in try authors(&reader, single: key == "author") {
                    if e.authors.count < limits.maxListItems { e.authors.append(name) } else { listCut = true }
                }
            case "tags":
                guard try reader.beginArray() else { continue }
                while try reader.nextElement() {
                    let tag = plain(try reader.string())
                    guard !tag.isEmpty else { continue }
                    if e.categories.count < limits.maxListItems { e.categories.append(tag) } else { listCut = true }
                }
            case "attachments":
                guard try reader.beginArray() else { continue }
                while try reader.nextElement() {
                    guard let a = try attachment(&reader, base: base) else { continue }
                    if e.enclosures.count < limits.maxListItems { e.enclosures.append(a) } else { listCut = true }
                }
            case "image": image = try reader.string()
            case "banner_image": banner = try reader.string()
            default: try reader.skipValue()
            }
        }
        e.link = url.flatMap { URLResolver.resolve($0, against: base) }
        if e.link == nil { e.link = externalURL.flatMap { URLResolver.resolve($0, against: base) } }
        if let html {
            e.content = HTMLText.text(fromHTML: html, limit: limits.maxFieldBytes)
        } else {
            e.content = plain(text)
        }
        for u in [image, banner] {
            if let u, let url = URLResolver.resolve(u, against: base) {
                e.media.append(Enclosure(url: url, type: "image"))
            }
        }
        return e
    }

    private static func attachment(_ reader: inout JSONReader, base: String?) throws(JSONReader.Failure) -> Enclosure? {
        guard try reader.beginObject() else { return nil }
        var url: String? = nil
        var type = ""
        var length: Int64? = nil
        while let key = try reader.nextKey() {
            switch key {
            case "url": url = try reader.string()
            case "mime_type": type = try reader.string() ?? ""
            case "size_in_bytes": length = try reader.number().flatMap(integer)
            default: try reader.skipValue()
            }
        }
        guard let url, let resolved = URLResolver.resolve(url, against: base) else { return nil }
        return Enclosure(url: resolved, type: type, length: length)
    }

    /// A JSON number as a whole number of bytes (a fraction dropped), nil when it is not one.
    private static func integer(_ text: String) -> Int64? {
        if let n = Int64(text) { return n }
        guard let d = Double(text), d.isFinite, d >= -9.2e18, d <= 9.2e18 else { return nil }
        return Int64(d)
    }

    /// JSON Feed 1.1 `authors` (a list) or 1.0 `author` (one object): their names.
    private static func authors(_ reader: inout JSONReader, single: Bool) throws(JSONReader.Failure) -> [String] {
        var names: [String] = []
        func one(_ reader: inout JSONReader) throws(JSONReader.Failure) {
            guard try reader.beginObject() else { return }
            while let key = try reader.nextKey() {
                if key == "name" {
                    let name = plain(try reader.string())
                    if !name.isEmpty { names.append(name) }
                } else {
                    try reader.skipValue()
                }
            }
        }
        if single {
            try one(&reader)
        } else if try reader.beginArray() {
            while try reader.nextElement() { try one(&reader) }
        }
        return names
    }

    private static func plain(_ value: String?) -> String {
        guard var s = value else { return "" }
        return s.withUTF8 { HTMLText.text(fromPlain: $0) }
    }
}
