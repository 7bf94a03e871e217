internal import CByteScan
import FeedwatchModel
import Glibc

/// Converts a document's bytes, chunk by chunk, into valid UTF-8 that is also legal XML text.
///
/// - UTF-8 input: valid sequences are copied; a byte that starts no valid sequence is read as
///   windows-1252 (see `Charset`). C1 controls (U+0080-U+009F) are read as the windows-1252
///   characters their values name, as browsers and feedparser do.
/// - Other encodings: glibc's iconv; an unconvertible byte becomes U+FFFD.
/// - Either way, characters XML forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF)
///   are removed, so that one stray byte does not cost the parser its recovery of the rest.
///
/// A sequence cut by the end of a chunk is kept back and completed by the next chunk.
struct Transcoder: ~Copyable {
    private let reading: Charset.Reading
    private var carry: [UInt8] = []
    private var cd: iconv_t? = nil
    private(set) var replacements = 0

    init(reading: Charset.Reading) {
        self.reading = reading
        if case .iconv(let name) = reading {
            let handle = iconv_open("UTF-8", name)
            cd = handle == iconv_t(bitPattern: -1) ? nil : handle
        }
    }

    deinit {
        if let cd { iconv_close(cd) }
    }

    mutating func transcode(_ input: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt8]) {
        if carry.isEmpty {
            convert(input, final: final, into: &out)
        } else {
            var joined = carry
            carry.removeAll(keepingCapacity: true)
            joined.append(contentsOf: input)
            joined.withUnsafeBufferPointer { convert($0, final: final, into: &out) }
        }
    }

    private mutating func convert(_ input: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt8]) {
        switch reading {
        case .utf8: utf8(input, final: final, into: &out)
        case .iconv:
            if cd != nil {
                iconvConvert(input, final: final, into: &out)
            } else {
                utf8(input, final: final, into: &out)
            }
        }
    }

    private mutating func utf8(_ s: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + s.count + s.count / 8)
        let n = s.count
        var i = 0
        var runStart = 0
        @inline(__always) func flush(_ upTo: Int, _ out: inout [UInt8]) {
            if runStart < upTo { out.append(contentsOf: UnsafeBufferPointer(rebasing: s[runStart..<upTo])) }
        }
        while i < n {
            // Fast path: printable ASCII, tabs and line ends.
            i = ByteScan.skip(s, from: i) {
                fw_high16($0) | fw_bytes16($0, 0x20, 0, 0, 0) & ~fw_bytes16($0, 0, 0x09, 0x0A, 0x0D)
            }
            guard i < n else { break }
            let b = s[i]
            if b >= 0x20 && b < 0x80 {
                i += 1
                continue
            }
            if b < 0x20 {
                if b == 0x09 || b == 0x0A || b == 0x0D {
                    i += 1
                    continue
                }
                flush(i, &out)  // drop the control byte
                i += 1
                runStart = i
                continue
            }
            let len = UTF8Validation.sequenceLength(lead: b)
            if len > 0 && i + len > n && !final {
                // A sequence cut by the chunk boundary: keep it for the next chunk if what there is
                // of it is valid so far.
                var plausible = true
                var k = 1
                while i + k < n {
                    if s[i + k] & 0xC0 != 0x80 { plausible = false }
                    k += 1
                }
                if plausible {
                    flush(i, &out)
                    carry.append(contentsOf: UnsafeBufferPointer(rebasing: s[i..<n]))
                    return
                }
            }
            if len > 0 && i + len <= n && UTF8Validation.isValidSequence(s, at: i, length: len) {
                if len == 2 && b == 0xC2 && s[i + 1] < 0xA0 {
                    // U+0080-U+009F: C1 controls are windows-1252 text encoded twice.
                    flush(i, &out)
                    out.append(contentsOf: Windows1252.scalar(s[i + 1]).utf8)
                    replacements += 1
                    i += 2
                    runStart = i
                    continue
                }
                if len == 3 && b == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE {
                    flush(i, &out)  // U+FFFE, U+FFFF are not XML characters
                    i += 3
                    runStart = i
                    continue
                }
                i += len
                continue
            }
            flush(i, &out)
            out.append(contentsOf: Windows1252.scalar(b).utf8)
            replacements += 1
            i += 1
            runStart = i
        }
        flush(n, &out)
    }

    private mutating func iconvConvert(_ s: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt8]) {
        guard let cd, let base = s.baseAddress else { return }
        var inPtr = UnsafeMutablePointer<CChar>(OpaquePointer(base))
        var inLeft = s.count
        var buffer = [UInt8](repeating: 0, count: max(4096, s.count * 4))
        var converted = [UInt8]()
        converted.reserveCapacity(s.count * 2)
        while inLeft > 0 {
            let (rc, produced): (Int, Int) = buffer.withUnsafeMutableBufferPointer { ob in
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer<CChar>(OpaquePointer(ob.baseAddress))
                var outLeft = ob.count
                var inOpt: UnsafeMutablePointer<CChar>? = inPtr
                let rc = iconv(cd, &inOpt, &inLeft, &outPtr, &outLeft)
                if let p = inOpt { inPtr = p }
                return (rc, ob.count - outLeft)
            }
            converted.append(contentsOf: buffer[0..<produced])
            if rc != -1 { continue }
            switch errno {
            case E2BIG:
                continue
            case EINVAL where !final:
                // Incomplete multi-byte sequence at the end of the chunk.
                carry.append(
                    contentsOf: UnsafeBufferPointer(
                        start: UnsafeRawPointer(inPtr).assumingMemoryBound(to: UInt8.self), count: inLeft))
                inLeft = 0
            default:
                // Invalid (or, at the end, incomplete) input: one replacement character, skip a byte.
                converted.append(contentsOf: ("\u{FFFD}" as Unicode.Scalar).utf8)
                replacements += 1
                inPtr += 1
                inLeft -= 1
            }
        }
        // The converted text is valid UTF-8; the UTF-8 pass removes what XML forbids.
        converted.withUnsafeBufferPointer { utf8($0, final: true, into: &out) }
    }
}
