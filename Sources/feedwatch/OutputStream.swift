import Glibc

/// Buffered writes to a file descriptor (stdout by default), for commands that print many lines.
final class OutputStream {
    private let fd: Int32
    private let drain: (([UInt8]) -> Void)?
    private var buffer: [UInt8] = []
    private let capacity = 64 * 1024

    init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        self.drain = nil
        buffer.reserveCapacity(capacity)
    }

    /// A stream whose full buffers go to `drain` instead of a file descriptor.
    init(drain: @escaping ([UInt8]) -> Void) {
        self.fd = -1
        self.drain = drain
        buffer.reserveCapacity(capacity)
    }

    deinit { flush() }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    func writeLine(_ bytes: [UInt8]) {
        write(bytes)
        buffer.append(0x0A)
    }

    func writeLine(_ s: String) { writeLine(Array(s.utf8)) }

    func flush() {
        if let drain {
            if !buffer.isEmpty { drain(buffer) }
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                break  // a closed pipe (| head): nothing more to do
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Messages for people, on stderr, unbuffered.
enum Console {
    static func error(_ message: String) {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
