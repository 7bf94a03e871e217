import Foundation

/// Base64 as Atom 0.3 `mode="base64"` content uses it (line breaks and stray characters ignored).
enum Base64 {
    static func decode(_ bytes: [UInt8]) -> [UInt8] {
        guard let data = Data(base64Encoded: Data(bytes), options: .ignoreUnknownCharacters) else { return [] }
        return Array(data)
    }
}
