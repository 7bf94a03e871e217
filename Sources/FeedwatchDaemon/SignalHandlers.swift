import Dispatch
import Glibc

/// SIGTERM and SIGINT stop the daemon; SIGHUP reloads its configuration and reopens its output
/// files; SIGUSR1 only reopens them (for logrotate, `feedwatch reopen`).
///
/// The signals are ignored at the process level and delivered through Dispatch signal sources on
/// a private queue: the handlers run as ordinary code, not in signal context, and touch only
/// thread-safe state. The sources are set once in `init` and Dispatch sources are thread-safe,
/// hence `@unchecked Sendable`.
final class SignalHandlers: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private static let queue = DispatchQueue(label: "feedwatch.signals")

    /// Sets the signals' default disposition aside, once per process. Not again: once Dispatch has
    /// installed its own handler for a signal, `signal(_, SIG_IGN)` would replace it, and the
    /// sources of a daemon started after a reload would never fire.
    private static let ignoreOnce: Void = {
        for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] { signal(s, SIG_IGN) }
    }()

    init(
        stop: @escaping @Sendable (String) -> Void, hangup: @escaping @Sendable () -> Void,
        reopen: @escaping @Sendable () -> Void
    ) {
        SignalHandlers.ignoreOnce
        var sources: [any DispatchSourceSignal] = []
        for (signo, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            let s = DispatchSource.makeSignalSource(signal: signo, queue: SignalHandlers.queue)
            s.setEventHandler { stop(name) }
            s.resume()
            sources.append(s)
        }
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: SignalHandlers.queue)
        hup.setEventHandler { hangup() }
        hup.resume()
        sources.append(hup)
        let usr1 = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: SignalHandlers.queue)
        usr1.setEventHandler { reopen() }
        usr1.resume()
        sources.append(usr1)
        // A child started by a test runner may inherit these blocked; unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        self.sources = sources
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}
