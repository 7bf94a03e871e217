import ArgumentParser
import FeedwatchConfig
import FeedwatchFetch
import FeedwatchHTTP
import FeedwatchModel
import FeedwatchNormalise
import FeedwatchParse
import Foundation
import Glibc
import Synchronization

/// `feedwatch parse FILE|URL...`: parse feeds and print them as JSON lines, no store involved.
struct ParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse feeds and print JSON lines (a feed line, then one line per entry).",
        discussion: """
            For each input the first line is {"feed":{"title":…,"link":…,"format":…}}, with "error" \
            when the document could not be read as a feed and "warning" when it was recovered. Then \
            one object per entry: id, link, title, summary, content (plain text), published, updated \
            (RFC 3339 UTC or null), authors, categories, enclosures, media.
            Exit status: 0 if every input was read as a feed, 1 otherwise.
            """)

    @OptionGroup var sources: InputOptions

    @Option(help: "Base URL for relative links in local files.")
    var base: String?

    @Option(help: "Stop reading a document after this many entries.")
    var maxEntries: Int = 1_000_000

    @Option(help: "An address block URLs may resolve to although it is not public (repeatable), e.g. 127.0.0.1/32.")
    var allowAddress: [String] = []

    @Option(help: "For URLs: the largest response body read, decoded, in MiB (the daemon's fetch.max_body_mb).")
    var maxBodyMb: Int = 16

    @Option(help: "Files parsed at once (default: one per CPU). Output keeps the order of the inputs.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if sources.isEmpty { throw ValidationError("give feed files or URLs, or --files-from PATH") }
        // As the configuration's fetch.max_body_mb; more would not fit in the shift to bytes.
        let range = FetchSettings.maxBodyMBRange
        if !range.contains(maxBodyMb) {
            throw ValidationError("--max-body-mb must be \(range.lowerBound) to \(range.upperBound)")
        }
    }

    func run() async throws {
        let inputs = try sources.all()
        let out = OutputStream()
        var failed = false
        if inputs.contains(where: FeedInput.isURL) || jobs <= 1 || inputs.count == 1 {
            for input in inputs {
                let ok =
                    FeedInput.isURL(input)
                    ? await parseURL(input, out: out) : parseFile(input, out: out, pipelined: jobs > 1)
                if !ok { failed = true }
            }
        } else {
            failed = !parseFilesConcurrently(inputs, out: out)
        }
        out.flush()
        if failed { throw Exit.feedFailed }
    }

    /// Parses the files on `jobs` threads; the output is what a sequential run prints.
    private func parseFilesConcurrently(_ inputs: [String], out: OutputStream) -> Bool {
        let ordered = OrderedOutput(out: out, window: jobs * 16)
        let failures = Mutex(0)
        let count = inputs.count
        DispatchQueue.concurrentPerform(iterations: min(jobs, count)) { _ in
            while let job = ordered.take(below: count) {
                let stream = OutputStream(drain: { ordered.write(job, $0) })
                if !parseFile(inputs[job], out: stream) { failures.withLock { $0 += 1 } }
                stream.flush()
                ordered.finish(job)
            }
        }
        return failures.withLock { $0 } == 0
    }

    private var input: FeedInput {
        var limits = ParseLimits.default
        limits.maxEntries = maxEntries
        return FeedInput(
            base: base, limits: limits, allowAddresses: allowAddress, maxBodyBytes: maxBodyMb << 20)
    }

    /// Fetches and parses one URL (redirects, compression and the address policy as the daemon).
    private func parseURL(_ url: String, out: OutputStream) async -> Bool {
        let (ending, entries) = await input.readURL(url)
        var writer = JSONWriter(capacity: 4096)
        Self.writeFeedLine(
            ending.feed, problem: ending.problem, writer: &writer, out: out, rawError: ending.fetchError)
        for entry in entries { Self.writeEntry(entry, writer: &writer, out: out) }
        return !ending.failed
    }

    /// One entry line: the entry's fields, then its identity as the store would record it
    /// (`key_source`, `key`, `content_hash`; see README "Identity").
    private static func writeEntry(_ entry: Entry, writer: inout JSONWriter, out: OutputStream) {
        let identity = Normaliser.identity(entry)
        writer.removeAll()
        writer.beginObject()
        writer.write(fieldsOf: entry)
        writer.key("key_source")
        writer.value(identity.keySource.rawValue)
        writer.key("key")
        writer.value(Digest.hex(identity.key))
        writer.key("content_hash")
        writer.value(Digest.hex(identity.contentHash))
        writer.endObject()
        out.writeLine(writer.bytes)
    }

    private static func writeFeedLine(
        _ info: FeedInfo, problem: ParseProblem?, writer: inout JSONWriter, out: OutputStream, rawError: String? = nil
    ) {
        writer.removeAll()
        writer.beginObject()
        writer.key("feed")
        writer.beginObject()
        writer.key("title")
        writer.value(info.title)
        writer.key("link")
        writer.value(info.link)
        writer.key("format")
        writer.value(info.format?.rawValue)
        writer.endObject()
        if let rawError {
            writer.key("error")
            writer.value(rawError)
        } else if let problem {
            writer.key(problem.isFatal ? "error" : "warning")
            writer.value(problem.description)
        }
        writer.endObject()
        out.writeLine(writer.bytes)
    }

    /// Parses one file, streaming its entries to `out`. Returns false if it was not a feed.
    /// `pipelined`: the lines are built on a second thread while the parser reads on.
    private func parseFile(_ path: String, out: OutputStream, pipelined: Bool = false) -> Bool {
        // The feed line is written just before the first entry, or at the end when there is none,
        // so that a document with no entries carries its error on that single line.
        let lines = EntryLines(out: out, pipelined: pipelined) { item, writer, out in
            switch item {
            case .feed(let info): Self.writeFeedLine(info, problem: nil, writer: &writer, out: out)
            case .entry(let draft): Self.writeEntry(draft.resolved(), writer: &writer, out: out)
            }
        }
        var pendingFeed: FeedInfo? = nil
        let ending = input.readFile(
            path,
            onFeed: { info in pendingFeed = info },
            onEntry: { entry in lines.add(entry, feed: pendingFeed) })
        lines.finish()
        if !lines.feedWritten {
            var writer = JSONWriter(capacity: 1024)
            Self.writeFeedLine(ending.feed, problem: ending.problem, writer: &writer, out: out)
        } else if let problem = ending.problem {
            out.flush()
            Console.error("feedwatch: \(path): \(problem.isFatal ? "error" : "warning"): \(problem)")
        }
        return !ending.failed
    }
}
