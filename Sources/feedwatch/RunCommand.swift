import ArgumentParser
import FeedwatchConfig
import FeedwatchDaemon
import FeedwatchModel
import FeedwatchStore
import Logging
import Synchronization

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
        // Before the slow part of start-up: a SIGTERM from here on stops the daemon cleanly.
        SignalHandlers.catchEarly()
        let config = try options.load()
        let logger = try options.logger(for: config)
        let lock = Mutex(try InstanceLock.take(config.storePath, logger: logger))
        var daemon: Daemon
        do {
            daemon = try Daemon(config: config, logger: logger, userAgent: FeedwatchVersion.userAgent)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let feedCount = FeedCount(config.feeds.count)
        let metrics = try startMetrics(config, feedCount: feedCount, logger: logger)
        defer { metrics?.stop() }
        let path = options.config
        let reload: @Sendable () -> Result<Daemon, DaemonError> = {
            do throws(ConfigError) {
                let next = try ChildConfigReader.load(path: path) { why in
                    logger.warning(
                        "configuration read in this process, whose memory keeps it",
                        metadata: ["reason": "\(why)"])
                }
                feedCount.value.withLock { $0 = next.feeds.count }
                // A different store needs its own lock before anything touches it.
                if InstanceLock.path(forStore: next.storePath) != lock.withLock({ $0.path }) {
                    do {
                        let taken = try InstanceLock(store: next.storePath)
                        lock.withLock { $0 = taken }
                    } catch {
                        return .failure(.store("\(error)"))
                    }
                }
                if next.metricsListen != metrics?.address {
                    logger.warning("[metrics] listen changes take effect at the next start, not on reload")
                }
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

    /// The configured-feed count the metrics report, updated on reload.
    final class FeedCount: Sendable {
        let value: Mutex<Int>
        init(_ n: Int) { value = Mutex(n) }
    }

    /// Starts the Prometheus endpoint when `[metrics] listen` is set; gauges are read at scrape
    /// time from the store (outbox depth per output) and the configuration (feeds).
    private func startMetrics(_ config: Config, feedCount: FeedCount, logger: Logger) throws -> MetricsServer? {
        guard let address = config.metricsListen else { return nil }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: config.storePath)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        do {
            let server = try MetricsServer(address: address) {
                var pending: [String: Double] = [:]
                var dead: [String: Double] = [:]
                for (name, c) in (try? store.outboxCounts()) ?? [:] {
                    let labels = Metrics.labels(["output": name])
                    pending[labels] = Double(c.pending)
                    dead[labels] = Double(c.dead)
                }
                return [
                    "feedwatch_outbox_pending": pending, "feedwatch_outbox_dead": dead,
                    "feedwatch_feeds": ["": Double(feedCount.value.withLock { $0 })],
                ]
            }
            logger.notice("metrics served", metadata: ["address": "http://\(address)/metrics"])
            return server
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
