import FeedwatchModel

/// Turns the element events of an RSS, RDF or Atom document into entries.
///
/// One state machine serves every format: an element means the same thing wherever its vocabulary
/// appears (an Atom link inside an RSS item is an Atom link). Fields are filled by priority, not by
/// order of appearance: an RSS item with both `pubDate` and `dc:date` takes `pubDate` whichever
/// comes first. Text is captured only inside elements that matter, so an item's cost is its fields,
/// not its size.
///
/// Markup inside a captured field (XHTML content, or HTML a publisher forgot to escape) is written
/// back as tags into the field's text, which then goes through the one HTML-to-text conversion.
final class FeedBuilder {
    fileprivate enum Target {
        case title(Int)
        case link(Int)
        case summary(Int)
        case content(Int)
        case id(Int)
        case published(Int)
        case updated(Int)
        case guid, dcDate, author, category, keywords, authorName, authorEmail
        case feedTitle(Int)
        case feedLink(Int)
        case ttl, updatePeriod, updateFrequency, skipHour, skipDay
    }

    fileprivate struct Capture {
        var target: Target
        var kind: TextKind
        var depth: Int
        var buffer: [UInt8] = []
        var base: String?
        var truncated = false
    }

    /// An entry being read, with the priority each field was filled at. A class: fields are set
    /// in place, one at a time, and a struct held in an optional property was copied whole (every
    /// field retained) for each.
    private final class Draft {
        var entry = Entry()
        /// The title, summary and content candidates, converted by whoever takes the entry
        /// (`EntryDraft`), unless they pile up: see `keep(_:)`.
        var texts: [CapturedText] = []
        var textBytes = 0
        var choice = TextChoice()
        var linkRank = 0, idRank = 0, publishedRank = 0, updatedRank = 0
        /// RSS `guid isPermaLink` (true unless said otherwise): the guid may stand in for a link.
        var guidIsPermaLink = true
        var guid: String?
        /// The first permalink guid or Atom id, with the base in force where it was read: the
        /// entry's link when no link element gives one (feedparser's rule).
        var permalink: (text: String, base: String?)?
    }

    private struct AuthorDraft {
        var name = ""
        var email = ""
        var depth: Int
    }

    private(set) var feed = FeedInfo()
    private(set) var problem: ParseProblem?
    private(set) var entryCount = 0
    private(set) var fieldTruncated = false
    /// Whether an entry listed more authors, categories, enclosures or media than `maxListItems`.
    private(set) var listTruncated = false
    /// Set when the builder wants the parse to stop (not a feed, enough entries).
    private(set) var wantsStop = false

    private let documentURL: String?
    private let limits: ParseLimits
    private let onEntry: (EntryDraft) -> Void
    /// Whether entries leave their title, summary and content to the taker (streamed), or have
    /// them converted as they are read (collected: a copy of each field would be work for
    /// nothing).
    private let defersText: Bool
    /// Called once, before the first entry, with the feed's metadata as read so far.
    private let onFeed: (FeedInfo) -> Void
    private var feedAnnounced = false

    private var depth = 0
    private var stack: [Element] = []
    private var bases: [String?] = []
    private var draft: Draft?
    private var entryDepth = 0
    private var capture: Capture?
    /// The last finished capture's buffer, emptied and reused by the next: grown once per
    /// document instead of from nothing for every field (2 % of a cold cycle's CPU went to
    /// growing them).
    private var spareBuffer: [UInt8] = []
    /// A buffer grown past this by one long field is not kept for the next.
    private static let keptBufferCapacity = 1 << 20
    private var author: AuthorDraft?
    private var feedTitleRank = 0
    private var feedLinkRank = 0
    private var syPeriod: String?
    private var syFrequency: Int64?
    private var rootSeen = false

