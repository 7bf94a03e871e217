import FeedwatchModel

/// Removes the document type declaration (`<!DOCTYPE ...>`, with its internal subset) from a
/// document's prolog as it streams towards libxml2, as feedparser does.
///
/// Nothing in a feed needs it: its external DTD is never loaded, its entity declarations are of no
/// use (`ReferenceRewriter` turns references to names HTML does not know into text), and libxml2
/// acts on the rest at a price a publisher sets. Attribute defaults declared in it (`<!ATTLIST
/// item a0 CDATA "x">`, 20,000 times in 640 KB) are added to every start tag of that element and
/// compared with each other there: 49 s of libxml2 for 200 items. After the root element's start
/// tag the filter only hands bytes through.
struct DoctypeFilter {
    private enum State {
        /// Before the root element, between constructs.
        case prolog
        /// After a `<` in the prolog, until what follows says what it opens.
        case opening
        /// Inside `<? ... ?>` or `<!-- ... -->` in the prolog: handed through.
        case instruction, comment
        /// Inside `<!DOCTYPE ... >`: dropped.
        case doctype
        /// From the root element on.
        case done
    }

    private var state = State.prolog
    private var opened: [UInt8] = []
    private var last: (UInt8, UInt8) = (0, 0)
    // Inside the declaration: an open quote, the internal subset's brackets, a comment in it.
    private var quote: UInt8? = nil
    private var subset = 0
    private var inSubsetComment = false
    private var recent: [UInt8] = []
    private var capturingEntity = false
    private var entityName: [UInt8] = []
    /// The first entity the removed declaration declared (for the parse's report), if any.
    private(set) var declaredEntity: String? = nil

    /// The bytes to hand on: `input` itself once the prolog is over (no copy). At the end of the
    /// document (`final`), a `<` still waiting to be told apart is handed on as it is.
    mutating func filter(_ input: [UInt8], final: Bool = false) -> [UInt8] {
        if case .done = state { return input }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            i += 1
            switch state {
            case .done:
                out.append(contentsOf: input[(i - 1)...])
                return out
            case .prolog:
                if b == UInt8(ascii: "<") {
                    state = .opening
                    opened = [b]
                } else {
                    out.append(b)
                }
            case .opening:
                opened.append(b)
                if opened.elementsEqual("<!DOCTYPE".utf8) {
                    state = .doctype
                    (quote, subset, inSubsetComment) = (nil, 0, false)
                    recent.removeAll()
                } else if opened.elementsEqual("<!--".utf8) {
                    out.append(contentsOf: opened)
                    state = .comment
                    last = (0, 0)
                } else if opened.count == 2 && b == UInt8(ascii: "?") {
                    out.append(contentsOf: opened)
                    state = .instruction
                    last = (0, 0)
                } else if !("<!DOCTYPE".utf8.starts(with: opened) || "<!--".utf8.starts(with: opened)) {
                    // The root element (or something libxml2 will judge): the prolog is over.
                    out.append(contentsOf: opened)
                    state = .done
                }
            case .instruction, .comment:
                out.append(b)
                let ends: Bool
                if case .instruction = state {
                    ends = b == UInt8(ascii: ">") && last.1 == UInt8(ascii: "?")
                } else {
                    ends = b == UInt8(ascii: ">") && last.0 == UInt8(ascii: "-") && last.1 == UInt8(ascii: "-")
                }
                last = (last.1, b)
                if ends { state = .prolog }
            case .doctype:
                doctypeByte(b)
            }
        }
        if final, case .opening = state { out.append(contentsOf: opened) }
        return out
    }

    /// What one byte of the declaration does to where the declaration ends.
    private mutating func doctypeByte(_ b: UInt8) {
        if inSubsetComment {
            if b == UInt8(ascii: ">") && last.0 == UInt8(ascii: "-") && last.1 == UInt8(ascii: "-") {
                inSubsetComment = false
            }
            last = (last.1, b)
            return
        }
        if let q = quote {
            if b == q { quote = nil }
            return
        }
        if capturingEntity {
            // `<!ENTITY`, white space, `%` for a parameter entity, the name.
            if entityName.isEmpty {
                if !b.isASCIIWhitespace && b != UInt8(ascii: "%") { entityName.append(b) }
                return
            }
            guard b.isASCIIWhitespace || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") else {
                if entityName.count < 256 { entityName.append(b) }
                return
            }
            capturingEntity = false
            declaredEntity = String(decoding: entityName, as: UTF8.self)
        }
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = b
        case UInt8(ascii: "["): subset += 1
        case UInt8(ascii: "]"): subset = max(0, subset - 1)
        case UInt8(ascii: ">") where subset == 0: state = .prolog
        default: break
        }
        guard subset > 0 else { return }
        recent.append(b)
        if recent.count > 8 { recent.removeFirst(recent.count - 8) }
        if recent.suffix(4).elementsEqual("<!--".utf8) {
            inSubsetComment = true
            last = (0, 0)
        } else if recent.elementsEqual("<!ENTITY".utf8), declaredEntity == nil {
            capturingEntity = true
            entityName.removeAll()
        }
    }
}
