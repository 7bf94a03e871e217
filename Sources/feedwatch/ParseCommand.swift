import ArgumentParser
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

    @Argument(help: "Feed files, or http(s) URLs.")
    var inputs: [String]

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

    func run() async throws {
        let out = OutputStream()
        var failed = false
        if inputs.contains(where: Self.isURL) || jobs <= 1 || inputs.count == 1 {
            for input in inputs {
                let ok = Self.isURL(input) ? await parseURL(input, out: out) : parseFile(input, out: out)
                if !ok { failed = true }
            }
        } else {
            failed = !parseFilesConcurrently(out: out)
        }
        out.flush()
        if failed { throw Exit.feedFailed }
    }

    private static func isURL(_ input: String) -> Bool {
        input.hasPrefix("http://") || input.hasPrefix("https://")
    }

    /// Parses the files on `jobs` threads; the output is what a sequential run prints.
    private func parseFilesConcurrently(out: OutputStream) -> Bool {
        let ordered = OrderedOutput(out: out, window: jobs * 2)
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

    /// Fetches and parses one URL (redirects, compression and the address policy as the daemon).
    private func parseURL(_ url: String, out: OutputStream) async -> Bool {
        var allow: [AddressRange] = []
        for a in allowAddress {
            guard let r = AddressRange(a) else {
                Console.error("feedwatch: --allow-address \(a): not an address or CIDR block")
                return false
            }
            allow.append(r)
        }
        let client = HTTPClient(settings: HTTPSettings(userAgent: FeedwatchVersion.userAgent, allowAddresses: allow))
        defer { client.shutdown() }
        var limits = ParseLimits.default
        limits.maxEntries = maxEntries
        let fetcher = FeedFetcher(
            client: client, timeout: .seconds(60), connectTimeout: .seconds(10), maxBodyBytes: max(1, maxBodyMb) << 20,
            limits: limits)
        let result = await fetcher.fetch(url: url, etag: nil, lastModified: nil)
        var writer = JSONWriter(capacity: 4096)
        switch result.outcome {
        case .feed(let outcome):
            writeFeedLine(outcome.feed, problem: outcome.problem, writer: &writer, out: out)
            for entry in outcome.entries { Self.writeEntry(entry, writer: &writer, out: out) }
            return true
        case .notModified:
            writeFeedLine(
                FeedInfo(), problem: .notAFeed("HTTP 304 without a conditional request"), writer: &writer, out: out)
            return false
        case .failed(let reason):
            writeFeedLine(
                FeedInfo(), problem: .notAFeed("\(url): \(reason)"), writer: &writer, out: out, rawError: reason)
            return false
        }
    }

    /// One entry line: the entry's fields, then its identity as the store would record it
    /// (`key_source`, `key`, `content_hash`; see README "Identity").
    private static func writeEntry(_ entry: Entry, writer: inout JSONWriter, out: OutputStream) {
        let story = Normaliser.story(entry)
        writer.removeAll()
        writer.beginObject()
        writer.write(fieldsOf: entry)
        writer.key("key_source")
        writer.value(story.keySource.rawValue)
        writer.key("key")
        writer.value(Digest.hex(story.key))
        writer.key("content_hash")
        writer.value(Digest.hex(story.contentHash))
        writer.endObject()
        out.writeLine(writer.bytes)
    }

    private func writeFeedLine(
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
    private func parseFile(_ path: String, out: OutputStream) -> Bool {
        var limits = ParseLimits.default
        limits.maxEntries = maxEntries
        var feedWritten = false
        var writer = JSONWriter(capacity: 4096)
        func writeFeed(_ info: FeedInfo, problem: ParseProblem?) {
            writeFeedLine(info, problem: problem, writer: &writer, out: out)
            feedWritten = true
        }
        // The feed line is written just before the first entry, or at the end when there is none,
        // so that a document with no entries carries its error on that single line.
        var pendingFeed: FeedInfo? = nil
        let parser = FeedParser(
            documentURL: base, limits: limits,
            onFeed: { info in pendingFeed = info },
            onEntry: { entry in
                if !feedWritten { writeFeed(pendingFeed ?? FeedInfo(), problem: nil) }
                Self.writeEntry(entry, writer: &writer, out: out)
            })
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            writeFeed(FeedInfo(), problem: .notAFeed("\(path): \(reason)"))
            return false
        }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while !parser.isDone {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            chunk.withUnsafeBufferPointer { parser.consume(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
        let outcome = parser.finish()
        if !feedWritten {
            writeFeed(outcome.feed, problem: outcome.problem)
        } else if let problem = outcome.problem {
            out.flush()
            let level = problem.isFatal ? "error" : "warning"
            Console.error("feedwatch: \(path): \(level): \(problem)")
        }
        return outcome.problem?.isFatal != true
    }
}