    init(
        documentURL: String?, limits: ParseLimits, defersText: Bool, onFeed: @escaping (FeedInfo) -> Void,
        onEntry: @escaping (EntryDraft) -> Void
    ) {
        self.documentURL = documentURL
        self.defersText = defersText
        self.limits = limits
        self.onFeed = onFeed
        self.onEntry = onEntry
        bases.append(documentURL)
    }

    // MARK: - Events

    func start(_ element: Element, namespace: Element.Namespace, local: String, attributes: Attributes) {
        depth += 1
        let parent = stack.last ?? .other
        stack.append(element)
        var base = bases.last ?? nil
        if let xmlBase = attributes.value(Attributes.xmlBase) {
            base = URLResolver.resolve(xmlBase, against: base) ?? base
        }
        bases.append(base)

        if feed.format == nil {
            // Until a feed root is found, look for one: some servers wrap a feed in an HTML page.
            checkRoot(element, namespace: namespace, local: local, attributes: attributes, isFirst: !rootSeen)
            rootSeen = true
            return
        }
        if capture != nil {
            appendStartTag(local)
            return
        }
        if draft != nil {
            // The entry's own fields are its direct children: a <title> inside some other
            // vocabulary's block within the item (Open Graph, an image) is not the entry's title.
            // Extension elements (Dublin Core, Media RSS, iTunes) count at any depth.
            let direct = parent == .item || parent == .atomEntry
            if direct || !Self.coreFields.contains(element) {
                startInEntry(element, attributes: attributes, base: base)
            }
            return
        }
        switch element {
        case .item, .atomEntry:
            let d = Draft()
            if let about = attributes.value(local: "about", namespace: Attributes.rdfNamespace) {
                d.entry.id = about.trimmingASCIIWhitespace()
                d.idRank = 1
            }
            if let href = attributes.value(local: "HREF") ?? attributes.value(local: "href"),
                let url = URLResolver.resolve(href, against: base)
            {
                (d.entry.link, d.linkRank) = (url, 1)
            }
            if let lastmod = attributes.value(local: "LASTMOD"), let t = DateParser.parse(lastmod) {
                (d.entry.updated, d.updatedRank) = (t, 1)
            }
            draft = d
            entryDepth = depth
        case .title where parent == .channel || (parent == .rss && feed.format != nil),
            .atomTitle where parent == .atomFeed:
            begin(.feedTitle(2), kind: textKind(element, attributes), base: base)
        case .dcTitle where parent == .channel:
            begin(.feedTitle(1), kind: .plain, base: base)
        case .link where parent == .channel:
            if let href = attributes.value(local: "href") {
                setFeedLink(href, base: base, rank: 1)
            } else {
                begin(.feedLink(2), kind: .plain, base: base)
            }
        case .atomLink where parent == .atomFeed || parent == .channel:
            let rel = attributes.value(local: "rel") ?? "alternate"
            if rel == "alternate", let href = attributes.value(local: "href") {
                setFeedLink(href, base: base, rank: parent == .atomFeed ? 2 : 1)
            }
        case .ttl where parent == .channel: begin(.ttl, kind: .plain, base: base)
        case .syUpdatePeriod: begin(.updatePeriod, kind: .plain, base: base)
        case .syUpdateFrequency: begin(.updateFrequency, kind: .plain, base: base)
        case .hour where parent == .skipHours: begin(.skipHour, kind: .plain, base: base)
        case .day where parent == .skipDays: begin(.skipDay, kind: .plain, base: base)
        default: break
        }
    }

    func end() {
        defer {
            depth -= 1
            stack.removeLast()
            bases.removeLast()
        }
        // Read the capture's depth without binding a copy of it: a copy would share the buffer and
        // make the next append copy it whole (quadratic in elements inside a field).
        if let captureDepth = capture?.depth {
            if depth == captureDepth, var c = capture.take() {
                finish(&c)
                if c.buffer.capacity <= Self.keptBufferCapacity { spareBuffer = c.buffer }
            } else if let local = currentLocalName {
                appendEndTag(local)
            }
            return
        }
        if let a = author, depth == a.depth {
            author = nil
            let name = a.name
            let email = a.email
            let text = name.isEmpty ? email : (email.isEmpty ? name : "\(name) <\(email)>")
            if !text.isEmpty { appendUnique(text, .authors) }
        }
        if draft != nil && depth == entryDepth {
            finishEntry()
        }
    }

