import ArgumentParser
import FeedwatchConfig
import FeedwatchMatch
import FeedwatchModel
import FeedwatchParse
import FeedwatchStore
import Foundation

/// `feedwatch match`: which stories a watch catches, and why, before it goes live.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Show which entries of feeds, or of stories already seen, match watches, and why.",
        discussion: """
            Sources: feed files or http(s) URLs, or --since DURATION for the stories the store first \
            saw in that time (what a new watch would have caught). Watches: those of the \
            configuration (all, or the ones named with --watch), or one expression given with --expr \
            (the configuration's aliases apply when it can be read).
            Prints one JSON line per matching story: {"feed":{url,title},"story":{title,link,\
            published},"watches":[{name,terms:[{term,field}],snippet}]}; --all prints the others too, \
            with "watches":[]. A summary goes to stderr.
            Exit status: 0 done; 1 an input could not be read as a feed; 64 a bad expression or \
            option; 78 the configuration is invalid.
            """)

    @Option(name: .shortAndLong, help: "The configuration file (watches, aliases, store).")
    var config: String = "/etc/feedwatch/feedwatch.toml"

    @Option(help: "Only this watch (repeatable).")
    var watch: [String] = []

    @Option(help: "An expression to try instead of the configured watches.")
    var expr: String?

    @Option(help: "Replay the stories first seen within this time (e.g. 7d) from the store.")
    var since: String?

    @Flag(help: "Print stories that match nothing too.")
    var all = false

    @Option(help: "Base URL for relative links in local files.")
    var base: String?

    @Option(help: "An address block URLs may resolve to although it is not public (repeatable).")
    var allowAddress: [String] = []

    @OptionGroup var sources: InputOptions

    func validate() throws {
        if since == nil && sources.isEmpty {
            throw ValidationError("give feed files or URLs (or --files-from PATH), or --since DURATION")
        }
        if since != nil && !sources.isEmpty {
            throw ValidationError("--since replays the store: give no inputs with it")
        }
        if expr != nil && !watch.isEmpty { throw ValidationError("--expr and --watch exclude each other") }
    }

    func run() async throws {
        let loaded: Config? =
            expr != nil && since == nil ? try? ConfigLoader.load(path: config) : try ConfigOptions.load(path: config)
        let matcher = try makeMatcher(loaded)
        var tally = Tally(matcher: matcher, watches: Set(watch))
        let out = OutputStream()
        var failed = false
        if let since {
            guard let window = DurationText.parse(since) else {
                throw ValidationError("--since \(since): not a duration")
            }
            guard let loaded else { throw Exit.config }
            let store = try SQLiteStore.existing(path: loaded.storePath)
            let from = Timestamp.now().adding(seconds: -window.components.seconds)
            let seen = try store.stories(firstSeenSince: from)
            tally.report(
                seen.map { s in
                    Tally.Story(
                        text: StoryText(
                            title: s.title, summary: s.summary, content: s.content, categories: s.categories,
                            authors: s.authors, link: s.link ?? "", feed: "\(s.feedTitle) \(s.feedURL)"),
                        feedURL: s.feedURL, feedTitle: s.feedTitle, link: s.link, published: s.published)
                }, printAll: all, out: out)
        }
        let reader = FeedInput(
            base: base, limits: .default, allowAddresses: allowAddress, maxBodyBytes: 16 << 20)
        for input in try sources.all() {
            var feed = FeedInfo()
            var entries: [Entry] = []
            let ending: FeedInput.Ending
            if FeedInput.isURL(input) {
                (ending, entries) = await reader.readURL(input)
            } else {
                ending = reader.readFile(input, onFeed: { feed = $0 }, onEntry: { entries.append($0.resolved()) })
            }
            if ending.feed.title.isEmpty == false { feed = ending.feed }
            if let problem = ending.problem {
                Console.error("feedwatch: \(input): \(problem.isFatal ? "error" : "warning"): \(problem)")
            }
            if ending.failed { failed = true }
            tally.report(
                entries.map { e in
                    Tally.Story(
                        text: StoryText(entry: e, feedTitle: feed.title, feedURL: input), feedURL: input,
                        feedTitle: feed.title, link: e.link, published: e.published)
                }, printAll: all, out: out)
        }
        out.flush()
        Console.error(tally.summary)
        if failed { throw Exit.feedFailed }
    }

    private func makeMatcher(_ config: Config?) throws -> Matcher {
        guard let expr else {
            guard let config else { throw Exit.config }
            let names = Set(config.watches.map(\.name))
            for w in watch where !names.contains(w) {
                Console.error("feedwatch: no watch named '\(w)' in \(config.file)")
                throw Exit.usage
            }
            return config.matcher
        }
        do throws(WatchErrors) {
            return try Matcher(
                watches: [WatchDefinition(name: "expr", expression: expr)], aliases: config?.aliases ?? [:])
        } catch {
            for e in error.errors { Console.error("feedwatch: --expr: \(e.error)") }
            throw Exit.usage
        }
    }
}

/// Matches stories, prints the ones to print, and counts.
private struct Tally {
    let matcher: Matcher
    /// Only these watches (empty: all).
    let watches: Set<String>
    var stories = 0
    var matched = 0
    var matchTime: Duration = .zero
    var writer = JSONWriter(capacity: 4096)

    /// A story to match, and what its output line names.
    struct Story {
        let text: StoryText
        let feedURL: String
        let feedTitle: String
        let link: String?
        let published: Timestamp?
    }

    /// Matches a feed's stories (timed together: the clock is read once per feed, not per
    /// story, where reading it would cost a tenth of what matching a story does), then prints them.
    mutating func report(_ batch: [Story], printAll: Bool, out: OutputStream) {
        let start = Self.threadCPUTime()
        let results = batch.map { matcher.match($0.text) }
        matchTime += Self.threadCPUTime() - start
        for (story, matches) in zip(batch, results) {
            report(story, matches, printAll: printAll, out: out)
        }
    }

    private mutating func report(_ story: Story, _ matches: [WatchMatch], printAll: Bool, out: OutputStream) {
        stories += 1
        var matches = matches
        if !watches.isEmpty { matches = matches.filter { watches.contains($0.watch) } }
        if !matches.isEmpty { matched += 1 }
        guard printAll || !matches.isEmpty else { return }
        let text = story.text
        writer.removeAll()
        writer.beginObject()
        writer.key("feed")
        writer.beginObject()
        writer.key("url")
        writer.value(RedactedURL.text(story.feedURL))
        writer.key("title")
        writer.value(story.feedTitle)
        writer.endObject()
        writer.key("story")
        writer.beginObject()
        writer.key("title")
        writer.value(text.title)
        writer.key("link")
        writer.value(story.link)
        writer.key("published")
        writer.value(story.published)
        writer.endObject()
        writer.key("watches")
        writer.write(matches: matches)
        writer.endObject()
        out.writeLine(writer.bytes)
    }

    /// This thread's CPU time: what matching costs, without the time other processes take the
    /// CPU from it (on a shared machine, wall time varies by half between identical runs).
    static func threadCPUTime() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    var summary: String {
        let seconds = Double(matchTime.components.seconds) + Double(matchTime.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(stories) / seconds) : 0
        return "feedwatch: \(matched) of \(stories) stories match; matching took \(Int(seconds * 1000)) ms of CPU "
            + "(\(rate) stories/s against \(matcher.watchCount) watches)"
    }
}
