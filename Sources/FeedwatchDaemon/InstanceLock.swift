import Foundation
import Glibc

/// One process polls and delivers from a store at a time.
///
/// Two daemons on one store would poll every feed twice and race each other through the outbox,
/// sending events twice. The lock is an `flock` on `<store name>.pid` beside the store, which also
/// holds the owner's pid for `feedwatch reopen`. The kernel drops the lock when the process dies,
/// however it dies, so a SIGKILL never leaves a stale lock behind. The file is never removed:
/// unlinking it while another process waits on it would let a third take a second lock.
public final class InstanceLock: Sendable {
    public let path: String
    private let fd: Int32

    /// The lock file for a store: `/var/lib/feedwatch/feedwatch.db` → `/var/lib/feedwatch/feedwatch.pid`.
    public static func path(forStore store: String) -> String {
        ((store as NSString).deletingPathExtension as NSString).appendingPathExtension("pid") ?? store + ".pid"
    }

    /// Takes the lock for `store`, or throws naming the process that holds it.
    public init(store: String) throws(InstanceLockError) {
        path = InstanceLock.path(forStore: store)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = InstanceLock.readPID(fd)
            close(fd)
            throw .held(path, pid: holder)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The pid of the process holding the lock of `store`, or nil when none does.
    public static func holder(ofStore store: String) -> Int32? {
        let fd = open(path(forStore: store), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil  // nobody holds it: whatever pid is written there is gone
        }
        return readPID(fd)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

public enum InstanceLockError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case held(String, pid: Int32?)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): return "cannot open the lock file \(path): \(why)"
        case .held(let path, let pid):
            let who = pid.map { "feedwatch (pid \($0))" } ?? "another feedwatch"
            return "\(who) is already using this store (lock \(path)); stop it first"
        }
    }
}
