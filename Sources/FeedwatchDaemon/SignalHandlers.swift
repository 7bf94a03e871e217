import Dispatch
import Glibc
import Synchronization

/// SIGTERM and SIGINT stop the daemon; SIGHUP reloads its configuration and reopens its output
/// files; SIGUSR1 only reopens them (for logrotate, `feedwatch reopen`).
///
/// The signals are ignored at the process level and delivered through Dispatch signal sources on
/// a private queue: the handlers run as ordinary code, not in signal context, and touch only
/// thread-safe state. The sources are made once per process, as early as `catchEarly()` is
/// called, and each running daemon attaches to them (an instance of this class) for its run: a
/// stop asked while none is attached (during start-up, between a reload's two daemons) is kept
/// and honoured by the next one to attach, rather than killing the process by the signal's
/// default action or being lost. Dispatch sources are thread-safe, hence `@unchecked Sendable`.
public final class SignalHandlers: @unchecked Sendable {
    private struct Target {
        let owner: ObjectIdentifier
        let stop: @Sendable (String) -> Void
        let hangup: @Sendable () -> Void
        let reopen: @Sendable () -> Void
    }

    private static let queue = DispatchQueue(label: "feedwatch.signals")
    /// The attached daemon's handlers, and a stop asked while none was attached.
    private static let state = Mutex<(target: Target?, stopAsked: String?)>((nil, nil))

    /// Made once per process. Not again: once Dispatch has installed its own handler for a
    /// signal, `signal(_, SIG_IGN)` would replace it, and the sources would never fire.
    nonisolated(unsafe) private static let sources: [any DispatchSourceSignal] = {
        for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] { signal(s, SIG_IGN) }
        // A write to a pipe whose reader is gone (`feedwatch run | jq` after jq exits, a
        // restarted journald's stream, an output path of "-") fails with EPIPE, which the output
        // or the log handles, instead of ending the daemon (as systemd's IgnoreSIGPIPE= does).
        signal(SIGPIPE, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for (signo, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (SIGHUP, "SIGHUP"), (SIGUSR1, "SIGUSR1")] {
            let s = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            s.setEventHandler { deliver(name) }
            s.resume()
            sources.append(s)
        }
        // A child started by a test runner may inherit these blocked; unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return sources
    }()

    /// Catches the signals from now on: called first thing by a command that starts a daemon,
    /// so that a SIGTERM during a slow start-up (opening a large store) stops it cleanly.
    public static func catchEarly() { _ = sources }

    private static func deliver(_ name: String) {
        let target = state.withLock { s -> Target? in
            if s.target == nil && (name == "SIGTERM" || name == "SIGINT") { s.stopAsked = name }
            return s.target
        }
        guard let target else { return }
        switch name {
        case "SIGHUP": target.hangup()
        case "SIGUSR1": target.reopen()
        default: target.stop(name)
        }
    }

    init(
        stop: @escaping @Sendable (String) -> Void, hangup: @escaping @Sendable () -> Void,
        reopen: @escaping @Sendable () -> Void
    ) {
        Self.catchEarly()
        let target = Target(owner: ObjectIdentifier(self), stop: stop, hangup: hangup, reopen: reopen)
        let asked = Self.state.withLock { s -> String? in
            s.target = target
            defer { s.stopAsked = nil }
            return s.stopAsked
        }
        if let asked { Self.queue.async { stop(asked) } }
    }

    /// Detaches this daemon: signals until the next one attaches are kept (a stop) or dropped.
    func cancel() {
        let owner = ObjectIdentifier(self)
        Self.state.withLock { s in
            if s.target?.owner == owner { s.target = nil }
        }
    }
}
