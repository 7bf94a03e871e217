import ArgumentParser
import FeedwatchConfig
import FeedwatchDaemon
import FeedwatchStore
import Logging

/// `feedwatch run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll feeds on schedule and deliver matches until stopped.",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT. SIGHUP reloads the configuration (an invalid one is \
            logged and the running one kept) and reopens output files (logrotate). Under systemd \
            (Type=notify) it reports readiness, reloading, status and watchdog pings.
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        let logger = try options.logger(for: config)
        var daemon: Daemon
        do {
            daemon = try Daemon(config: config, logger: logger, userAgent: FeedwatchVersion.userAgent)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let path = options.config
        let reload: @Sendable () -> Result<Daemon, DaemonError> = {
            do throws(ConfigError) {
                let next = try ConfigLoader.load(path: path)
                do {
                    return .success(try Daemon(config: next, logger: logger, userAgent: FeedwatchVersion.userAgent))
                } catch let error as DaemonError {
                    return .failure(error)
                } catch {
                    return .failure(.store("\(error)"))
                }
            } catch {
                return .failure(.config(error.problems.map(\.description).joined(separator: "; ")))
            }
        }
        while let next = await daemon.run(reload: reload) {
            daemon = next
        }
    }
}
