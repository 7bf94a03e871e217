public import FeedwatchModel

/// Parses one feed document, fed in pieces as they arrive (from libcurl, or from a file).
///
/// ```swift
/// let parser = FeedParser(documentURL: "https://example.com/feed.xml", contentType: "application/rss+xml")
/// parser.consume(chunk)          // as often as bytes arrive
/// let outcome = parser.finish()  // entries, feed title and link, or the problem
/// ```
///
/// The format is decided by content, never by URL or media type: a document whose first
/// character is `{` is read as JSON Feed, anything else as XML (RSS 0.9x/2.0, RSS 1.0, Atom 0.3/1.0),
/// whose root element decides. Memory stays bounded by `ParseLimits`; with `onEntry` set, entries
/// are handed over as they complete instead of being collected.
///
/// Not thread-safe: one thread at a time feeds a parser (a transfer's callbacks run on one thread).
public final class FeedParser {
    private enum Mode {
        case sniffing
        case xml(XMLPushParser)
        case json
        case stopped
    }

    private let documentURL: String?
    private let httpCharset: String?
    private let limits: ParseLimits
    private var mode = Mode.sniffing
    private var head: [UInt8] = []
    private var json: [UInt8] = []
    private var transcoder: Transcoder?
    private var rewriter = ReferenceRewriter()
    private var doctype = DoctypeFilter()
    private var tagGuard: TagGuard
    private var charset: Charset?
    private var builder: FeedBuilder?
    private var collected: [Entry] = []
    private var decodedBytes = 0
    private var sizeProblem: ParseProblem?
    private var sawNonSpace = false
    private let onEntry: ((EntryDraft) -> Void)?
    private let onFeed: ((FeedInfo) -> Void)?

    /// - Parameters:
    ///   - documentURL: where the document came from; relative links resolve against it.
    ///   - contentType: the HTTP `Content-Type`; its `charset` is one piece of encoding evidence.
    ///   - onFeed: called once, before the first entry, with the feed's metadata read so far.
    ///   - onEntry: called with each entry as it completes, its text fields left for the taker to
    ///     convert (`EntryDraft.resolved()`) on a thread of its choosing; when set,
    ///     `ParseOutcome.entries` is empty. Without it, entries are converted as they complete.
    public init(
        documentURL: String?, contentType: String? = nil, limits: ParseLimits = .default,
        onFeed: ((FeedInfo) -> Void)? = nil, onEntry: ((EntryDraft) -> Void)? = nil
    ) {
        self.documentURL = documentURL
        self.httpCharset = contentType.flatMap(FeedParser.charsetParameter)
        self.limits = limits
        self.tagGuard = TagGuard(limit: limits.maxTagAttributes)
        self.onEntry = onEntry
        self.onFeed = onFeed
    }

    /// True once more input cannot change the outcome (refused, not a feed, a limit reached).
    public var isDone: Bool {
        if case .stopped = mode { return true }
        if case .xml(let p) = mode { return p.stopped || sizeProblem != nil }
        if case .json = mode { return sizeProblem != nil }
        return false
    }

    public func consume(_ bytes: UnsafeRawBufferPointer) {
        consume(bytes.bindMemory(to: UInt8.self))
    }

