internal import CLibXML2
import Glibc

/// libxml2's SAX2 push parser, configured for untrusted documents, feeding a `FeedBuilder`.
///
/// Options: RECOVER (keep the items before and after a well-formedness error), NONET, and
/// IGNORE_ENC because the input is always UTF-8 already (`Transcoder`). Never NOENT, DTDLOAD,
/// DTDATTR, DTDVALID, XINCLUDE or HUGE. The process-wide entity loader denies everything
/// (`CLibXML2_harden`). Three more guards that libxml2 does not give a SAX consumer:
/// - entity declarations are ignored: no `getEntity` callback is installed, so a reference to a
///   declared entity is an undefined one, which RECOVER drops. An internal entity can expand
///   quadratically (a 160 kB document becomes 2 GB of text), an external one can read files; no
///   legitimate feed needs either, and the items around the references are kept;
/// - element nesting is capped (libxml2's 256-level limit applies to tree building only);
/// - errors are read from this parser's own callback, never from the process-wide last error.
final class XMLPushParser {
    private var context: xmlParserCtxtPtr?
    private let builder: FeedBuilder
    private let maxDepth: Int
    private var depth = 0
    private(set) var stopped = false
    private(set) var refusal: ParseProblem?
    private(set) var firstError: String?
    private(set) var errorCount = 0
    /// Elements identified so far, by libxml2's interned name and namespace pointers (stable for
    /// the parser's life). A direct-mapped array in front of the dictionary: a document uses a
    /// few dozen names, and each start tag would otherwise pay a full hash of its key.
    private var recent = [(key: ElementKey, id: Identified)?](repeating: nil, count: 64)
    private var cache: [ElementKey: Identified] = [:]
    /// The namespace of a `<feed>` root that is not Atom's own; elements in it are read as Atom.
    private var atomAlias: String?

    private struct ElementKey: Hashable {
        let local: UnsafeRawPointer
        let uri: UnsafeRawPointer?

        /// A slot in a table of 64: the pointers mixed by multiplication, the high bits taken.
        /// (libxml2 packs its interned names end to end, so low bits alone collide.)
        var slot: Int {
            let a = UInt64(UInt(bitPattern: local)) &* 0x9E37_79B9_7F4A_7C15
            let b = UInt64(UInt(bitPattern: uri)) &* 0xC2B2_AE3D_27D4_EB4F
            return Int(truncatingIfNeeded: (a ^ b) >> 58)
        }
    }

    private struct Identified {
        let element: Element
        let namespace: Element.Namespace
        let local: String
    }

    /// libxml2 is fed at most this much per call: one call over ~10 MB fails in 2.9.14.
    static let chunkSize = 64 * 1024

