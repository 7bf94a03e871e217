public import FeedwatchModel
public import FeedwatchStore
import Synchronization

/// The `jsonl` output: events appended to a file (or standard output) as JSON lines.
///
/// A write error (a full disk) is retried, never given up on: the events wait in the outbox
/// until space returns.
public final class JSONLinesSink: OutputSink {
    public let name: String
    public let batchLimit: Int
    public let retry = RetryPolicy.file
    public var groupSize: Int { batchLimit }
    private let file: Mutex<JSONLinesFile>
    private let syncEachLine: Bool

    public init(name: String, path: String, fsync: String) throws {
        self.name = name
        syncEachLine = fsync == "always"
        file = Mutex(try JSONLinesFile(path: path, fsync: fsync != "never"))
        batchLimit = syncEachLine ? 1 : 500
    }

    /// Bytes of a torn last line removed when the file was opened.
    public var repairedBytes: Int { file.withLock { $0.repairedBytes } }

    public func deliver(_ items: [OutboxItem]) async -> DeliveryReport {
        var report = DeliveryReport()
        guard let first = items.first else { return report }
        do {
            try file.withLock { try $0.append(items.map(EventLine.render)) }
            report.accepted = items.map(\.seq)
        } catch {
            report.failure = .init(seq: first.seq, reason: "\(error)", retryAfter: nil, disposition: .retry)
        }
        return report
    }

    public func reopen() throws {
        try file.withLock { try $0.reopen() }
    }
}
