import Glibc

/// An exclusive `flock` on `<store>.migrating` beside the store, held while a process opens the
/// store and checks and applies the schema migrations (`SQLiteStore.init`).
///
/// An `flock`, not SQLite's locks: a migration runs in several transactions, and no SQLite lock
/// spans them. The kernel releases it however the process ends. The file stays, empty.
struct MigrationLock {
    private let fd: Int32

    init(storePath: String) throws {
        let lockPath = storePath + ".migrating"
        fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw StoreError(operation: "open \(lockPath)", underlying: String(cString: strerror(errno)))
        }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw StoreError(operation: "lock \(lockPath)", underlying: reason)
            }
        }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
