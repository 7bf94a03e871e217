import ArgumentParser
import FeedwatchConfig
import FeedwatchModel
import FeedwatchStore
import Foundation

/// `feedwatch store stats | prune | forget | export`: inspect and manage the seen-stories store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect and manage the store of seen stories.",
        discussion: """
            The store remembers every story seen in every feed, so that none is announced twice. \
            A story is forgotten ([stories] forget_after, 60 days) only once it has also left its \
            feed; the daemon prunes every six hours and `once` after each run. These commands work \
            while the daemon runs.
            """,
        subcommands: [Stats.self, Prune.self, Forget.self, Export.self])

    static func open(_ options: ConfigOptions) throws -> (Config, SQLiteStore) {
        let config = try options.load()
        return (config, try SQLiteStore.existing(path: config.storePath))
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stories per feed, size on disk.")

        @OptionGroup var options: ConfigOptions
        @Flag(help: "One JSON object.") var json = false

        func run() throws {
            let (config, store) = try StoreCommand.open(options)
            let s = try store.stats()
            let outbox = try store.outboxCounts()
            if json {
                var w = JSONWriter(capacity: 4096)
                w.beginObject()
                w.key("path")
                w.value(config.storePath)
                w.key("bytes")
                w.value(s.bytes)
                w.key("stories")
                w.value(s.stories)
                w.key("left_their_feed")
                w.value(s.gone)
                w.key("copies")
                w.value(s.copies)
                w.key("outbox_pending")
                w.value(outbox.values.reduce(0) { $0 + $1.pending })
                w.key("outbox_dead")
                w.value(outbox.values.reduce(0) { $0 + $1.dead })
                w.key("feeds")
                w.beginArray()
                for f in s.feeds {
                    w.beginObject()
                    w.key("url")
                    w.value(f.url)
                    w.key("title")
                    w.value(f.title)
                    w.key("stories")
                    w.value(f.stories)
                    w.key("first_seen")
                    w.value(f.firstSeen)
                    w.key("last_seen")
                    w.value(f.lastSeen)
                    w.key("last_document")
                    w.value(f.lastDocument)
                    w.key("configured")
                    w.value(config.feeds.contains { $0.url == f.url })
                    w.endObject()
                }
                w.endArray()
                w.endObject()
                print(w.string)
                return
            }
            let mb = Double(s.bytes) / 1_048_576
            print("\(config.storePath): \(String(format: "%.1f", mb)) MB")
            print("  \(s.stories) stories in \(s.feeds.count) feeds; \(s.gone) have left their feed")
            print("  \(s.copies) recorded as copies of a story another feed had first (not announced)")
            print(
                "  outbox: \(outbox.values.reduce(0) { $0 + $1.pending }) waiting, \(outbox.values.reduce(0) { $0 + $1.dead }) dead"
            )
            for f in s.feeds {
                var line = "  \(f.url): \(f.stories) stories"
                if let first = f.firstSeen { line += ", since \(first.rfc3339)" }
                if !config.feeds.contains(where: { $0.url == f.url }) { line += " (not in the configuration)" }
                print(line)
            }
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget stories that left their feed longer ago than [stories] forget_after.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Instead of forget_after, e.g. 30d.") var after: String?
        @Flag(help: "Only count them.") var dryRun = false

        func run() throws {
            let (config, store) = try StoreCommand.open(options)
            var retention = config.forgetAfter
            if let after {
                guard let d = DurationText.parse(after) else {
                    throw ValidationError("--after: invalid duration \"\(after)\" (write it like \"30d\")")
                }
                retention = d
            }
            let n =
                dryRun
                ? try store.prune(retention: retention, now: .now(), dryRun: true)
                : try store.prune(retention: retention, duplicateWindow: config.acrossFeeds, now: .now())
            print(
                dryRun
                    ? "\(n) stories left their feed more than \(DurationText.format(retention)) ago"
                    : "forgot \(n) stories that left their feed more than \(DurationText.format(retention)) ago")
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget one feed: its state and every story seen in it.",
            discussion: """
                Its next poll is a first poll again: each watch reports what its backlog allows, \
                not the whole archive. Events already in the outbox stay.
                """)

        @OptionGroup var options: ConfigOptions
        @Option(help: "The feed's URL as configured.") var feed: String

        func run() throws {
            let (_, store) = try StoreCommand.open(options)
            guard let n = try store.forget(feedURL: feed) else {
                Console.error("feedwatch: the store does not know the feed \(feed)")
                throw ExitCode.failure
            }
            print("forgot \(feed) and its \(n) stories")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every stored story as a JSON line.",
            discussion: """
                Fields: feed, key, key_source (id, link, text), content_hash (hex SHA-256), title, \
                link, published, first_seen, last_seen.
                """)

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let (_, store) = try StoreCommand.open(options)
            let out = OutputStream()
            var w = JSONWriter(capacity: 1024)
            try store.exportStories { s in
                w.removeAll()
                w.beginObject()
                w.key("feed")
                w.value(s.feedURL)
                w.key("key")
                w.value(s.key)
                w.key("key_source")
                w.value(s.keySource)
                w.key("content_hash")
                w.value(s.contentHash)
                w.key("title")
                w.value(s.title)
                w.key("link")
                w.value(s.link)
                w.key("published")
                w.value(s.published)
                w.key("first_seen")
                w.value(s.firstSeen)
                w.key("last_seen")
                w.value(s.lastSeen)
                if let copy = s.copyOf {
                    w.key("copy_of")
                    w.beginObject()
                    w.key("feed")
                    w.value(copy.feedURL)
                    w.key("key")
                    w.value(copy.key)
                    w.key("by")
                    w.value(copy.by)
                    w.endObject()
                }
                w.endObject()
                out.writeLine(w.bytes)
            }
            out.flush()
        }
    }
}
