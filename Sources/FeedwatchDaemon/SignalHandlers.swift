import Dispatch
import Glibc

/// SIGTERM and SIGINT stop the daemon; SIGHUP reopens its output files (for logrotate).
///
/// The signals are ignored at the process level and delivered through Dispatch signal sources on
/// a private queue: the handlers run as ordinary code, not in signal context, and touch only
/// thread-safe state. The sources are set once in `init` and Dispatch sources are thread-safe,
/// hence `@unchecked Sendable`.
final class SignalHandlers: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private static let queue = DispatchQueue(label: "feedwatch.signals")

    init(stop: @escaping @Sendable (String) -> Void, reopen: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for (signo, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(signo, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: signo, queue: SignalHandlers.queue)
            s.setEventHandler { stop(name) }
            s.resume()
            sources.append(s)
        }
        signal(SIGHUP, SIG_IGN)
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: SignalHandlers.queue)
        hup.setEventHandler { reopen() }
        hup.resume()
        sources.append(hup)
        // A child started by a test runner may inherit these blocked; unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        self.sources = sources
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}
