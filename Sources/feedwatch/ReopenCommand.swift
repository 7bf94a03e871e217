import ArgumentParser
import FeedwatchConfig
import FeedwatchDaemon
import Glibc
import Logging

/// `feedwatch reopen`: tells the running daemon to reopen its output files (logrotate).
struct ReopenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Ask the running daemon to reopen its JSON-lines files (after logrotate moved them).",
        discussion: """
            Sends SIGUSR1 to the daemon that holds the store's lock (its pid is in the .pid file \
            beside the store). Nothing else changes: the configuration is not reloaded. Exit status \
            1 when no daemon is running on the store.
            """)

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config = try options.load()
        guard let pid = InstanceLock.holder(ofStore: config.storePath) else {
            Console.error("no feedwatch is running on \(config.storePath)")
            throw ExitCode.failure
        }
        guard kill(pid, SIGUSR1) == 0 else {
            Console.error("cannot signal feedwatch (pid \(pid)): \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        print("asked feedwatch (pid \(pid)) to reopen its outputs")
    }
}

extension InstanceLock {
    /// Takes the store's lock for a command that polls and delivers, or logs why not and exits 1.
    static func take(_ store: String, logger: Logger) throws -> InstanceLock {
        do {
            return try InstanceLock(store: store)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
