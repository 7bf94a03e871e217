internal import CCurl
import FeedwatchModel
import Foundation
import Glibc
import Synchronization

/// HTTP for feeds and webhooks: one libcurl multi handle driven by one thread.
///
/// The thread loops on `curl_multi_perform` and `curl_multi_poll`; other threads hand transfers
/// over through a mutex and wake it with `curl_multi_wakeup` (the one multi call that is safe
/// from any thread). Many transfers run at once over reused connections (HTTP/2 multiplexing
/// where the server offers it), never more than `concurrency` in all or `perHost` per host;
/// the rest wait their turn in order.
///
/// Safety options on every transfer: http and https only, also on redirects; at most 5
/// redirects; connect, total and low-speed timeouts; a cap on decoded bytes counted in the
/// write callback (Content-Length alone cannot stop a gzip bomb); the address policy checked on
/// every connection in the open-socket callback. Proxies come from the standard environment
/// variables (`https_proxy`, `no_proxy`, ...), which libcurl reads itself.
public final class HTTPClient: Sendable {
    private let engine: HTTPEngine

    public init(settings: HTTPSettings) {
        engine = HTTPEngine(settings: settings)
    }

    /// Performs a request. Never throws: failures are in `HTTPResponse.error`.
    public func perform(_ request: HTTPRequest, sink: (any HTTPBodySink)? = nil) async -> HTTPResponse {
        let transfer = engine.makeTransfer(request, sink: sink)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                engine.submit(transfer)
            }
        } onCancel: {
            engine.cancel(transfer.id)
        }
    }

    /// Stops the engine: transfers in flight end with `.cancelled`. Idempotent.
    public func shutdown() {
        engine.stop()
    }

    deinit {
        engine.stop()
    }
}

/// The engine behind `HTTPClient`.
///
/// Invariant: `multi`, `waiting`, `active` and `perHost` are touched only by the engine thread;
/// everything other threads pass in goes through `inbox`. Hence `@unchecked Sendable`.
final class HTTPEngine: @unchecked Sendable {
    private struct Inbox {
        var submitted: [Transfer] = []
        var cancelled: Set<Int> = []
        var stopping = false
        var stopped = false
        var nextID = 0
    }

    private let settings: HTTPSettings
    private let policy: AddressPolicy
    private let multi: UnsafeMutableRawPointer?
    private let inbox = Mutex(Inbox())
    private let finished = DispatchSemaphore(value: 0)

    private var waiting: [Transfer] = []
    private var active: [Int: Transfer] = [:]
    private var perHost: [String: Int] = [:]
    private var lastSubmitted = 0

    private static let globalInit: Void = { _ = CCurl_global_init() }()

