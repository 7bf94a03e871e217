import FeedwatchModel
import Foundation

/// Signatures per the Standard Webhooks specification (https://www.standardwebhooks.com):
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one signature per
/// secret, space-separated, so that a receiver can rotate secrets without missing a delivery.
public struct WebhookSigner: Sendable {
    private let keys: [[UInt8]]

    /// - Parameter secrets: one or more `whsec_<base64>` secrets, separated by white space.
    public init(secrets: String) throws {
        var keys: [[UInt8]] = []
        for word in secrets.split(whereSeparator: { $0.isWhitespace }) {
            guard word.hasPrefix("whsec_"), let data = Data(base64Encoded: String(word.dropFirst(6))), !data.isEmpty
            else {
                // The secret itself is never echoed.
                throw WebhookSecretError.malformed
            }
            keys.append(Array(data))
        }
        guard !keys.isEmpty else { throw WebhookSecretError.empty }
        self.keys = keys
    }

    /// The `webhook-signature` header value for a message.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        let content = Array("\(id).\(timestamp).".utf8) + body
        return keys.map { "v1," + Data(Digest.hmacSHA256(key: $0, message: content)).base64EncodedString() }
            .joined(separator: " ")
    }
}

public enum WebhookSecretError: Error, CustomStringConvertible {
    case malformed
    case empty

    public var description: String {
        switch self {
        case .malformed: return "the secret is not in the form whsec_<base64>"
        case .empty: return "the secret is empty"
        }
    }
}
