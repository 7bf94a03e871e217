internal import CCrypto

/// SHA-256 and HMAC-SHA256 through libcrypto (OpenSSL 3), the system's audited implementation.
public enum Digest {
    /// SHA-256 fetched from the provider once: without it, OpenSSL 3 fetches the implementation
    /// again, under a lock, for every digest (five per entry parsed). Immutable once fetched, and
    /// documented as safe to share between threads.
    nonisolated(unsafe) private static let sha256Method: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    /// The SHA-256 of `bytes`, 32 bytes.
    public static func sha256<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: 32)
        var outLength: UInt32 = 0
        let ok = bytes.withContiguousStorageIfAvailable { buf in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(buf.baseAddress, buf.count, o.baseAddress, &outLength, sha256Method ?? EVP_sha256(), nil)
            }
        }
        if ok == nil {
            let copy = Array(bytes)
            _ = copy.withUnsafeBufferPointer { buf in
                out.withUnsafeMutableBufferPointer { o in
                    EVP_Digest(buf.baseAddress, buf.count, o.baseAddress, &outLength, sha256Method ?? EVP_sha256(), nil)
                }
            }
        }
        return out
    }

    public static func sha256(_ s: String) -> [UInt8] {
        var s = s
        return s.withUTF8 { sha256($0) }
    }

    /// SHA-256 over bytes given in parts: the digest of their concatenation, without building it.
    /// One context serves several digests in turn (`start` begins the next).
    public struct SHA256: ~Copyable {
        private let context: OpaquePointer?

        public init() { context = EVP_MD_CTX_new() }

        deinit { EVP_MD_CTX_free(context) }

        /// Begins a digest, with `prefix` (a domain tag such as "feedwatch-text-v1\n") first.
        public func start(_ prefix: StaticString) {
            EVP_DigestInit_ex2(context, sha256Method ?? EVP_sha256(), nil)
            update(UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
        }

        public func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        public func update(_ s: String) {
            var s = s
            s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
        }

        /// The digest of everything given since `start`, 32 bytes.
        public func finish() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            out.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
            return out
        }
    }

    /// HMAC-SHA256 of `message` under `key`, 32 bytes.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLength: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    _ = HMAC(
                        EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress, &outLength)
                }
            }
        }
        return out
    }

    /// Compares two byte strings in time that depends only on their lengths (for signatures).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 }
        }
    }

    /// Lower-case hexadecimal.
    public static func hex(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = hexDigit(b >> 4)
                out[2 * i + 1] = hexDigit(b & 0xF)
            }
            return bytes.count * 2
        }
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}
