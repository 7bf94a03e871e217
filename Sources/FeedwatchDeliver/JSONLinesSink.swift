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
    /// The file's last event when it was opened: written, perhaps not acknowledged (a crash).
    private let alreadyWritten: Mutex<(seq: Int64, id: String)?>

    public init(name: String, path: String, fsync: String) throws {
        self.name = name
        syncEachLine = fsync == "always"
        let opened = try JSONLinesFile(path: path, fsync: fsync != "never")
        alreadyWritten = Mutex(opened.lastEvent)
        file = Mutex(opened)
        batchLimit = syncEachLine ? 1 : 500
    }

    /// Bytes of a torn last line removed when the file was opened.
    public var repairedBytes: Int { file.withLock { $0.repairedBytes } }

    public func deliver(_ items: [OutboxItem]) async -> DeliveryReport {
        var report = DeliveryReport()
        guard !items.isEmpty else { return report }
        // After a crash between a write and its acknowledgement, the file already ends with some of
        // these events: when the file's last line is one of them (same seq, same id), those up to it
        // are acknowledged without being written twice.
        var written: [Int64] = []
        var rest = items[...]
        if let last = alreadyWritten.withLock({ $0 }),
            items.contains(where: { $0.seq == last.seq && $0.eventID == last.id })
        {
            written = items.filter { $0.seq <= last.seq }.map(\.seq)
            rest = items.drop { $0.seq <= last.seq }
        }
        alreadyWritten.withLock { $0 = nil }
        guard let first = rest.first else {
            report.accepted = written
            return report
        }
        do {
            try file.withLock { try $0.append(rest.map(EventLine.render)) }
            report.accepted = written + rest.map(\.seq)
        } catch {
            report.accepted = written
            report.failure = .init(seq: first.seq, reason: "\(error)", retryAfter: nil, disposition: .retry)
        }
        return report
    }

    public func reopen() throws {
        try file.withLock { try $0.reopen() }
    }
}
