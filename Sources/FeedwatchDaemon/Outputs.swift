import FeedwatchConfig
import FeedwatchDeliver
import FeedwatchHTTP
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
            case .webhook(let url, let secret, let timeout, let format):
                var signer: WebhookSigner? = nil
                if let secret {
                    let text = try readSecret(secret, output: o.name, environment: environment)
                    do {
                        signer = try WebhookSigner(secrets: text)
                    } catch {
                        throw DaemonError.output(o.name, "secret from \(secret): \(error)")
                    }
                }
                return WebhookSink(
                    name: o.name, url: url, signer: signer, timeout: timeout, format: format, client: client)
            }
        }
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
