import FeedwatchModel
import FeedwatchNormalise
import Synchronization

/// Which polls may start: at most `maxPolls` in flight, and none while the stories that earlier
/// polls parsed and that still wait for the store's writer take more than `budget` bytes.
///
/// Why both bounds: the store has one writer, and a poll holds its parsed stories until the writer
/// has recorded them. Polls in flight beyond the transfers keep the parser busy while the writer
/// commits, and give the writer larger batches, in which each index page it touches is written
/// once for many stories (1,000 feeds polled cold, medians of 6: 2.65 s with twice the transfer
/// limit in flight, 2.32 s with eight times, no faster with sixteen; BENCHMARKS.md, stop 22).
/// Each poll in flight costs memory whatever it holds (peak RSS 50 MB with 32 polls, 57 MB with
/// 128, 66 MB with 256), hence eight. And feeds differ in size a thousandfold, so a number of
/// polls does not bound memory: the waiting stories are counted in bytes too. One poll may always
/// start, so that a feed larger than the budget is still polled.
public final class PollAdmission: Sendable {
    public let maxPolls: Int
    public let budget: Int
    private let waitingBytes = Mutex(0)

    /// Polls in flight per transfer slot (`[fetch] concurrency`).
    public static let pollsPerTransfer = 8
    /// Bytes of parsed stories that may wait for the writer before no further poll starts.
    public static let defaultBudget = 16 << 20

    public init(transfers: Int, budget: Int = defaultBudget) {
        maxPolls = max(1, transfers * Self.pollsPerTransfer)
        self.budget = budget
    }

    /// Whether one more poll may start while `inFlight` are running.
    public func mayStart(inFlight: Int) -> Bool {
        inFlight == 0 || (inFlight < maxPolls && waitingBytes.withLock { $0 } < budget)
    }

    /// Bytes of parsed stories waiting for the writer now.
    public var waiting: Int { waitingBytes.withLock { $0 } }

    /// Runs `record` with `stories` counted as waiting for the writer until it returns.
    func waitingForWriter<T>(_ stories: [Story], _ record: () async throws -> T) async rethrows -> T {
        let bytes = Self.bytes(of: stories)
        waitingBytes.withLock { $0 += bytes }
        defer { waitingBytes.withLock { $0 -= bytes } }
        return try await record()
    }

    /// What stories hold in memory, as an estimate: their text, and 1 KB for each story's digests,
    /// strings and arrays.
    static func bytes(of stories: [Story]) -> Int {
        stories.reduce(0) { sum, s in
            let e = s.entry
            return sum + e.title.utf8.count + e.summary.utf8.count + e.content.utf8.count + 1024
        }
    }
}
