import Glibc

/// Finds the first XML tag with more than a limit of attributes in a document fed in pieces,
/// before libxml2 sees it.
///
/// libxml2 2.9 compares each attribute (and namespace declaration) of a start tag with every other
/// one of that tag: 300,000 attributes in one 3.4 MB tag took 71 s, on the thread that all
/// transfers share. libxml2 parses a start tag only once its `>` has arrived, so a document is
/// safe if no tag with more than `limit` attributes is let through whole. A long value (a data
/// URI) is one attribute and costs libxml2 nothing of the kind: only the `=` signs are counted.
///
/// The scan follows only what decides where tags are: text up to `<` (found with `memchr`),
/// quoted attribute values (which may hold `>` and `=`), comments and CDATA sections (which may
/// hold `<`). Everything else is libxml2's to judge; a wrong guess on a broken document can only
/// stop one where more than `limit` `=` follow a `<` before any `>`.
struct TagGuard {
    private enum State {
        case text
        /// After `<`: up to 9 bytes seen (`<![CDATA[` is the longest that decides).
        case opening
        case tag
        case quoted(UInt8)
        case comment
        case cdata
    }

    private let limit: Int
    private var state = State.text
    private var opened: [UInt8] = []
    /// What follows `<` in a comment and a CDATA section, as bytes: compared once per byte of
    /// every `<![CDATA[`, where a string's UTF-8 view was 0.9 % of parsing.
    private static let commentOpen = Array("!--".utf8)
    private static let cdataOpen = Array("![CDATA[".utf8)
    /// Attributes (`=` outside quotes) of the current tag so far.
    private var attributes = 0
    /// The last bytes of a comment or CDATA section, to find `-->` and `]]>` across pieces.
    private var tail: (UInt8, UInt8) = (0, 0)

    init(limit: Int) { self.limit = limit }

    /// How many bytes of `bytes` come before the `<` of a tag that goes past the limit (the tag
    /// may have begun in an earlier piece: then 0); nil while every tag is within it.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let n = bytes.count
        var i = 0
        // Where the tag in progress began in this piece (0 when it began before it).
        var tagStart = 0
        while i < n {
            switch state {
            case .text:
                guard let p = memchr(base + i, 0x3C, n - i) else { return nil }
                i = base.distance(to: p.assumingMemoryBound(to: UInt8.self)) + 1
                tagStart = i - 1
                attributes = 0
                opened.removeAll(keepingCapacity: true)
                state = .opening
            case .opening:
                let b = base[i]
                // Most tags: a name, an end tag, a processing instruction. Only `<!` needs more.
                if opened.isEmpty && b != 0x21 {
                    state = .tag
                    continue
                }
                i += 1
                opened.append(b)
                if opened == Self.commentOpen {
                    state = .comment
                    tail = (0, 0)
                } else if opened == Self.cdataOpen {
                    state = .cdata
                    tail = (0, 0)
                } else if !(Self.commentOpen.starts(with: opened) || Self.cdataOpen.starts(with: opened)) {
                    state = .tag  // another declaration: its attributes counted like a tag's
                }
            case .tag:
                while i < n {
                    let b = base[i]
                    i += 1
                    if b == 0x3E {
                        state = .text
                        break
                    }
                    if b == 0x22 || b == 0x27 {
                        state = .quoted(b)
                        break
                    }
                    if b == 0x3D {
                        attributes += 1
                        if attributes > limit { return tagStart }
                    }
                }
            case .quoted(let quote):
                // A quoted value, however long: up to its closing quote.
                guard let p = memchr(base + i, Int32(quote), n - i) else { return nil }
                i = base.distance(to: p.assumingMemoryBound(to: UInt8.self)) + 1
                state = .tag
            case .comment, .cdata:
                // Their own length is free: only their end (`-->`, `]]>`) matters.
                let closing: UInt8 = { if case .comment = state { return 0x2D } else { return 0x5D } }()
                while true {
                    guard let p = memchr(base + i, 0x3E, n - i) else {
                        if n - i >= 2 {
                            tail = (base[n - 2], base[n - 1])
                        } else if n - i == 1 {
                            tail = (tail.1, base[n - 1])
                        }
                        i = n
                        break
                    }
                    let at = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                    // The two bytes before `>`, from this piece or the ones before it.
                    let b1 = at - 1 >= i ? base[at - 1] : tail.1
                    let b2 = at - 2 >= i ? base[at - 2] : (at - 1 >= i ? tail.1 : tail.0)
                    i = at + 1
                    if b1 == closing && b2 == closing {
                        state = .text
                        break
                    }
                    tail = (b1, 0x3E)
                }
            }
        }
        return nil
    }
}