    init(builder: FeedBuilder, maxDepth: Int) {
        self.builder = builder
        self.maxDepth = maxDepth
        XMLPushParser.hardenOnce
        var handler = xmlSAXHandler()
        handler.initialized = CLibXML2_sax2_magic
        handler.startElementNs = { ctx, localname, _, uri, _, _, attributeCount, _, attributes in
            guard let ctx, let localname else { return }
            XMLPushParser.with(ctx) {
                $0.startElement(localname, uri, Attributes(attributes, count: Int(attributeCount)))
            }
        }
        handler.endElementNs = { ctx, _, _, _ in
            guard let ctx else { return }
            XMLPushParser.with(ctx) { $0.endElement() }
        }
        handler.characters = { ctx, text, length in
            guard let ctx, let text, length > 0 else { return }
            XMLPushParser.with(ctx) { $0.builder.characters(UnsafeBufferPointer(start: text, count: Int(length))) }
        }
        handler.cdataBlock = handler.characters
        handler.entityDecl = { ctx, name, _, _, _, _ in
            guard let ctx else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue().ignoreEntity(name)
        }
        handler.unparsedEntityDecl = { ctx, name, _, _, _ in
            guard let ctx else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue().ignoreEntity(name)
        }
        handler.serror = { ctx, error in
            guard let ctx, let error else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue().record(error.pointee)
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        context = xmlCreatePushParserCtxt(&handler, me, nil, 0, nil)
        if let context {
            let options =
                XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue
                | XML_PARSE_NOWARNING.rawValue
            xmlCtxtUseOptions(context, Int32(options))
            xmlSwitchEncoding(context, XML_CHAR_ENCODING_UTF8)
        } else {
            refusal = .refused("libxml2 could not create a parser")
            stopped = true
        }
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    /// The parser behind a callback's context pointer, borrowed for the callback: libxml2 calls
    /// back only from inside `push` or `finish`, which keep the parser alive, so the millions of
    /// callbacks of a large document need not retain and release it each.
    @inline(__always)
    private static func with(_ ctx: UnsafeMutableRawPointer, _ body: (XMLPushParser) -> Void) {
        Unmanaged<XMLPushParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef(body)
    }

    /// Installs the deny-all entity loader before the first parse in this process.
    static let hardenOnce: Void = { CLibXML2_harden() }()

    /// Parses the next piece of UTF-8 input.
    func push(_ bytes: [UInt8]) {
        guard !stopped, let context, !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buf in
            guard let start = buf.baseAddress else { return }
            var offset = 0
            while offset < buf.count && !stopped {
                let n = min(XMLPushParser.chunkSize, buf.count - offset)
                let chunk = UnsafeRawPointer(start + offset).assumingMemoryBound(to: CChar.self)
                xmlParseChunk(context, chunk, Int32(n), 0)
                offset += n
                if builder.wantsStop { halt() }
            }
        }
    }

    /// Ends the document.
    func finish() {
        guard let context else { return }
        if !stopped {
            // libxml2 reports a document that stops inside its root as "Extra content at the end
            // of the document", which misleads: say what happened instead.
            if builder.isInsideRoot && refusal == nil {
                endedEarly = true
            }
            xmlParseChunk(context, nil, 0, 1)
        }
        builder.finishDocument()
    }

    /// True when the input ended before the root element was closed: a truncated document.
    private(set) var endedEarly = false

    // MARK: - Callbacks

    private func startElement(
        _ localname: UnsafePointer<xmlChar>, _ uri: UnsafePointer<xmlChar>?, _ attributes: Attributes
    ) {
        guard !stopped else { return }
        depth += 1
        if depth > maxDepth {
            refuse("elements nested deeper than \(maxDepth) levels")
            return
        }
        let key = ElementKey(local: UnsafeRawPointer(localname), uri: uri.map(UnsafeRawPointer.init))
        let slot = key.slot
        let id: Identified
        if let hit = recent[slot], hit.key == key {
            id = hit.id
        } else if let hit = cache[key] {
            id = hit
            recent[slot] = (key, hit)
        } else {
            let local = String(cString: localname)
            let uriString = uri.map { String(cString: $0) } ?? ""
            var ns = Element.namespace(uriString)
            if depth == 1 && local == "feed" && (ns == .other || ns == .none) {
                // A <feed> root in no namespace or an unknown one: read its vocabulary as Atom.
                atomAlias = uriString
            }
            if uriString == atomAlias { ns = .atom10 }
            id = Identified(element: Element.identify(namespace: ns, local: local), namespace: ns, local: local)
            cache[key] = id
            recent[slot] = (key, id)
        }
        builder.start(id.element, namespace: id.namespace, local: id.local, attributes: attributes)
        if builder.wantsStop { halt() }
    }

    private func endElement() {
        guard !stopped, depth > 0 else { return }
        depth -= 1
        builder.end()
    }

    /// The first entity the document declared (and that was ignored), for the parse report.
    private(set) var ignoredEntity: String?

    private func ignoreEntity(_ name: UnsafePointer<xmlChar>?) {
        if ignoredEntity == nil { ignoredEntity = name.map { String(cString: $0) } ?? "?" }
    }

    private func refuse(_ why: String) {
        if refusal == nil { refusal = .refused(why) }
        halt()
    }

    private func halt() {
        guard !stopped else { return }
        stopped = true
        if let context { CLibXML2_stop(context) }
    }

    private func record(_ error: xmlError) {
        guard !stopped, !endedEarly else { return }
        errorCount += 1
        guard firstError == nil else { return }
        var message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        while message.last == "\n" || message.last == " " { message.removeLast() }
        firstError = error.line > 0 ? "line \(error.line): \(message)" : message
    }
}
