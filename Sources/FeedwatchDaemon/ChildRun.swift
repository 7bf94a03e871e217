internal import CPosix
public import Foundation
import Glibc

/// Runs a program with bytes on its standard input and collects its standard output, within a
/// time limit; its standard error is this process's.
///
/// posix_spawn, not Foundation's `Process`: nothing here reaps other children or installs a
/// SIGCHLD handler, and the child starts with default signal actions and an empty signal mask
/// (the daemon ignores SIGTERM, SIGHUP and the like at the process level, which a child would
/// otherwise inherit), and with no descriptor but its standard input, output and error. It leads
/// a process group of its own, so that a child killed at the deadline takes along what it started
/// (which would otherwise live on, holding whatever descriptors it inherited). Both pipes are driven by one poll loop, so neither side can fill a pipe
/// the other is not reading. SIGPIPE is blocked in the calling thread while the input is written:
/// a child that exits before reading all of it makes the write fail with EPIPE, and the SIGPIPE
/// that leaves pending is taken before the mask is restored, whatever the caller does with it.
public struct ChildRun {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Outcome: Sendable {
        /// The exit status, or nil when a signal ended the child (`signal`).
        public var status: Int32?
        public var signal: Int32?
        public var output: Data
    }

    public static func run(
        executable: String, arguments: [String], input: [UInt8], timeout: Duration, maxOutput: Int
    ) throws(Failure) -> Outcome {
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw Failure(description: "pipe: \(Self.error(errno))") }
        guard pipe(&fromChild) == 0 else {
            let e = errno
            close(toChild[0])
            close(toChild[1])
            throw Failure(description: "pipe: \(Self.error(e))")
        }
        // Close-on-exec, so that no other child inherits them (pipe2 is not imported into Swift).
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments, stdin: toChild[0], stdout: fromChild[1])
        } catch {
            for fd in toChild + fromChild { close(fd) }
            throw error
        }
        close(toChild[0])
        close(fromChild[1])
        let deadline = ContinuousClock.now + timeout
        var (output, end) = exchange(input, to: toChild[1], from: fromChild[0], deadline: deadline, max: maxOutput)
        // A child may close its output and run on: it too has until the deadline to exit.
        var status: Int32 = 0
        if end == .complete && !exited(pid, &status, by: deadline) { end = .timedOut }
        if end != .complete {
            // The child leads a process group of its own: whatever it started goes with it.
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        switch end {
        case .complete: break
        case .timedOut: throw Failure(description: "\(executable) took longer than \(timeout); killed")
        case .tooLong: throw Failure(description: "\(executable) wrote more than \(maxOutput) bytes; killed")
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (macros).
        let signal = status & 0x7F
        return signal == 0
            ? Outcome(status: (status >> 8) & 0xFF, signal: nil, output: output)
            : Outcome(status: nil, signal: signal, output: output)
    }

    private static func spawn(_ executable: String, _ arguments: [String], stdin: Int32, stdout: Int32) throws(Failure)
        -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies; the originals close at exec.
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        // Nothing else the daemon holds reaches the child: not every descriptor is opened with
        // close-on-exec by the libraries that own it (the store's database, the instance lock's
        // file, libcurl's sockets), and a child holding the lock's descriptor would hold the lock.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE, SIGXFSZ] { sigaddset(&defaults, s) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw Failure(description: "cannot start \(executable): \(Self.error(rc))") }
        return pid
    }

    private enum End { case complete, timedOut, tooLong }

    /// Waits for `pid` to exit until `deadline`; true (and its status) if it did.
    private static func exited(_ pid: pid_t, _ status: inout Int32, by deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return true }
            if reaped < 0 && errno != EINTR { return true }  // not ours to wait for any more
            if ContinuousClock.now >= deadline { return false }
            usleep(2_000)
        }
    }

    /// Writes `input` to `inputFD` (then closes it) while reading `outputFD` to its end (then
    /// closes it); stops early at the deadline or past `max` bytes read.
    private static func exchange(
        _ input: [UInt8], to inputFD: Int32, from outputFD: Int32, deadline: ContinuousClock.Instant, max: Int
    ) -> (Data, End) {
        _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK)
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &mask)
        defer {
            // Only a SIGPIPE this thread caused while it blocked them; one blocked before stays.
            var pending = sigset_t()
            if sigismember(&mask, SIGPIPE) == 0, sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
                var now = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipeSignal, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &mask, nil)
        }
        var open: Int32? = inputFD
        var written = 0
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        func closeInput() {
            if let fd = open { close(fd) }
            open = nil
        }
        defer {
            closeInput()
            close(outputFD)
        }
        if input.isEmpty { closeInput() }
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return (output, .timedOut) }
            var fds = [pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)]
            if let fd = open { fds.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
            let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: ms))
            if ready <= 0 { continue }  // EINTR, or the deadline (checked above)
            if fds.count > 1, fds[1].revents != 0, let fd = open {
                let n = input.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + written }, input.count - written) }
                if n > 0 { written += n }
                // All written, or EPIPE (the child has gone): either way no more input.
                if written == input.count || (n < 0 && errno != EAGAIN && errno != EINTR) { closeInput() }
            }
            if fds[0].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(outputFD, $0.baseAddress, $0.count) }
                if n == 0 { return (output, .complete) }  // the child closed its output
                if n > 0 {
                    output.append(contentsOf: buffer[0..<n])
                    if output.count > max { return (output, .tooLong) }
                } else if errno != EINTR && errno != EAGAIN {
                    return (output, .complete)
                }
            }
        }
    }

    private static func error(_ code: Int32) -> String { String(cString: strerror(code)) }
}
