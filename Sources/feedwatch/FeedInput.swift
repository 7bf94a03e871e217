import FeedwatchFetch
import FeedwatchHTTP
import FeedwatchModel
import FeedwatchParse
import Glibc

/// Reads feeds named on a command line: files streamed through the parser, http(s) URLs fetched
/// as the daemon fetches them (redirects, compression, the address policy, the body cap).
struct FeedInput {
    var base: String?
    var limits: ParseLimits
    var allowAddresses: [String]
    var maxBodyBytes: Int

    static func isURL(_ input: String) -> Bool {
        input.hasPrefix("http://") || input.hasPrefix("https://")
    }

    /// How reading a document ended.
    struct Ending {
        var feed: FeedInfo
        var problem: ParseProblem?
        /// The error as the fetcher said it, for a URL that could not be fetched.
        var fetchError: String?
        var failed: Bool { fetchError != nil || problem?.isFatal == true }
    }

    /// Streams a file's entries to `onEntry` (after `onFeed`, once the feed's head is read), as
    /// drafts whose text the taker converts (`resolved()`), on its own thread if it has one.
    func readFile(
        _ path: String, onFeed: @escaping (FeedInfo) -> Void, onEntry: @escaping (EntryDraft) -> Void
    ) -> Ending {
        let parser = FeedParser(documentURL: base, limits: limits, onFeed: onFeed, onEntry: onEntry)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return Ending(feed: FeedInfo(), problem: .notAFeed("\(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        // Not zero-filled first: `read` writes what is read (a small file was cleared 256 KB).
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256 * 1024)
        defer { chunk.deallocate() }
        while !parser.isDone {
            let n = read(fd, chunk.baseAddress, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            parser.consume(UnsafeBufferPointer(rebasing: chunk[0..<n]))
        }
        let outcome = parser.finish()
        return Ending(feed: outcome.feed, problem: outcome.problem)
    }

    /// Fetches and parses a URL; the entries come back whole.
    func readURL(_ url: String) async -> (Ending, [Entry]) {
        var allow: [AddressRange] = []
        for a in allowAddresses {
            guard let r = AddressRange(a) else {
                return (Ending(feed: FeedInfo(), fetchError: "--allow-address \(a): not an address or CIDR block"), [])
            }
            allow.append(r)
        }
        let client = HTTPClient(settings: HTTPSettings(userAgent: FeedwatchVersion.userAgent, allowAddresses: allow))
        defer { client.shutdown() }
        let fetcher = FeedFetcher(
            client: client, timeout: .seconds(60), connectTimeout: .seconds(10), maxBodyBytes: maxBodyBytes,
            limits: limits)
        let result = await fetcher.fetch(url: url, etag: nil, lastModified: nil)
        switch result.outcome {
        case .feed(let outcome):
            return (Ending(feed: outcome.feed, problem: outcome.problem), outcome.entries)
        case .notModified:
            return (Ending(feed: FeedInfo(), problem: .notAFeed("HTTP 304 without a conditional request")), [])
        case .failed(let reason):
            return (Ending(feed: FeedInfo(), problem: .notAFeed("\(url): \(reason)"), fetchError: reason), [])
        }
    }
}
