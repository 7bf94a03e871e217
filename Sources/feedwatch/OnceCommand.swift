import ArgumentParser
import FeedwatchConfig
import FeedwatchDaemon
import FeedwatchStore
import Logging

/// `feedwatch once`: one poll of every feed, delivery, exit.
struct OnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "Poll every feed once, deliver new matches, and exit.",
        discussion: """
            Exit status: 0 when every feed was polled; 1 when any feed failed; 75 when feeds were \
            polled but some events could not be delivered (they stay queued for the next run, or were \
            dead-lettered in this one: see feedwatch outbox list --dead).
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        let logger = try options.logger(for: config)
        let lock = try InstanceLock.take(config.storePath, logger: logger)
        defer { withExtendedLifetime(lock) {} }
        let daemon: Daemon
        do {
            daemon = try Daemon(config: config, logger: logger, userAgent: FeedwatchVersion.userAgent)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let summary = await daemon.once()
        let new = summary.reports.reduce(0) { $0 + $1.result.new }
        let events = summary.reports.reduce(0) { $0 + $1.result.events }
        let undelivered = summary.undelivered.values.reduce(0, +)
        logger.notice(
            "done",
            metadata: [
                "feeds": "\(summary.reports.count)", "failed": "\(summary.failedFeeds)", "new": "\(new)",
                "events": "\(events)", "undelivered": "\(undelivered)",
            ])
        if summary.failedFeeds > 0 { throw Exit.feedFailed }
        if undelivered > 0 { throw Exit.undelivered }
    }
}
