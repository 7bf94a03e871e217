import Foundation
import Glibc

/// An append-only file of JSON lines that never holds a partial line.
///
/// Lines are appended with one `write(2)` per batch on an `O_APPEND` descriptor. If the write
/// comes back short (a full disk) the file is cut back to where the batch began, and the error is
/// reported so the events stay in the outbox. A process killed inside a write can still leave a
/// torn last line; every open therefore ends the file at its last newline first. Nothing is lost
/// by that: an event leaves the outbox only after its line was written (and synced).
///
/// `-` writes to standard output, where nothing can be cut back.
public final class JSONLinesFile {
    public let path: String
    private let fsync: Bool
    private var fd: Int32 = -1
    /// Bytes removed from the end of the file when it was opened (a torn line), for the log.
    public private(set) var repairedBytes = 0
    /// The `seq` and `id` of the file's last line when it was opened, if it is an event line.
    public private(set) var lastEvent: (seq: Int64, id: String)?

    /// A write past a file-size limit (`ulimit -f`, `LimitFSIZE=`) raises SIGXFSZ, which kills the
    /// process by default; ignored, the write fails with EFBIG and is handled like a full disk.
    private static let ignoreFileSizeSignal: Void = { signal(SIGXFSZ, SIG_IGN) }()

    public init(path: String, fsync: Bool) throws {
        JSONLinesFile.ignoreFileSizeSignal
        self.path = path
        self.fsync = fsync
        try open()
    }

    deinit {
        if fd > STDERR_FILENO { close(fd) }
    }

    private var isStdout: Bool { path == "-" }

    private func open() throws {
        if isStdout {
            fd = STDOUT_FILENO
            return
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let opened = Glibc.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard opened >= 0 else { throw JSONLinesError.open(path, String(cString: strerror(errno))) }
        fd = opened
        repairedBytes = try repairTail()
        lastEvent = readLastEvent()
    }

    /// Closes and opens the path again: after logrotate moved the file, writes go to a new one.
    public func reopen() throws {
        guard !isStdout else { return }
        if fd >= 0 { close(fd) }
        fd = -1
        try open()
    }

    /// Appends `lines` (each without its newline) as one write. Throws, leaving the file as it was,
    /// when they cannot all be written.
    public func append(_ lines: [[UInt8]]) throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for l in lines {
            buffer.append(contentsOf: l)
            buffer.append(0x0A)
        }
        let start = isStdout ? 0 : lseek(fd, 0, SEEK_END)
        var written = 0
        while written < buffer.count {
            let n = buffer[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                if !isStdout && start >= 0 { _ = ftruncate(fd, start) }
                throw JSONLinesError.write(path, reason)
            }
            written += n
        }
        if fsync && !isStdout && Glibc.fsync(fd) != 0 {
            throw JSONLinesError.write(path, "fsync: " + String(cString: strerror(errno)))
        }
    }

    /// The last line's `seq` and `id` (the file ends at a newline after `repairTail`).
    private func readLastEvent() -> (seq: Int64, id: String)? {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 1 else { return nil }
        let count = Int(min(Int64(st.st_size), 1 << 20))
        var tail = [UInt8](repeating: 0, count: count)
        let n = tail.withUnsafeMutableBytes {
            pread(fd, $0.baseAddress, count, off_t(Int64(st.st_size) - Int64(count)))
        }
        guard n == count else { return nil }
        let body = tail.dropLast()  // the final newline
        let line = body.lastIndex(of: 0x0A).map { body[($0 + 1)...] } ?? body[...]
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let seq = (object["seq"] as? NSNumber)?.int64Value, let id = object["id"] as? String
        else { return nil }
        return (seq, id)
    }

    /// Cuts the file back to its last newline; returns the number of bytes removed.
    private func repairTail() throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return 0 }
        let size = Int64(st.st_size)
        var end = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let from = max(0, end - Int64(chunk.count))
            let count = Int(end - from)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(from)) }
            guard n == count else { throw JSONLinesError.open(path, "cannot read its end") }
            if let i = chunk[0..<count].lastIndex(of: 0x0A) {
                let keep = from + Int64(i) + 1
                if keep < size { _ = ftruncate(fd, off_t(keep)) }
                return Int(size - keep)
            }
            end = from
        }
        _ = ftruncate(fd, 0)
        return Int(size)
    }
}

public enum JSONLinesError: Error, CustomStringConvertible {
    case open(String, String)
    case write(String, String)

    public var description: String {
        switch self {
        case .open(let p, let r): return "cannot open \(p): \(r)"
        case .write(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}
