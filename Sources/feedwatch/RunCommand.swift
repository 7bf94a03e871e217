import ArgumentParser
import FeedwatchDaemon
import FeedwatchStore
import Logging

/// `feedwatch run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll feeds on schedule and deliver matches until stopped.",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT; SIGHUP reopens output files (logrotate). Under \
            systemd (Type=notify) it reports readiness, status and watchdog pings.
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        let logger = try options.logger(for: config)
        let daemon: Daemon
        do {
            daemon = try Daemon(config: config, logger: logger, userAgent: FeedwatchVersion.userAgent)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        await daemon.run()
    }
}
