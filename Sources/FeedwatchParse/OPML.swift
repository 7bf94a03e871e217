internal import CLibXML2
import FeedwatchModel

/// OPML subscription lists, the format feed readers import and export.
///
/// Reading uses libxml2's tree parser (lists are small) with the same guards as feeds: NONET and
/// the deny-all entity loader, and a document that declares entities is refused outright (a tree
/// reader would expand them in attribute values).
public enum OPML {
    /// A subscription: the feed's URL and the title the list gives it.
    public struct Feed: Sendable, Equatable {
        public var url: String
        public var title: String?

        public init(url: String, title: String?) {
            self.url = url
            self.title = title
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The http(s) feeds of every `<outline xmlUrl=…>`, nested folders included, in document order.
    public static func feeds(in bytes: [UInt8]) throws(Failure) -> [Feed] {
        XMLPushParser.hardenOnce
        // libxml2 reads at most Int32.max bytes in one call; a subscription list is kilobytes.
        guard bytes.count <= 64 << 20 else { throw Failure(description: "larger than 64 MiB; refused") }
        if bytes.firstRange(of: Array("<!ENTITY".utf8)) != nil {
            throw Failure(description: "the document declares entities; refused")
        }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let doc = bytes.withUnsafeBufferPointer { b in
            b.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: b.count) {
                    xmlReadMemory($0, Int32(b.count), nil, nil, options)
                }
            }
        }
        guard let doc else { throw Failure(description: "not well-formed XML") }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc), name(root) == "opml" else {
            throw Failure(description: "not an OPML document (no <opml> root)")
        }
        var out: [Feed] = []
        walk(root, into: &out)
        return out
    }

    private static func walk(_ node: xmlNodePtr, into out: inout [Feed]) {
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE {
                if name(c) == "outline", let url = attribute(c, "xmlUrl")?.trimmingASCIIWhitespace(),
                    let scheme = URLResolver.scheme(of: url), scheme == "http" || scheme == "https"
                {
                    let title = attribute(c, "title") ?? attribute(c, "text")
                    out.append(Feed(url: url, title: title.flatMap { $0.isEmpty ? nil : $0 }))
                }
                walk(c, into: &out)
            }
            child = c.pointee.next
        }
    }

    private static func name(_ node: xmlNodePtr) -> String? {
        node.pointee.name.map { String(cString: $0) }
    }

    private static func attribute(_ node: xmlNodePtr, _ key: String) -> String? {
        guard let value = xmlGetProp(node, key) else { return nil }
        defer { CLibXML2_free(value) }
        return String(cString: value)
    }

    /// An OPML 2.0 document listing `feeds`.
    public static func document(title: String, feeds: [Feed]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n"
        out += "  <head><title>\(escape(title))</title></head>\n  <body>\n"
        for f in feeds {
            let t = escape(f.title ?? f.url)
            out += "    <outline type=\"rss\" text=\"\(t)\" title=\"\(t)\" xmlUrl=\"\(escape(f.url))\"/>\n"
        }
        out += "  </body>\n</opml>\n"
        return out
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            default:
                // Control characters are not allowed in XML 1.0.
                if c.value < 0x20 && c != "\t" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
