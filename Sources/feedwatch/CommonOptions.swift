import ArgumentParser
import FeedwatchConfig
import FeedwatchDaemon
import Foundation
import Logging
import Synchronization

/// Options shared by the commands that read a configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/feedwatch/feedwatch.toml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error (overrides log_level).")
    var logLevel: String?

    /// Loads and validates the configuration, or prints every problem and exits with 78.
    func load() throws -> Config { try Self.load(path: config) }

    /// The same for commands that name the file without the other options.
    static func load(path: String) throws -> Config {
        do throws(ConfigError) {
            return try ConfigLoader.load(path: path)
        } catch {
            for p in error.problems { Console.error(p.description) }
            throw Exit.config
        }
    }

    /// Sets up logging to stderr at the configured level and returns the root logger.
    func logger(for config: Config) throws -> Logger {
        let name = logLevel ?? config.logLevel
        guard let level = Logger.Level(name: name) else {
            throw ValidationError("unknown log level '\(name)'")
        }
        LogBootstrap.once(level: level)
        return Logger(label: "feedwatch")
    }
}

/// swift-log may be bootstrapped once per process.
enum LogBootstrap {
    private static let done = Mutex(false)

    static func once(level: Logger.Level) {
        let first = done.withLock { d -> Bool in
            defer { d = true }
            return !d
        }
        if first { LoggingSystem.bootstrap { StderrLogHandler(label: $0, level: level) } }
    }
}
