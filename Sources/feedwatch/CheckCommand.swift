import ArgumentParser
import FeedwatchConfig
import FeedwatchModel
import Foundation

/// `feedwatch check`: validate the configuration and summarise it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and print a summary, or every error as file:line: message.")

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/feedwatch/feedwatch.toml"

    func run() throws {
        let c: Config
        do throws(ConfigError) {
            c = try ConfigLoader.load(path: config)
        } catch {
            for p in error.problems { Console.error(p.description) }
            Console.error("\(config): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")")
            throw Exit.config
        }
        let env = ProcessInfo.processInfo.environment
        var out = "\(config): configuration OK\n"
        out += "  \(c.feeds.count) feeds, \(c.watches.count) watches, \(c.outputs.count) outputs\n"
        out += "  store: \(c.storePath)\n"
        for f in c.feeds {
            out +=
                "  feed \(f.url)\(f.name.map { " (\($0))" } ?? "") every \(DurationText.format(f.interval ?? c.interval))\n"
        }
        for w in c.watches { out += "  watch \(w.name) -> \(w.outputs.joined(separator: ", "))\n" }
        for o in c.outputs {
            switch o.kind {
            case .jsonl(let path, let fsync):
                out += "  output \(o.name): jsonl \(path == "-" ? "standard output" : path) (fsync \(fsync.rawValue))\n"
            case .webhook(let w):
                var line = "  output \(o.name): webhook \(w.url) (\(w.format.rawValue)"
                if w.batch > 1 { line += ", \(w.batch) events per POST" }
                line += ", retried \(w.retry.horizon.map { "for " + DurationText.format($0) } ?? "for ever"))"
                if let secret = w.secret {
                    line += w.format == .telegram ? ", bot token in \(secret)" : ", signed with the secret in \(secret)"
                    if case .environment(let name) = secret, env[name] == nil {
                        line += " (not set in this environment)"
                    }
                } else {
                    line += ", unsigned"
                }
                out += line + "\n"
            }
        }
        print(out, terminator: "")
    }
}
