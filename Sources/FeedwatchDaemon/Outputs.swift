import FeedwatchConfig
import FeedwatchDeliver
import FeedwatchHTTP
import FeedwatchModel
import Foundation

/// Builds the output sinks a configuration names, reading webhook secrets where they live.
enum Outputs {
    static func make(_ settings: [OutputSettings], client: HTTPClient, environment: [String: String]) throws
        -> [any OutputSink]
    {
        try settings.map { o -> any OutputSink in
            switch o.kind {
            case .jsonl(let path, let fsync):
                do {
                    return try JSONLinesSink(name: o.name, path: path, fsync: fsync.rawValue)
                } catch {
                    throw DaemonError.output(o.name, "\(error)")
                }
            case .webhook(let w):
                return try webhook(o.name, w, client: client, environment: environment)
            }
        }
    }

    /// A webhook sink. The secret signs deliveries (Standard Webhooks), except for Telegram, where
    /// it is the bot token that goes in the request path.
    private static func webhook(
        _ name: String, _ w: WebhookSettings, client: HTTPClient, environment: [String: String]
    ) throws -> WebhookSink {
        let secret = try w.secret.map { try readSecret($0, output: name, environment: environment) }
        var signer: WebhookSigner? = nil
        let style: MessageStyle
        switch w.format {
        case .native: style = .native
        case .slack: style = .slack
        case .discord: style = .discord
        case .teams: style = .teams
        case .ntfy: style = .ntfy
        case .template:
            guard let template = w.template else {
                throw DaemonError.output(name, "format template without a template")
            }
            style = .template(template)
        case .telegram:
            let token = secret?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard let chatID = w.chatID, !token.isEmpty else {
                throw DaemonError.output(name, "format telegram needs chat_id and a bot token")
            }
            style = .telegram(chatID: chatID, token: token)
        }
        if w.format != .telegram, let text = secret, let source = w.secret {
            do {
                signer = try WebhookSigner(secrets: text)
            } catch {
                throw DaemonError.output(name, "secret from \(source): \(error)")
            }
        }
        return WebhookSink(
            name: name, url: w.url, style: style, signer: signer, timeout: w.timeout, batch: w.batch, retry: w.retry,
            client: client)
    }

    /// The secret's text. A relative `secret_file` is looked up in `$CREDENTIALS_DIRECTORY`
    /// (systemd's LoadCredential=). The secret never appears in an error.
    static func readSecret(_ source: SecretSource, output: String, environment: [String: String]) throws -> String {
        switch source {
        case .environment(let name):
            guard let v = environment[name], !v.isEmpty else {
                throw DaemonError.output(output, "environment variable \(name) (secret_env) is not set")
            }
            return v
        case .file(let path):
            var full = path
            if !path.hasPrefix("/") {
                guard let dir = environment["CREDENTIALS_DIRECTORY"] else {
                    throw DaemonError.output(
                        output,
                        "secret_file \"\(path)\" is relative but $CREDENTIALS_DIRECTORY is not set (use LoadCredential= or an absolute path)"
                    )
                }
                full = (dir as NSString).appendingPathComponent(path)
            }
            guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8)
            else {
                throw DaemonError.output(output, "cannot read secret_file \(full)")
            }
            return text
        }
    }
}

/// Why the daemon could not start.
public enum DaemonError: Error, CustomStringConvertible {
    case output(String, String)
    case store(String)
    /// The configuration file could not be loaded (its problems, one per line).
    case config(String)
    /// The metrics endpoint could not be set up.
    case metrics(String)

    public var description: String {
        switch self {
        case .output(let name, let why): return "output \"\(name)\": \(why)"
        case .store(let why): return why
        case .config(let problems): return problems
        case .metrics(let why): return "metrics: \(why)"
        }
    }
}
