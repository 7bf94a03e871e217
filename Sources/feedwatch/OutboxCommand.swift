import ArgumentParser
import FeedwatchConfig
import FeedwatchModel
import FeedwatchStore
import Foundation

/// `feedwatch outbox list | retry | drop`: see and act on events waiting for their outputs.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List, retry or drop events waiting in the outbox.",
        discussion: """
            Events stay in the outbox until their output acknowledges them; those an output keeps \
            refusing past the retry horizon are dead-lettered there. A running daemon sees \
            retries within a minute.
            """,
        subcommands: [List.self, Retry.self, Drop.self])

    static func store(_ options: ConfigOptions) throws -> SQLiteStore {
        let config = try options.load()
        return try SQLiteStore.existing(path: config.storePath)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show waiting and dead-lettered events.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Only this output.") var output: String?
        @Flag(help: "Only dead-lettered events.") var dead = false
        @Option(help: "At most this many events.") var limit: Int = 100
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            let rows = try OutboxCommand.store(options).outbox(output: output, limit: max(1, limit))
                .filter { !dead || $0.state == "dead" }
            var w = JSONWriter(capacity: 1024)
            for r in rows {
                if json {
                    w.removeAll()
                    w.beginObject()
                    w.key("output")
                    w.value(r.item.output)
                    w.key("seq")
                    w.value(r.item.seq)
                    w.key("id")
                    w.value(r.item.eventID)
                    w.key("state")
                    w.value(r.state)
                    w.key("attempts")
                    w.value(r.item.attempts)
                    w.key("created_at")
                    w.value(r.item.createdAt)
                    w.key("next_attempt_at")
                    w.value(r.nextAttemptAt)
                    w.key("last_error")
                    w.value(r.item.lastError)
                    w.endObject()
                    print(String(decoding: w.bytes, as: UTF8.self))
                } else {
                    var line =
                        "\(r.item.output) #\(r.item.seq) \(r.item.eventID) \(r.state), \(r.item.attempts) attempts"
                    if r.state != "dead" { line += ", next \(r.nextAttemptAt.rfc3339)" }
                    if let e = r.item.lastError { line += ": \(e)" }
                    print(line)
                }
            }
            if !json { Console.error("feedwatch: \(rows.count) events") }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make waiting and dead-lettered events due now (dead letters get their attempts back).")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Only this output.") var output: String?

        func run() throws {
            let n = try OutboxCommand.store(options).retryOutbox(output: output, now: Timestamp.now())
            Console.error("feedwatch: \(n) events due now")
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete events by id; they will not be delivered.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Only from this output.") var output: String?
        @Argument(help: "Event ids (evt_…), as `outbox list` shows them.") var ids: [String]

        func run() throws {
            let store = try OutboxCommand.store(options)
            var dropped = 0
            for id in ids { dropped += try store.dropOutbox(eventID: id, output: output) }
            Console.error("feedwatch: dropped \(dropped) events")
            if dropped == 0 { throw Exit.feedFailed }
        }
    }
}
