import Dispatch
import FeedwatchModel
import FeedwatchParse

/// The lines `feedwatch parse` prints for one document: its feed line before the first entry,
/// then a line per entry (its fields and identity).
///
/// Pipelined, the lines are built on a queue of their own while the parser reads on: one large
/// document is otherwise one thread's work. The queue converts each entry's text (the parser
/// hands over drafts), normalises, hashes and writes it: two fifths of what the entry costs. It
/// takes entries in batches, in order, at most a few batches ahead, so memory stays bounded by
/// the batches, not by the document.
final class EntryLines: @unchecked Sendable {
    // Touched by the producer only: whether the feed line was handed over, and the batch being
    // filled.
    private(set) var feedWritten = false
    private var batch: [Item] = []
    // Touched by whoever builds the lines: the queue when pipelined, the producer otherwise; the
    // producer reads `out` again only after `finish` has waited for the queue.
    private let out: OutputStream
    private var writer = JSONWriter(capacity: 4096)
    private let queue: DispatchQueue?
    private let slots = DispatchSemaphore(value: EntryLines.batchesAhead)
    private let write: (Item, inout JSONWriter, OutputStream) -> Void

    enum Item {
        case feed(FeedInfo)
        /// Converted (`resolved()`) by whoever writes the line: on the lines' queue when pipelined.
        case entry(EntryDraft)
    }

    static let batchSize = 64
    static let batchesAhead = 4

    init(out: OutputStream, pipelined: Bool, write: @escaping (Item, inout JSONWriter, OutputStream) -> Void) {
        self.out = out
        self.write = write
        queue = pipelined ? DispatchQueue(label: "feedwatch.parse.lines") : nil
    }

    /// The next entry; `feed` is the feed's metadata as read so far, printed before the first.
    func add(_ entry: EntryDraft, feed: FeedInfo?) {
        if !feedWritten {
            feedWritten = true
            handOver(.feed(feed ?? FeedInfo()))
        }
        handOver(.entry(entry))
    }

    /// Prints what is left and waits until every line has reached `out`.
    func finish() {
        if !batch.isEmpty { flushBatch() }
        queue?.sync {}
    }

    private func handOver(_ item: Item) {
        guard queue != nil else {
            write(item, &writer, out)
            return
        }
        batch.append(item)
        if batch.count >= Self.batchSize { flushBatch() }
    }

    private func flushBatch() {
        guard let queue else { return }
        let items = batch
        batch = []
        slots.wait()
        queue.async {
            for item in items { self.write(item, &self.writer, self.out) }
            self.slots.signal()
        }
    }
}
