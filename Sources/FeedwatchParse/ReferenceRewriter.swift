internal import CByteScan
import FeedwatchModel
import Glibc

/// Rewrites character references that XML does not know into ones it does, as the UTF-8 text of a
/// document streams towards libxml2.
///
/// Feeds are written by HTML tools. libxml2 in recover mode drops every undefined entity
/// (`&nbsp;`, `&eacute;`) and every bare ampersand (`AT&T`, `?a=1&b=2`) with the text around it.
/// Outside CDATA sections and comments, this rewriter turns:
/// - an HTML5 named reference into numeric references (`&eacute;` -> `&#xE9;`);
/// - a numeric reference to a C1 control into the windows-1252 character (`&#146;` -> `&#x2019;`);
/// - an unknown name into literal text (`&foo;` -> `&amp;foo;`), which is what a browser shows;
/// - an ampersand that starts no reference into `&amp;`.
/// The five XML entities and well-formed numeric references pass unchanged. Leading whitespace
/// before the first `<` is dropped (an XML declaration must come first).
struct ReferenceRewriter {
    private enum Section: Equatable { case markup, cdata, comment }
    private var section = Section.markup
    private var carry: [UInt8] = []
    private var atStart = true

    /// The longest construct that must be seen whole before deciding: `&` + name + `;`.
    private static let lookahead = HTMLEntities.maxNameLength + 2

    mutating func rewrite(_ input: [UInt8], final: Bool, into out: inout [UInt8]) {
        if carry.isEmpty {
            input.withUnsafeBufferPointer { process($0, final: final, into: &out) }
        } else {
            var joined = carry
            carry.removeAll(keepingCapacity: true)
            joined.append(contentsOf: input)
            joined.withUnsafeBufferPointer { process($0, final: final, into: &out) }
        }
    }

