internal import CByteScan
import FeedwatchModel

/// Accumulates plain text with whitespace collapsed: runs of spaces, tabs and line ends become one
/// space, explicit breaks (from block elements) become one line feed, and nothing leads or trails.
/// NO-BREAK SPACE is treated as a space: in a one-line JSON field it is only a trap for matching.
struct TextBuilder {
    private(set) var bytes: [UInt8] = []
    private enum Pending { case none, space, lineBreak }
    private var pending = Pending.none
    /// Optional cap on the output, in bytes; text past it is dropped.
    let limit: Int
    private(set) var truncated = false

    init(capacity: Int = 0, limit: Int = Int.max) {
        bytes.reserveCapacity(capacity)
        self.limit = limit
    }

    @inline(__always)
    mutating func space() {
        if pending == .none { pending = .space }
    }

    mutating func lineBreak() { pending = .lineBreak }

    @inline(__always)
    private mutating func flushPending() {
        if pending != .none && !bytes.isEmpty { bytes.append(pending == .lineBreak ? 0x0A : 0x20) }
        pending = .none
    }

    /// Appends text, collapsing its whitespace.
    mutating func append(_ s: UnsafeBufferPointer<UInt8>) {
        guard let p = s.baseAddress else { return }
        let n = s.count
        var i = 0
        var runStart = 0
        while i < n {
            // Fast path: sixteen bytes at a time while none is a control byte, NO-BREAK SPACE
            // (C2 A0) or a space that does not sit between two words (a single space that does
            // stays in the run, so that a text is copied in a few runs, not in one per word).
            // The byte after the sixteen is read too: it is what follows the last one.
            if i + 17 <= n {
                let q = p + i
                let special = fw_bytes16(q, 0x21, 0xC2, 0xC2, 0xC2)
                if special == 0 {
                    i += 16
                    continue
                }
                let spaces = fw_bytes16(q, 0, 0x20, 0x20, 0x20)
                let leads = fw_bytes16(q, 0, 0xC2, 0xC2, 0xC2)
                // What follows each byte: not a word's byte (a control byte, a space, C2), or A0.
                let notWordAfter = fw_bytes16(q + 1, 0x21, 0xC2, 0xC2, 0xC2)
                let a0After = fw_bytes16(q + 1, 0, 0xA0, 0xA0, 0xA0)
                // A space that starts the run is not between two words.
                let betweenWords = spaces & ~notWordAfter & (i > runStart ? ~0 : ~1)
                let stops = (special & ~leads & ~betweenWords) | (leads & a0After)
                if stops == 0 {
                    i += 16
                    continue
                }
                i += stops.trailingZeroBitCount
            }
            let b = p[i]
            if b > 0x20 && b != 0xC2 {
                i += 1
                continue
            }
            // One space between two words is already collapsed: it stays in the run, so that a
            // text is copied in a few runs, not in one per word.
            if b == 0x20 && i > runStart && i + 1 < n && p[i + 1] > 0x20 && p[i + 1] != 0xC2 {
                i += 2
                continue
            }
            let isSpace = b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C
            let isNBSP = b == 0xC2 && i + 1 < n && p[i + 1] == 0xA0
            // The other C0 controls are dropped: they are no text, and a terminal showing a title
            // (`feedwatch status`) would obey an ESC sequence in it. An XML document has none left
            // by now (`Transcoder`); a JSON Feed can spell any ("\u001b"). (C1 code points stay:
            // they are how undefined windows-1252 bytes read, feedparser keeps them too, and
            // stored stories' content hashes include them.)
            let isControl = b < 0x20
            if isSpace || isNBSP {
                if runStart < i { appendRaw(UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
                space()
                i += isNBSP ? 2 : 1
                runStart = i
            } else if isControl {
                if runStart < i { appendRaw(UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
                i += 1
                runStart = i
            } else {
                i += 1
            }
        }
        if runStart < n { appendRaw(UnsafeBufferPointer(start: p + runStart, count: n - runStart)) }
    }

    /// Appends one decoded character.
    mutating func append(_ scalar: Unicode.Scalar) {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0xA0: space()
        case 0..<0x20: break
        default:
            flushPending()
            guard bytes.count < limit else {
                truncated = true
                return
            }
            bytes.append(contentsOf: scalar.utf8)
        }
    }

    @inline(__always)
    private mutating func appendRaw(_ s: UnsafeBufferPointer<UInt8>) {
        flushPending()
        let room = limit - bytes.count
        if s.count <= room {
            bytes.append(contentsOf: s)
        } else {
            truncated = true
            // Cut at a character boundary.
            var cut = max(0, room)
            while cut > 0 && s[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[0..<cut]))
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
