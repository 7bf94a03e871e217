import ArgumentParser
import FeedwatchConfig
import FeedwatchModel
import FeedwatchStore
import Foundation

/// `feedwatch status`: what the daemon is doing, read from its store (works while it runs).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each feed's and output's state and the store's size, read from the store.",
        discussion: """
            Per feed: last poll, HTTP status, share of 304 answers, error streak and last error, next \
            poll. Per output: events waiting, dead letters, delivered, last success. Works while the \
            daemon runs (the store is read through WAL); never creates a store: with none there yet \
            it says so and exits 1. --json prints one object for machines.
            """)

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/feedwatch/feedwatch.toml"

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let c = try ConfigOptions.load(path: config)
        let store = try SQLiteStore.existing(path: c.storePath)
        let states = try store.feedStates()
        let outbox = try store.outboxCounts()
        let size = try store.size()
        let now = Timestamp.now()
        if json {
            print(String(decoding: jsonReport(c, states, outbox, size), as: UTF8.self))
        } else {
            print(textReport(c, states, outbox, size, now: now), terminator: "")
        }
    }

    private func notModifiedShare(_ s: FeedState?) -> Double? {
        guard let s, s.polls > 0 else { return nil }
        return Double(s.notModified) / Double(s.polls)
    }

    private func jsonReport(
        _ c: Config, _ states: [String: FeedState], _ outbox: [String: OutboxCounts],
        _ size: (stories: Int, bytes: Int64)
    ) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.key("store")
        w.beginObject()
        w.key("path")
        w.value(c.storePath)
        w.key("stories")
        w.value(size.stories)
        w.key("bytes")
        w.value(size.bytes)
        w.endObject()
        w.key("feeds")
        w.beginArray()
        for f in c.feeds {
            let s = states[f.url]
            w.beginObject()
            w.key("url")
            w.value(RedactedURL.text(f.url))
            w.key("title")
            w.value(f.name ?? s?.title ?? "")
            w.key("polls")
            w.value(s?.polls ?? 0)
            w.key("last_poll")
            w.value(s?.lastPolledAt)
            w.key("last_success")
            w.value(s?.lastSuccessAt)
            w.key("last_status")
            w.value(s?.lastStatus.map(Int64.init))
            w.key("not_modified_share")
            if let share = notModifiedShare(s) { w.value(Int64((share * 1000).rounded())) } else { w.null() }
            w.key("error_streak")
            w.value(s?.errorStreak ?? 0)
            w.key("last_error")
            w.value(s?.lastError)
            w.key("next_poll")
            w.value(s?.nextPollAt)
            w.endObject()
        }
        w.endArray()
        w.key("outputs")
        w.beginArray()
        for o in c.outputs {
            let counts = outbox[o.name] ?? OutboxCounts()
            w.beginObject()
            w.key("name")
            w.value(o.name)
            w.key("pending")
            w.value(counts.pending)
            w.key("dead")
            w.value(counts.dead)
            w.key("delivered")
            w.value(counts.delivered)
            w.key("last_success")
            w.value(counts.lastSuccessAt)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    private func textReport(
        _ c: Config, _ states: [String: FeedState], _ outbox: [String: OutboxCounts],
        _ size: (stories: Int, bytes: Int64), now: Timestamp
    ) -> String {
        func ago(_ t: Timestamp?) -> String {
            guard let t else { return "never" }
            let d = now.seconds - t.seconds
            return d >= 0 ? "\(DurationText.format(.seconds(d))) ago" : "in \(DurationText.format(.seconds(-d)))"
        }
        var out = "store \(c.storePath): \(size.stories) stories, \(size.bytes / 1024) KiB\n"
        out += "feeds:\n"
        for f in c.feeds {
            let s = states[f.url]
            var line = "  \(RedactedURL.text(f.url))\n    last poll \(ago(s?.lastPolledAt))"
            if let status = s?.lastStatus { line += ", HTTP \(status == 0 ? "-" : String(status))" }
            if let share = notModifiedShare(s) { line += ", 304 \(Int((share * 100).rounded()))%" }
            line += ", errors \(s?.errorStreak ?? 0)"
            if let e = s?.lastError, (s?.errorStreak ?? 0) > 0 { line += " (\(e))" }
            line += ", next poll \(ago(s?.nextPollAt))\n"
            out += line
        }
        out += "outputs:\n"
        for o in c.outputs {
            let counts = outbox[o.name] ?? OutboxCounts()
            out +=
                "  \(o.name): \(counts.pending) waiting, \(counts.dead) dead, \(counts.delivered) delivered, "
                + "last success \(ago(counts.lastSuccessAt))\n"
        }
        return out
    }
}