    private mutating func process(_ s: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt8]) {
        let n = s.count
        var i = 0
        if atStart {
            while i < n, s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0A || s[i] == 0x0D { i += 1 }
            if i == n && !final { return }
            atStart = false
        }
        out.reserveCapacity(out.count + n + 64)
        var runStart = i
        @inline(__always) func flush(_ upTo: Int, _ out: inout [UInt8]) {
            if runStart < upTo { out.append(contentsOf: UnsafeBufferPointer(rebasing: s[runStart..<upTo])) }
        }
        while i < n {
            switch section {
            case .cdata, .comment:
                let repeated: UInt8 = section == .cdata ? 0x5D : 0x2D  // ]]> -->
                guard let end = Self.find(twice: repeated, thenGreaterThanIn: s, from: i) else {
                    // Keep the last two bytes back: the terminator may straddle the chunk boundary.
                    let keep = final ? n : max(i, n - 2)
                    flush(keep, &out)
                    if !final { carry.append(contentsOf: UnsafeBufferPointer(rebasing: s[keep..<n])) }
                    return
                }
                i = end + 3
                section = .markup
            case .markup:
                // Fast path: only `&` and `<!` (a CDATA section or a comment may start there)
                // can change anything; the byte after the sixteen is read too.
                i = ByteScan.skip(s, from: i, lookahead: 1) {
                    fw_bytes16($0, 0, 0x26, 0x26, 0x26) | fw_bytes16($0, 0, 0x3C, 0x3C, 0x3C)
                        & fw_bytes16($0 + 1, 0, 0x21, 0x21, 0x21)
                }
                while i < n && s[i] != 0x3C && s[i] != 0x26 { i += 1 }
                guard i < n else { break }
                let b = s[i]
                if b == 0x3C {  // <
                    if i + 9 > n && !final {
                        flush(i, &out)
                        carry.append(contentsOf: UnsafeBufferPointer(rebasing: s[i..<n]))
                        return
                    }
                    if Self.hasPrefix(s, at: i, "<![CDATA[") {
                        section = .cdata
                        i += 9
                        continue
                    }
                    if Self.hasPrefix(s, at: i, "<!--") {
                        section = .comment
                        i += 4
                        continue
                    }
                    i += 1
                    continue
                }
                guard b == 0x26 else {  // &
                    i += 1
                    continue
                }
                switch classifyReference(s, at: i, final: final) {
                case .incomplete:
                    flush(i, &out)
                    carry.append(contentsOf: UnsafeBufferPointer(rebasing: s[i..<n]))
                    return
                case .keep(let length):
                    i += length
                case .lowercaseHex(let length):
                    flush(i, &out)
                    out.append(contentsOf: [0x26, 0x23, 0x78])  // &#x
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: s[(i + 3)..<(i + length)]))
                    i += length
                    runStart = i
                case .bareAmpersand:
                    flush(i, &out)
                    out.append(contentsOf: Self.amp)
                    i += 1
                    runStart = i
                case .named(let scalars, let length):
                    flush(i, &out)
                    for scalar in scalars { Self.appendNumeric(scalar.value, to: &out) }
                    i += length
                    runStart = i
                }
            }
        }
        flush(n, &out)
    }

    private enum Reference {
        case incomplete
        case keep(Int)
        case lowercaseHex(Int)
        case bareAmpersand
        case named([Unicode.Scalar], Int)
    }

    private static let amp: [UInt8] = Array("&amp;".utf8)

    /// amp, lt, gt, quot, apos: checked on bytes, as `&lt;` and `&amp;` fill escaped HTML.
    private static func isXMLName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 2: return (name[0] == 0x6C || name[0] == 0x67) && name[1] == 0x74  // lt gt
        case 3: return name[0] == 0x61 && name[1] == 0x6D && name[2] == 0x70  // amp
        case 4:
            return (name[0] == 0x71 && name[1] == 0x75 && name[2] == 0x6F && name[3] == 0x74)  // quot
                || (name[0] == 0x61 && name[1] == 0x70 && name[2] == 0x6F && name[3] == 0x73)  // apos
        default: return false
        }
    }

    private func classifyReference(_ s: UnsafeBufferPointer<UInt8>, at start: Int, final: Bool) -> Reference {
        let n = s.count
        var j = start + 1
        if j < n && s[j] == 0x23 {  // &#
            j += 1
            var radix: UInt32 = 10
            if j < n && (s[j] == 0x78 || s[j] == 0x58) {
                radix = 16
                j += 1
            }
            let digitsStart = j
            var value: UInt32 = 0
            while j < n && j - start < Self.lookahead, let d = HTMLEntities.digitValue(s[j], radix: radix) {
                value = min(value &* radix &+ d, 0x11_0000)  // past Unicode either way; no overflow
                j += 1
            }
            if j == n && !final && j - start < Self.lookahead { return .incomplete }
            if j > digitsStart && j < n && s[j] == 0x3B {
                if value >= 0x80 && value <= 0x9F {
                    // HTML5 reads "&#146;" as windows-1252 does the byte 146 (’): old publishing
                    // tools wrote their curly quotes and dashes that way.
                    return .named([HTMLEntities.numeric(value)], j + 1 - start)
                }
                // XML spells the hexadecimal marker in lower case only; HTML accepts "&#X41;".
                return radix == 16 && s[start + 2] == 0x58 ? .lowercaseHex(j + 1 - start) : .keep(j + 1 - start)
            }
            return .bareAmpersand
        }
        while j < n && j - start <= Self.lookahead && Self.isNameByte(s[j]) { j += 1 }
        if j == n && !final && j - start <= Self.lookahead { return .incomplete }
        guard j > start + 1, j < n, s[j] == 0x3B else { return .bareAmpersand }
        let name = UnsafeBufferPointer(rebasing: s[(start + 1)..<j])
        if Self.isXMLName(name) { return .keep(j + 1 - start) }
        if let scalars = HTMLEntities.lookup(name) { return .named(scalars, j + 1 - start) }
        return .bareAmpersand
    }

    @inline(__always)
    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
    }

    private static func appendNumeric(_ v: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [0x26, 0x23, 0x78])  // &#x
        out.append(contentsOf: String(v, radix: 16, uppercase: true).utf8)
        out.append(0x3B)
    }

    private static func hasPrefix(_ s: UnsafeBufferPointer<UInt8>, at i: Int, _ p: StaticString) -> Bool {
        let count = p.utf8CodeUnitCount
        guard i + count <= s.count else { return false }
        return p.withUTF8Buffer { pb in
            for k in 0..<count where s[i + k] != pb[k] { return false }
            return true
        }
    }

    /// Where `bb>` (`]]>`, `-->`) first starts in `s` from `from`. The first byte is looked for
    /// with `memchr`: a CDATA section holds a whole HTML body, and looking for its end byte by byte
    /// was half of this pass's time over the real-world feeds of ../shared/corpus/dev.
    private static func find(twice b: UInt8, thenGreaterThanIn s: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = s.baseAddress else { return nil }
        var i = from
        let last = s.count - 3
        while i <= last {
            guard let p = memchr(base + i, Int32(b), last + 1 - i) else { return nil }
            i = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            if s[i + 1] == b && s[i + 2] == 0x3E { return i }
            i += 1
        }
        return nil
    }
}