    public func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { consume($0) }
    }

    public func consume(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch mode {
        case .sniffing:
            head.append(contentsOf: bytes)
            if head.count >= Charset.sniffLength { decide() }
        case .xml(let parser):
            feedXML(bytes, parser: parser, final: false)
        case .json:
            guard sizeProblem == nil else { return }
            let room = limits.maxDocumentBytes - json.count
            guard bytes.count <= room else {
                // The entries before the cut are read, as in an XML document cut by the cap.
                json.append(contentsOf: bytes.prefix(max(0, room)))
                sizeProblem = .truncated(
                    "document larger than \(limits.maxDocumentBytes >> 20) MiB; the rest was not read")
                return
            }
            json.append(contentsOf: bytes)
        case .stopped:
            return
        }
    }

    /// Ends the document and returns what was read.
    public func finish() -> ParseOutcome {
        if case .sniffing = mode { decide() }
        switch mode {
        case .xml(let parser):
            feedXML(UnsafeBufferPointer(start: nil, count: 0), parser: parser, final: true)
            parser.finish()
            return outcome(parser: parser)
        case .json:
            var outcome = JSONFeedParser.parse(
                json, documentURL: documentURL, limits: limits, onFeed: onFeed, onEntry: onEntry)
            if let sizeProblem, outcome.problem?.isFatal != true { outcome.problem = sizeProblem }
            return outcome
        case .sniffing, .stopped:
            if let sizeProblem { return emptyOutcome(sizeProblem) }
            return emptyOutcome(.empty)
        }
    }

    // MARK: -

    private func decide() {
        let detected = Charset.detect(head, httpCharset: httpCharset)
        charset = detected
        let body = head.dropFirst(detected.bomLength)
        let first: UInt8?
        if case .iconv(let name) = detected.reading, name.hasPrefix("UTF-16") || name.hasPrefix("UTF-32") {
            first = 0x3C  // the UTF-16/32 layouts detected above all begin with '<' or a BOM
        } else {
            first = body.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        }
        let pending = Array(body)
        head = []
        switch first {
        case nil:
            mode = .stopped
        case 0x7B?, 0x5B?:
            mode = .json
            consume(pending)
        default:
            let builder = FeedBuilder(
                documentURL: documentURL, limits: limits, defersText: onEntry != nil,
                onFeed: { [weak self] info in self?.onFeed?(info) },
                onEntry: { [weak self] entry in
                    guard let self else { return }
                    if let onEntry = self.onEntry { onEntry(entry) } else { self.collected.append(entry.resolved()) }
                })
            self.builder = builder
            transcoder = Transcoder(reading: detected.reading)
            let parser = XMLPushParser(builder: builder, maxDepth: limits.maxDepth)
            mode = .xml(parser)
            pending.withUnsafeBufferPointer { feedXML($0, parser: parser, final: false) }
        }
    }

    private func feedXML(_ bytes: UnsafeBufferPointer<UInt8>, parser: XMLPushParser, final: Bool) {
        guard !parser.stopped, sizeProblem == nil, transcoder != nil else { return }
        var utf8: [UInt8] = []
        transcoder?.transcode(bytes, final: final, into: &utf8)
        var rewritten: [UInt8] = []
        rewriter.rewrite(utf8, final: final, into: &rewritten)
        rewritten = doctype.filter(rewritten, final: final)
        if !sawNonSpace && !rewritten.isEmpty { sawNonSpace = true }
        if let keep = rewritten.withUnsafeBufferPointer({ tagGuard.scan($0) }) {
            // The bytes before the tag are parsed; the tag never reaches libxml2.
            parser.push(Array(rewritten.prefix(keep)))
            let why = "a tag with more than \(limits.maxTagAttributes) attributes"
            sizeProblem =
                (builder?.entryCount ?? 0) > 0 ? .truncated("\(why); the rest was not read") : .refused(why)
            return
        }
        decodedBytes += rewritten.count
        if decodedBytes > limits.maxDocumentBytes {
            sizeProblem = .truncated("document larger than \(limits.maxDocumentBytes >> 20) MiB; the rest was not read")
            let keep = rewritten.count - (decodedBytes - limits.maxDocumentBytes)
            parser.push(Array(rewritten.prefix(max(0, keep))))
            return
        }
        parser.push(rewritten)
    }

    private func outcome(parser: XMLPushParser) -> ParseOutcome {
        var problem: ParseProblem? = parser.refusal ?? builder?.problem ?? sizeProblem
        if problem == nil, parser.endedEarly {
            let dropped = builder?.droppedIncompleteEntry == true ? "; the incomplete last entry was dropped" : ""
            problem = .truncated("the document ends before its root element is closed\(dropped)")
        }
        if problem == nil, let entity = doctype.declaredEntity ?? parser.ignoredEntity {
            problem = .malformed(
                "entity declarations ignored (first: '\(entity)'); references to them are left as text")
        }
        if problem == nil, let first = parser.firstError { problem = .malformed(first) }
        if problem == nil, builder?.fieldTruncated == true {
            problem = .fieldCut(limits)
        }
        if problem == nil, builder?.listTruncated == true {
            problem = .listCut(limits)
        }
        if builder?.feed.format == nil && problem?.isFatal != true {
            problem =
                builder?.notAFeedProblem
                ?? (sawNonSpace ? .notAFeed("not XML: \(parser.firstError ?? "no root element")") : .empty)
        }
        var feed = builder?.feed ?? FeedInfo()
        if problem?.isFatal == true { feed.format = nil }
        return ParseOutcome(
            feed: feed, entries: collected, entryCount: builder?.entryCount ?? 0, problem: problem,
            encoding: charset?.label ?? "UTF-8")
    }

    private func emptyOutcome(_ problem: ParseProblem) -> ParseOutcome {
        ParseOutcome(
            feed: FeedInfo(), entries: [], entryCount: 0, problem: problem, encoding: charset?.label ?? "UTF-8")
    }

    /// The `charset` parameter of a media type: `text/xml; charset="ISO-8859-1"` -> `ISO-8859-1`.
    static func charsetParameter(_ contentType: String) -> String? {
        for part in contentType.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingASCIIWhitespace().lowercased() == "charset" else { continue }
            var v = String(kv[1]).trimmingASCIIWhitespace()
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v.isEmpty ? nil : v
        }
        return nil
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> String { String(self).trimmingASCIIWhitespace() }
}
