import ArgumentParser

/// The `feedwatch` command line: argv, logging set-up and wiring; the work is in the stage modules.
@main
struct Feedwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedwatch",
        abstract: "Watch news feeds and report new stories that match keyword watches.",
        discussion: """
            Exit status: 0 success; 1 a feed could not be polled or parsed; 64 a bad option or \
            expression; 75 events could not all be delivered (they stay queued); 78 the \
            configuration is invalid. The configuration format: feedwatch.toml(5).
            """,
        version: FeedwatchVersion.string,
        subcommands: [
            RunCommand.self, OnceCommand.self, CheckCommand.self, ParseCommand.self, MatchCommand.self,
            StatusCommand.self, OutboxCommand.self, StoreCommand.self, ReopenCommand.self, ImportCommand.self,
            ExportCommand.self, DecodeConfigCommand.self,
        ]
    )
}

/// Exit statuses, from sysexits(3) where one fits.
enum Exit {
    static let feedFailed = ExitCode(1)
    static let usage = ExitCode(64)  // EX_USAGE
    static let undelivered = ExitCode(75)  // EX_TEMPFAIL
    static let config = ExitCode(78)  // EX_CONFIG
}
