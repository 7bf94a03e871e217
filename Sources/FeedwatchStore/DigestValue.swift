import Foundation

/// A SHA-256 digest (a story key, a content, link or text hash) as a value: hashed and compared
/// as four words, built without allocating. Keyed by `Data`, the per-poll sets and tables of
/// digests cost an allocation per digest and a hash over its bytes one at a time (about 5 % of the
/// store writer's samples in a cold cycle, stop 22).
struct DigestValue: Hashable {
    private let words: (UInt64, UInt64, UInt64, UInt64)
    /// Bytes beyond 32 are not kept; the length tells a shorter value from its zero-padded form.
    private let count: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(32))) }
        words = w
        count = bytes.count
    }

    init(_ bytes: [UInt8]) { self = bytes.withUnsafeBytes { DigestValue($0) } }

    init(_ data: Data) { self = data.withUnsafeBytes { DigestValue($0) } }

    static func == (a: DigestValue, b: DigestValue) -> Bool {
        a.words == b.words && a.count == b.count
    }

    func hash(into hasher: inout Hasher) {
        // The words of a SHA-256 digest are uniformly distributed: one of them is hash enough.
        hasher.combine(words.0)
    }
}
