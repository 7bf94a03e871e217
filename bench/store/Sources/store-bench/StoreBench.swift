// Store benchmark: how fast the store tells new stories from seen ones when it already holds
// N of them (issue: >= 100,000 stories/s at 1,000,000; 10,000,000 must still work).
//
//   store-bench --stories 1000000 --dir /tmp/store-bench [--per-feed 1000] [--polls 400] [--seeded | --seed-only]
//
// `--seeded` times the polls on a store a previous run seeded with the same sizes (and left
// alone since: copy it aside first), to profile the polls without seeding again.
//
// Seeds N stories through the real write path (SQLiteStore.record, 1,000 feeds' worth of polls),
// then replays polls of 50 stories each on random feeds, precomputed so that only the store is
// timed: all seen (the common case: a feed polled again), and 90 % seen / 10 % new. Prints one
// Markdown table row.
import FeedwatchModel
import FeedwatchNormalise
import FeedwatchStore
import Foundation

struct Options {
    var stories = 1_000_000
    var perFeed = 1000
    var polls = 400
    var dir = "/tmp/store-bench"
    var seeded = false
    var seedOnly = false

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            if args[i] == "--seeded" {
                seeded = true
                i += 1
                continue
            }
            if args[i] == "--seed-only" {
                seedOnly = true
                i += 1
                continue
            }
            guard i + 1 < args.count else { break }
            let v = args[i + 1]
            switch args[i] {
            case "--stories": stories = Int(v) ?? stories
            case "--per-feed": perFeed = Int(v) ?? perFeed
            case "--polls": polls = Int(v) ?? polls
            case "--dir": dir = v
            default: break
            }
            i += 2
        }
    }
}

/// A deterministic generator (SplitMix64): the same polls on every run.
struct Random {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

func story(feed: Int, item: Int, now: Timestamp) -> Story {
    Normaliser.story(
        Entry(
            id: "urn:bench:\(feed):\(item)",
            link: "https://news\(feed % 97).example/\(feed)/story-\(item)?utm_source=rss",
            title: "Story \(item) of feed \(feed): coalition talks resume in Baghdad",
            summary:
                "US advisers and Iraqi officials met on \(item % 28 + 1) August to discuss the coalition's future.",
            published: Timestamp(seconds: now.seconds - Int64(item) * 60)))
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

@main
enum StoreBench {
    static func main() throws {
        let o = Options(CommandLine.arguments)
        if !o.seeded { try? FileManager.default.removeItem(atPath: o.dir) }
        let path = o.dir + "/bench.db"
        let store = try SQLiteStore(path: path)
        let clock = ContinuousClock()
        let now = Timestamp.now()
        let feeds = max(1, o.stories / o.perFeed)
        func url(_ f: Int) -> String { "https://news\(f % 97).example/feeds/\(f).xml" }
        func poll(_ at: Timestamp) -> PollRecord {
            PollRecord(polledAt: at, status: 200, nextPollAt: at.adding(seconds: 900))
        }

        // Seed, through the write path every poll takes: each feed's stories arrive in polls of a
        // 50-story window moving 50 stories at a time, as a busy news feed's would.
        let window = 50
        var seeded = 0
        var seedTime = Duration.zero
        for f in 0..<(o.seeded ? 0 : feeds) {
            for start in stride(from: 0, to: o.perFeed - window + 1, by: window) {
                let batch = (start..<start + window).map { story(feed: f, item: $0, now: now) }
                let t0 = clock.now
                let r = try store.recordInOwnTransaction(feedURL: url(f), poll: poll(now), stories: batch, decide: { _ in [] })
                seedTime += clock.now - t0
                seeded += r.new
            }
            if f % 1000 == 999 {
                FileHandle.standardError.write(Data("seeded \(seeded)\n".utf8))
            }
        }

        if o.seedOnly { return }
        // Polls on random feeds, precomputed: the feed's current window again (all seen, the usual
        // poll), then the window moved on by 5 stories (45 seen, 5 new, 5 gone).
        var random = Random(state: 2026)
        var head = [Int](repeating: o.perFeed, count: feeds)  // one past each feed's newest story
        func polls(advance: Int) -> [(String, [Story])] {
            (0..<o.polls).map { _ in
                let f = random.next(feeds)
                head[f] += advance
                return (url(f), (head[f] - window..<head[f]).map { story(feed: f, item: $0, now: now) })
            }
        }
        func run(_ workload: [(String, [Story])]) throws -> (rate: Double, new: Int) {
            var new = 0
            var n = 0
            let t0 = clock.now
            for (u, items) in workload {
                let r = try store.recordInOwnTransaction(feedURL: u, poll: poll(Timestamp.now()), stories: items, decide: { _ in [] })
                new += r.new
                n += items.count
            }
            return (Double(n) / seconds(clock.now - t0), new)
        }
        let seen = try run(polls(advance: 0))
        let mixed = try run(polls(advance: 5))
        let stats = try store.stats()
        let mb = Double(stats.bytes) / 1_048_576
        print(
            "| \(stats.stories) | \(String(format: "%.0f", Double(seeded) / seconds(seedTime))) | "
                + "\(String(format: "%.0f", seen.rate)) | "
                + "\(String(format: "%.0f", mixed.rate)) (\(mixed.new) new) | "
                + "\(String(format: "%.0f", mb)) | \(String(format: "%.0f", Double(stats.bytes) / Double(max(1, stats.stories)))) |"
        )
    }
}