    /// The local name of the element being ended, kept only while capturing markup.
    private var currentLocalName: String? { markupNames.last }
    private var markupNames: [String] = []

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        guard let kind = capture?.kind else { return }
        capture?.append(text, escaping: kind == .xhtml, limit: limits.maxFieldBytes)
    }

    /// Called at the end of the document. An entry still open there was cut off (a truncated
    /// transfer, a parse stopped at a limit): it is dropped, not emitted half-read, because its
    /// identity would be wrong and the complete entry will come with the next poll.
    func finishDocument() {
        capture = nil
        if draft != nil {
            draft = nil
            droppedIncompleteEntry = true
        }
        announceFeed()
    }

    /// True when the document ended inside an entry, which was then dropped.
    private(set) var droppedIncompleteEntry = false

    /// True while the document's root element is open.
    var isInsideRoot: Bool { depth > 0 }

    // MARK: - Root

    /// The reason the document's own root is not a feed, kept while a feed is looked for inside it.
    private var rootProblem: ParseProblem?

    private func checkRoot(
        _ element: Element, namespace: Element.Namespace, local: String, attributes: Attributes, isFirst: Bool
    ) {
        switch element {
        case .rss:
            switch attributes.value(local: "version")?.trimmingASCIIWhitespace() {
            case "0.91": feed.format = .rss091
            case "0.92": feed.format = .rss092
            case "0.90", "0.9": feed.format = .rss090
            default: feed.format = .rss20
            }
        case .rdf: feed.format = .rss10
        case .channel: feed.format = .rss20
        case .atomFeed: feed.format = namespace == .atom03 ? .atom03 : .atom10
        default:
            if isFirst {
                rootProblem = .notAFeed(
                    element == .html ? "an HTML page" : "root element <\(local)> is not RSS, RDF or Atom")
            }
        }
    }

    /// Why the document is not a feed, when no feed root was found in it.
    var notAFeedProblem: ParseProblem? { feed.format == nil ? rootProblem : nil }

    private func stop(_ p: ParseProblem) {
        if problem == nil || problem?.isFatal == false { problem = p }
        wantsStop = true
    }

    // MARK: - Entries

    private func startInEntry(_ element: Element, attributes: Attributes, base: String?) {
        switch element {
        case .title, .atomTitle: begin(.title(3), kind: textKind(element, attributes), base: base)
        case .dcTitle: begin(.title(2), kind: .plain, base: base)
        case .mediaTitle: begin(.title(1), kind: .plain, base: base)
        case .link:
            if attributes.value(local: "href") != nil {
                atomLink(attributes, base: base)
            } else {
                begin(.link(3), kind: .plain, base: base)
            }
        case .atomLink: atomLink(attributes, base: base)
        case .description, .atomSummary: begin(.summary(3), kind: textKind(element, attributes), base: base)
        case .dcDescription, .abstract: begin(.summary(2), kind: .html, base: base)
        case .itunesSummary: begin(.summary(1), kind: .plain, base: base)
        // YouTube's feeds describe a video only in media:group/media:description.
        case .mediaDescription: begin(.summary(0), kind: textKind(element, attributes), base: base)
        case .contentEncoded, .atomContent:
            if element == .atomContent, attributes.value(local: "src") != nil { return }
            begin(.content(3), kind: textKind(element, attributes), base: base)
        case .xhtmlBody, .body: begin(.content(2), kind: .xhtml, base: base)
        case .fullitem: begin(.content(2), kind: .html, base: base)
        case .rssSummary, .rssContent: begin(.content(1), kind: .html, base: base)
        case .guid:
            if let p = attributes.value(local: "isPermaLink")?.trimmingASCIIWhitespace().lowercased() {
                draft?.guidIsPermaLink = p != "false"
            }
            begin(.guid, kind: .plain, base: base)
        case .atomId: begin(.id(2), kind: .plain, base: base)
        case .pubDate, .atomPublished: begin(.published(3), kind: .plain, base: base)
        case .atomIssued: begin(.published(2), kind: .plain, base: base)
        case .dcDate: begin(.dcDate, kind: .plain, base: base)
        case .dctermsIssued, .dctermsCreated, .atomCreated: begin(.published(1), kind: .plain, base: base)
        case .atomUpdated: begin(.updated(2), kind: .plain, base: base)
        case .atomModified, .dctermsModified: begin(.updated(1), kind: .plain, base: base)
        case .author, .dcCreator, .itunesAuthor: begin(.author, kind: .plain, base: base)
        case .atomAuthor: author = AuthorDraft(depth: depth)
        case .atomName where author != nil: begin(.authorName, kind: .plain, base: base)
        case .atomEmail where author != nil: begin(.authorEmail, kind: .plain, base: base)
        case .category:
            // RSS category is text; Atom-style term attributes appear in the wild too.
            if let term = attributes.value(local: "term") {
                appendCategory(term)
            } else {
                begin(.category, kind: .plain, base: base)
            }
        case .dcSubject: begin(.category, kind: .plain, base: base)
        case .itunesCategory:
            // Podcasts name their category in an attribute; a subcategory nests inside.
            if let text = attributes.value(local: "text") { appendCategory(text) }
        case .itunesKeywords: begin(.keywords, kind: .plain, base: base)
        case .atomCategory:
            if let term = attributes.value(local: "term") ?? attributes.value(local: "label") { appendCategory(term) }
        case .enclosure:
            if let url = attributes.value(local: "url") {
                addEnclosure(
                    url, type: attributes.value(local: "type"), length: attributes.value(local: "length"), base: base)
            }
        case .mediaContent, .mediaThumbnail:
            if let url = attributes.value(local: "url"), let resolved = URLResolver.resolve(url, against: base) {
                let type =
                    attributes.value(local: "type") ?? attributes.value(local: "medium")
                    ?? (element == .mediaThumbnail ? "image" : "")
                let size = attributes.value(local: "fileSize").flatMap { Int64($0.trimmingASCIIWhitespace()) }
                if let d = draft, roomInList(d.entry.media.count),
                    !d.entry.media.contains(where: { $0.url == resolved })
                {
                    d.entry.media.append(Enclosure(url: resolved, type: type, length: size))
                }
            }
        default: break
        }
    }

    /// RSS and Atom elements that describe an entry only as its direct children.
    private static let coreFields: Set<Element> = [
        .title, .link, .description, .guid, .pubDate, .author, .atomTitle, .atomLink,
        .atomId, .atomSummary, .atomContent, .atomPublished, .atomUpdated, .atomIssued, .atomModified,
        .atomCreated, .atomAuthor, .atomContributor, .atomCategory, .body, .fullitem, .rssSummary, .rssContent,
        .abstract,
    ]

    private func atomLink(_ attributes: Attributes, base: String?) {
        guard let href = attributes.value(local: "href") else { return }
        let rel = attributes.value(local: "rel")?.trimmingASCIIWhitespace() ?? "alternate"
        switch rel {
        case "alternate":
            if let url = URLResolver.resolve(href, against: base), (draft?.linkRank ?? 0) < 2 {
                draft?.entry.link = url
                draft?.linkRank = 2
            }
        case "enclosure":
            addEnclosure(
                href, type: attributes.value(local: "type"), length: attributes.value(local: "length"), base: base)
        default: break
        }
    }

    private func addEnclosure(_ url: String, type: String?, length: String?, base: String?) {
        guard let resolved = URLResolver.resolve(url, against: base) else { return }
        guard let d = draft, roomInList(d.entry.enclosures.count),
            !d.entry.enclosures.contains(where: { $0.url == resolved })
        else { return }
        let size = length.flatMap { Int64($0.trimmingASCIIWhitespace()) }
        d.entry.enclosures.append(Enclosure(url: resolved, type: type?.trimmingASCIIWhitespace() ?? "", length: size))
    }

    private func appendCategory(_ raw: String) {
        let text = collapse(raw)
        guard !text.isEmpty else { return }
        appendUnique(text, .categories)
    }

    /// Whether an entry's list holding `count` items takes another; notes the cut when not.
    private func roomInList(_ count: Int) -> Bool {
        guard count >= limits.maxListItems else { return true }
        listTruncated = true
        return false
    }

    private enum ListField {
        case authors
        case categories
    }

    /// Appends to one of the entry's lists unless it holds the same text already. (A switch,
    /// not a key path: key path access costs a runtime projection per call.)
    private func appendUnique(_ s: String, _ field: ListField) {
        guard let d = draft else { return }
        switch field {
        case .authors:
            if roomInList(d.entry.authors.count), !d.entry.authors.contains(s) { d.entry.authors.append(s) }
        case .categories:
            if roomInList(d.entry.categories.count), !d.entry.categories.contains(s) { d.entry.categories.append(s) }
        }
    }

    private func finishEntry() {
        guard let d = draft else { return }
        draft = nil
        author = nil
        if let guid = d.guid, d.idRank < 2 {
            d.entry.id = guid
            d.idRank = 2
        }
        // feedparser's rule: a permalink guid or an Atom id stands in for a missing link. The
        // resolver keeps only web links (or, with no base to resolve against, a relative one).
        if d.linkRank == 0, let permalink = d.permalink,
            let url = URLResolver.resolve(permalink.text, against: permalink.base)
        {
            d.entry.link = url
        }
        if let id = d.entry.id, id.isEmpty { d.entry.id = nil }
        announceFeed()
        entryCount += 1
        onEntry(EntryDraft(entry: d.entry, choice: d.choice, texts: d.texts))
        if entryCount >= limits.maxEntries {
            stop(.entriesCut(limits))
        }
    }

    private func announceFeed() {
        if feedAnnounced { return }
        feedAnnounced = true
        finishHints()
        onFeed(feed)
    }

    // MARK: - Text capture

    private func textKind(_ element: Element, _ attributes: Attributes) -> TextKind {
        switch element {
        case .title, .description, .contentEncoded:
            return .html
        case .atomTitle, .atomSummary, .atomContent:
            let type = attributes.value(local: "type")?.trimmingASCIIWhitespace().lowercased()
            let mode = attributes.value(local: "mode")?.trimmingASCIIWhitespace().lowercased()
            if mode == "base64" { return .base64 }
            switch type {
            case nil, "", "text", "text/plain": return mode == "escaped" ? .html : (mode == "xml" ? .xhtml : .plain)
            case "html", "text/html": return mode == "xml" ? .xhtml : .html
            case "xhtml", "application/xhtml+xml": return .xhtml
            case let t? where t.hasPrefix("text/") || t.hasSuffix("+xml") || t.hasSuffix("/xml"): return .plain
            default: return .base64
            }
        case .mediaDescription:
            // Media RSS: type="plain" (the default) or "html".
            return attributes.value(local: "type")?.trimmingASCIIWhitespace().lowercased() == "html" ? .html : .plain
        default:
            return .plain
        }
    }

    private func begin(_ target: Target, kind: TextKind, base: String?) {
        guard kind != .skip else { return }
        var buffer: [UInt8] = []
        swap(&buffer, &spareBuffer)
        buffer.removeAll(keepingCapacity: true)
        capture = Capture(target: target, kind: kind, depth: depth, buffer: buffer, base: base)
        markupNames.removeAll(keepingCapacity: true)
    }

    private func appendStartTag(_ local: String) {
        markupNames.append(local)
        capture?.appendTag(local, closing: false, limit: limits.maxFieldBytes)
    }

    private func appendEndTag(_ local: String) {
        markupNames.removeLast()
        capture?.appendTag(local, closing: true, limit: limits.maxFieldBytes)
    }

    private func finish(_ c: inout Capture) {
        if c.truncated { fieldTruncated = true }
        // An entry's title, summary and content are converted by whoever takes the entry (see
        // `EntryDraft`) when it is streamed: the buffer is copied at its size, and kept for the
        // next field. Collected, they are converted here, from the buffer.
        let deferred: CapturedText.Field?
        switch c.target {
        case .title(let rank): deferred = .title(rank)
        case .summary(let rank): deferred = .summary(rank)
        case .content(let rank): deferred = .content(rank)
        default: deferred = nil
        }
        if let deferred {
            if defersText {
                keep(CapturedText(field: deferred, kind: c.kind, bytes: Array(c.buffer)))
            } else if let d = draft {
                d.choice.take(deferred, c.kind.text(of: c.buffer), into: &d.entry)
            }
            return
        }
        guard let text = c.kind.text(of: c.buffer) else { return }
        assign(text, to: c.target, base: c.base)
    }

    /// Keeps a title, summary or content candidate for whoever takes the entry. Past a field's
    /// worth of bytes or a few dozen candidates, those kept are converted and chosen here, so a
    /// hostile entry repeating an element holds no more than a plain one.
    private func keep(_ captured: CapturedText) {
        guard let d = draft else { return }
        d.texts.append(captured)
        d.textBytes += captured.bytes.count
        guard d.textBytes > limits.maxFieldBytes || d.texts.count > Self.maxDeferredTexts else { return }
        for text in d.texts { d.choice.take(text, into: &d.entry) }
        d.texts.removeAll()
        d.textBytes = 0
    }

    /// An entry's title, summary and content candidates: one to three each in a real feed.
    private static let maxDeferredTexts = 32

    private func assign(_ text: String, to target: Target, base: String?) {
        switch target {
        case .feedTitle(let rank):
            if rank > feedTitleRank && !text.isEmpty {
                feed.title = text
                feedTitleRank = rank
            }
        case .feedLink(let rank): setFeedLink(text, base: base, rank: rank)
        case .ttl: feed.hints.ttl = Self.seconds(minutes: text)
        case .updatePeriod: syPeriod = text.lowercased()
        case .updateFrequency: syFrequency = Int64(text)
        case .skipHour: if let h = Int(text), (0...24).contains(h) { feed.hints.skipHours.insert(h % 24) }
        case .skipDay:
            let days = [
                "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
            ]
            if let d = days[text.lowercased()] { feed.hints.skipDays.insert(d) }
        case .authorName: author?.name = text
        case .authorEmail: author?.email = text
        default: assignEntryField(text, to: target, base: base)
        }
    }

    private func assignEntryField(_ text: String, to target: Target, base: String?) {
        guard let d = draft else { return }
        switch target {
        case .link(let rank):
            if rank > d.linkRank, let url = URLResolver.resolve(text, against: base) {
                (d.entry.link, d.linkRank) = (url, rank)
            }
        case .guid:
            guard d.guid == nil && !text.isEmpty else { break }
            d.guid = text
            if d.guidIsPermaLink && d.permalink == nil { d.permalink = (text, base) }
        case .id(let rank):
            guard !text.isEmpty else { break }
            if rank > d.idRank { (d.entry.id, d.idRank) = (text, rank) }
            if d.permalink == nil { d.permalink = (text, base) }
        case .published(let rank):
            if rank >= d.publishedRank, let t = DateParser.parse(text) {
                (d.entry.published, d.publishedRank) = (t, rank)
            }
        case .updated(let rank):
            if rank >= d.updatedRank, let t = DateParser.parse(text) { (d.entry.updated, d.updatedRank) = (t, rank) }
        case .dcDate:
            // Dublin Core's date is the one date an RSS 1.0 item has: its publication date, and
            // (as feedparser reads it) its modification date.
            guard let t = DateParser.parse(text) else { break }
            if d.publishedRank < 1 { (d.entry.published, d.publishedRank) = (t, 1) }
            if d.updatedRank < 1 { (d.entry.updated, d.updatedRank) = (t, 1) }
        case .author:
            let name = Self.authorName(text)
            if !name.isEmpty { appendUnique(name, .authors) }
        case .category:
            if !text.isEmpty { appendUnique(text, .categories) }
        case .keywords:
            // itunes:keywords: "salt, pepper, shaker", each one a category (as feedparser reads them).
            for keyword in text.split(separator: ",") { appendCategory(String(keyword)) }
        default: break
        }
    }

    private func setFeedLink(_ raw: String, base: String?, rank: Int) {
        guard rank > feedLinkRank, let url = URLResolver.resolve(collapse(raw), against: base) else { return }
        feed.link = url
        feedLinkRank = rank
    }

    /// RSS `ttl` (minutes) in seconds; nil unless a count of minutes. A count too large to be
    /// seconds is as good as forever: the poll interval is capped by `max_interval` anyway.
    static func seconds(minutes text: String) -> Int64? {
        guard let minutes = Int64(text), minutes >= 0 else { return nil }
        return min(minutes, Int64.max / 60) * 60
    }

    private func finishHints() {
        guard let period = syPeriod else { return }
        let seconds: Int64
        switch period {
        case "hourly": seconds = 3600
        case "daily": seconds = 86_400
        case "weekly": seconds = 604_800
        case "monthly": seconds = 2_592_000
        case "yearly": seconds = 31_536_000
        default: return
        }
        let frequency = max(1, syFrequency ?? 1)
        feed.hints.updatePeriod = seconds / frequency
    }

    /// RSS writes authors as `email (Name)`; they are given as `Name <email>` like Atom's.
    static func authorName(_ text: String) -> String {
        guard text.hasSuffix(")"), let open = text.firstIndex(of: "(") else { return text }
        let email = text[..<open].trimmingASCIIWhitespace()
        let name = text[text.index(after: open)..<text.index(before: text.endIndex)].trimmingASCIIWhitespace()
        guard email.contains("@"), !email.contains(" "), !name.isEmpty else { return text }
        return name == email ? email : "\(name) <\(email)>"
    }

    private func collapse(_ s: String) -> String {
        var s = s
        return s.withUTF8 { HTMLText.text(fromPlain: $0) }
    }
}

extension FeedBuilder.Capture {
    fileprivate mutating func append(_ text: UnsafeBufferPointer<UInt8>, escaping: Bool, limit: Int) {
        guard !truncated else { return }
        guard buffer.count + text.count <= limit else {
            truncated = true
            return
        }
        if !escaping {
            buffer.append(contentsOf: text)
            return
        }
        for b in text {
            switch b {
            case 0x3C: buffer.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
            case 0x26: buffer.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
            default: buffer.append(b)
            }
        }
    }

    /// Appends `<local>` or `</local>`, written straight into the buffer (this runs per element).
    fileprivate mutating func appendTag(_ local: String, closing: Bool, limit: Int) {
        guard !truncated else { return }
        let length = local.utf8.count + (closing ? 3 : 2)
        guard buffer.count + length <= limit else {
            truncated = true
            return
        }
        buffer.append(0x3C)
        if closing { buffer.append(0x2F) }
        buffer.append(contentsOf: local.utf8)
        buffer.append(0x3E)
    }
}
