import Synchronization

/// The two Unicode properties the text normalisation asks of each character beyond ASCII (is it
/// white space; does it change when lower-cased), remembered per character of the Basic
/// Multilingual Plane once the standard library has answered, so that a character seen before
/// costs one load.
///
/// Why: the standard library answers each question by a search in its property tables. Over the
/// 170 real-world feeds of ../shared/corpus/dev, many written in scripts beyond ASCII, those
/// searches were a fifth of `feedwatch parse`'s time. The answers are the standard library's own
/// (the digests that read the normalised text stay the same). Filled as characters are met, not
/// all at once: asking for the whole plane takes 10-30 ms, which a one-file `feedwatch parse`
/// would pay for a handful of characters. Characters beyond the plane (emoji, historic scripts)
/// are asked each time.
enum ScalarFlags {
    static let whitespace: UInt8 = 1
    static let changesWhenLowercased: UInt8 = 2
    /// Set in a remembered entry, so that 0 means "not asked yet".
    private static let known: UInt8 = 0x80

    /// One byte per scalar below U+10000. Atomic because the normalising threads fill it at once;
    /// relaxed, because an entry is one byte and whoever writes it writes the same value.
    private nonisolated(unsafe) static let bmp: UnsafeMutablePointer<Atomic<UInt8>> = {
        let table = UnsafeMutablePointer<Atomic<UInt8>>.allocate(capacity: 0x1_0000)
        for i in 0..<0x1_0000 { (table + i).initialize(to: Atomic(0)) }
        return table
    }()

    private static func ask(_ scalar: Unicode.Scalar) -> UInt8 {
        (scalar.properties.isWhitespace ? whitespace : 0)
            | (scalar.properties.changesWhenLowercased ? changesWhenLowercased : 0)
    }

    @inline(__always)
    static func of(_ scalar: Unicode.Scalar) -> UInt8 {
        let v = Int(scalar.value)
        guard v < 0x1_0000 else { return ask(scalar) }
        let remembered = bmp[v].load(ordering: .relaxed)
        if remembered != 0 { return remembered & ~known }
        let flags = ask(scalar)
        bmp[v].store(flags | known, ordering: .relaxed)
        return flags
    }
}