    init(settings: HTTPSettings) {
        HTTPEngine.globalInit
        self.settings = settings
        // libcurl reads the proxy variables itself; the policy lets connections to those proxies through.
        self.policy = AddressPolicy(
            allow: settings.allowAddresses, proxies: ProxyEndpoints(environment: ProcessInfo.processInfo.environment))
        multi = curl_multi_init()
        if let multi {
            _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.perHost)
            _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings.concurrency)
            // Idle connections kept for reuse: as many as may be open at once. libcurl's default is
            // four per easy handle currently added, which shrinks whenever few transfers are in
            // flight (polls waiting for the store's writer) and closes connections that the next
            // polls of the same host then open again: 289 connections to one host for 10,000
            // feeds at 16 per host (BENCHMARKS.md, poll cycles, stop 20).
            _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, settings.concurrency)
        }
        let thread = Thread { [self] in self.run() }
        thread.name = "feedwatch-http"
        thread.start()
    }

    func makeTransfer(_ request: HTTPRequest, sink: (any HTTPBodySink)?) -> Transfer {
        let id = inbox.withLock { box in
            box.nextID += 1
            return box.nextID
        }
        return Transfer(id: id, request: request, sink: sink, policy: policy)
    }

    func submit(_ transfer: Transfer) {
        let accepted = inbox.withLock { box -> Bool in
            guard !box.stopping else { return false }
            box.submitted.append(transfer)
            return true
        }
        if accepted {
            wake()
        } else {
            var r = HTTPResponse()
            r.error = .cancelled
            transfer.continuation?.resume(returning: r)
            transfer.continuation = nil
        }
    }

    func cancel(_ id: Int) {
        inbox.withLock { _ = $0.cancelled.insert(id) }
        wake()
    }

    func stop() {
        let first = inbox.withLock { box -> Bool in
            defer { box.stopping = true }
            return !box.stopping
        }
        guard first else { return }
        wake()
        finished.wait()
        if let multi { curl_multi_cleanup(multi) }
    }

    private func wake() {
        if let multi { _ = curl_multi_wakeup(multi) }
    }

    // MARK: - Engine thread

    private func run() {
        defer { finished.signal() }
        guard let multi else { return }
        while true {
            let (new, cancelled, stopping) = inbox.withLock { box in
                defer {
                    box.submitted.removeAll()
                    box.cancelled.removeAll()
                }
                return (box.submitted, box.cancelled, box.stopping)
            }
            waiting.append(contentsOf: new)
            if let last = new.last { lastSubmitted = max(lastSubmitted, last.id) }
            for id in cancelled {
                if id > lastSubmitted {
                    // Cancelled before it was handed over: keep the request for when it arrives.
                    inbox.withLock { _ = $0.cancelled.insert(id) }
                } else {
                    abort(id)
                }
            }
            if stopping {
                for t in waiting { complete(t, code: CURLE_OK, forced: .cancelled) }
                waiting.removeAll()
                for t in Array(active.values) { finish(t, code: CURLE_OK, forced: .cancelled) }
                return
            }
            admit()
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collect()
            admit()
            var numfds: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &numfds)
        }
    }

    /// Starts waiting transfers while the limits allow, oldest first. Runs twice per turn of the
    /// loop, so it stops as soon as every slot is taken instead of walking the whole queue.
    private func admit() {
        var i = 0
        while i < waiting.count && active.count < settings.concurrency {
            if perHost[waiting[i].hostKey, default: 0] < settings.perHost {
                start(waiting.remove(at: i))
            } else {
                i += 1
            }
        }
    }

    private func abort(_ id: Int) {
        if let i = waiting.firstIndex(where: { $0.id == id }) {
            let t = waiting.remove(at: i)
            complete(t, code: CURLE_OK, forced: .cancelled)
        } else if let t = active[id] {
            finish(t, code: CURLE_OK, forced: .cancelled)
        }
    }

    private func start(_ t: Transfer) {
        guard let multi, let easy = curl_easy_init() else {
            complete(t, code: CURLE_FAILED_INIT, forced: nil)
            return
        }
        t.easy = easy
        t.started = HTTPEngine.now()
        let me = Unmanaged.passRetained(t).toOpaque()
        let r = t.request
        _ = CCurl_easy_setopt_string(easy, CURLOPT_URL, r.url)
        _ = CCurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        _ = CCurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, t.errorBuffer)
        _ = CCurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = CCurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = CCurl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = CCurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, r.followRedirects ? 1 : 0)
        _ = CCurl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, 5)
        _ = CCurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(r.timeout.milliseconds))
        _ = CCurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(r.connectTimeout.milliseconds))
        // Abort a transfer slower than 100 bytes/s for 10 s (a dribbling or stalled server).
        _ = CCurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 100)
        _ = CCurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, 10)
        _ = CCurl_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(r.maxBodyBytes))
        _ = CCurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")
        _ = CCurl_easy_setopt_string(easy, CURLOPT_USERAGENT, settings.userAgent)
        _ = CCurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        if t.retriedFresh { _ = CCurl_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1) }
        _ = CCurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, HTTPEngine.writeCallback)
        _ = CCurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = CCurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, HTTPEngine.headerCallback)
        _ = CCurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        _ = CCurl_easy_setopt_opensocket_callback(easy, HTTPEngine.openSocketCallback)
        _ = CCurl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, me)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for h in r.headers { list = curl_slist_append(list, "\(h.name): \(h.value)") }
        if case .post(let body) = r.method {
            list = curl_slist_append(list, "Expect:")  // no 100-continue round trip
            _ = CCurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = CCurl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { raw in
                _ = CCurl_easy_setopt_pointer(
                    easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            }
        }
        t.headerList = list
        if let list { _ = CCurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list) }
        active[t.id] = t
        perHost[t.hostKey, default: 0] += 1
        curl_multi_add_handle(multi, easy)
    }

    private func collect() {
        guard let multi else { return }
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            var raw: UnsafeMutableRawPointer? = nil
            _ = CCurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &raw)
            guard let raw else { continue }
            let t = Unmanaged<Transfer>.fromOpaque(raw).takeUnretainedValue()
            finish(t, code: msg.pointee.data.result, forced: nil)
        }
    }

    /// Ends an active transfer: reads its results, releases libcurl's resources, answers the caller
    /// (or starts it again, once, on a connection of its own: `retriesFresh`).
    private func finish(_ t: Transfer, code: CURLcode, forced: HTTPError?) {
        var retry = false
        if let easy = t.easy {
            var status = 0
            _ = CCurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            t.response.status = status
            var connects = 0
            _ = CCurl_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
            retry = forced == nil && Self.retriesFresh(t, code: code, status: status, newConnections: connects)
            var url: UnsafeMutablePointer<CChar>? = nil
            _ = CCurl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &url)
            t.response.effectiveURL = url.map { String(cString: $0) } ?? t.request.url
            if let multi { curl_multi_remove_handle(multi, easy) }
            curl_easy_cleanup(easy)
            t.easy = nil
            Unmanaged.passUnretained(t).release()  // balances passRetained in start()
        }
        if let list = t.headerList {
            curl_slist_free_all(list)
            t.headerList = nil
        }
        active[t.id] = nil
        perHost[t.hostKey, default: 1] -= 1
        if perHost[t.hostKey] == 0 { perHost[t.hostKey] = nil }
        if retry {
            t.restartFresh()
            start(t)
            return
        }
        complete(t, code: code, forced: forced)
    }

    /// Whether a transfer that failed is started again on a new connection: a GET (repeating it
    /// changes nothing) that got no answer it could read over a connection an earlier transfer
    /// had left open, once. Such a connection may have been closed by the server meanwhile, or
    /// hold bytes an earlier answer sent beyond its Content-Length (libcurl reads to the length
    /// and keeps the connection): the failure is that connection's, not this feed's. Browsers
    /// retry the same way.
    private static func retriesFresh(_ t: Transfer, code: CURLcode, status: Int, newConnections: Int) -> Bool {
        guard !t.retriedFresh, case .get = t.request.method, newConnections == 0, status == 0,
            t.failure == nil, t.response.bodyBytes == 0
        else { return false }
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY, CURLE_GOT_NOTHING, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR:
            return true
        default:
            return false
        }
    }

    private func complete(_ t: Transfer, code: CURLcode, forced: HTTPError?) {
        var r = t.response
        r.headers = t.currentHeaders
        if t.started > 0 { r.seconds = HTTPEngine.now() - t.started }
        if let forced {
            r.error = forced
        } else if let failure = t.failure {
            r.error = failure
        } else if code == CURLE_WRITE_ERROR && t.stoppedBySink {
            r.error = nil
        } else if code != CURLE_OK {
            let detail = String(cString: t.errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            r.error = .transport(code: Int(code.rawValue), message: message)
        }
        if r.error == .bodyTooLarge(t.request.maxBodyBytes) || code == CURLE_FILESIZE_EXCEEDED {
            r.error = .bodyTooLarge(t.request.maxBodyBytes)
        }
        t.continuation?.resume(returning: r)
        t.continuation = nil
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: - C callbacks (non-capturing; the transfer travels as user data)

    private static let writeCallback: CCurl_data_callback = { data, size, count, user in
        guard let user else { return 0 }
        let t = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        let n = size * count
        return t.onBody(UnsafeRawBufferPointer(start: data, count: n)) ? n : CCurl_write_abort
    }

    private static let headerCallback: CCurl_data_callback = { data, size, count, user in
        guard let user, let data else { return 0 }
        let t = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        let n = size * count
        data.withMemoryRebound(to: UInt8.self, capacity: n) { t.onHeaderLine(UnsafeBufferPointer(start: $0, count: n)) }
        return n
    }

    private static let openSocketCallback: CCurl_opensocket_callback = { user, _, address in
        guard let user, let address else { return CCurl_socket_bad }
        let t = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        guard t.mayConnect(CCurl_sockaddr(address)) else { return CCurl_socket_bad }
        let fd = socket(
            address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
        return fd < 0 ? CCurl_socket_bad : fd
    }
}
