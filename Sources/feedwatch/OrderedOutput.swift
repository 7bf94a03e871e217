import Foundation

/// Lets several threads print documents at once while the output keeps the order of the inputs.
///
/// The document at the head of the order writes straight through; those after it are held in
/// memory until every document before them is done. A worker may start document `n` only while
/// `n - head < window`, so memory is bounded by the window's documents, not by the input list.
final class OrderedOutput: @unchecked Sendable {
    // All state is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private let out: OutputStream
    private let window: Int
    private var head = 0
    private var next = 0
    private var held: [Int: [UInt8]] = [:]
    private var done: Set<Int> = []

    init(out: OutputStream, window: Int) {
        self.out = out
        self.window = max(1, window)
    }

    /// The next document for a worker to take, once the window allows it; nil when all are taken.
    func take(below count: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard next < count else { return nil }
        let job = next
        next += 1
        while job - head >= window { condition.wait() }
        return job
    }

    func write(_ job: Int, _ bytes: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        if job == head {
            out.write(bytes)
        } else {
            held[job, default: []].append(contentsOf: bytes)
        }
    }

    func finish(_ job: Int) {
        condition.lock()
        defer { condition.unlock() }
        done.insert(job)
        while done.remove(head) != nil {
            head += 1
            if let bytes = held.removeValue(forKey: head) { out.write(bytes) }
        }
        condition.broadcast()
    }
}
