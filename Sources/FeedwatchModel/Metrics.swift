import Synchronization

/// The process's counters and histograms, rendered in the Prometheus text format (0.0.4).
///
/// One registry per process (`Metrics.shared`): the figures describe the process, and survive a
/// configuration reload, which rebuilds every stage. Updates take a lock for a few additions; a
/// scrape copies the state under the same lock.
public final class Metrics: Sendable {
    public static let shared = Metrics()

    /// Seconds; the buckets of every histogram here (polls and deliveries take ms to minutes).
    static let buckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0

        mutating func observe(_ v: Double) {
            for (i, b) in Metrics.buckets.enumerated() where v <= b { counts[i] += 1 }
            sum += v
            count += 1
        }
    }

    private struct State {
        var counters: [String: [String: UInt64]] = [:]  // name -> labels -> value
        var histograms: [String: [String: Histogram]] = [:]
    }

    private let state = Mutex(State())

    /// What each metric is, for the `# HELP` lines.
    private static let help: [String: (type: String, help: String)] = [
        "feedwatch_polls_total": ("counter", "Feed polls, by outcome (ok, not_modified, error)."),
        "feedwatch_poll_duration_seconds": ("histogram", "Time from request to recorded poll."),
        "feedwatch_stories_total": ("counter", "Stories found in polled feeds, by whether they were new."),
        "feedwatch_events_total": ("counter", "Events queued for outputs (a matching story, per output)."),
        "feedwatch_deliveries_total": ("counter", "Events an output acknowledged."),
        "feedwatch_delivery_failures_total": ("counter", "Delivery attempts that failed (retried or dead-lettered)."),
        "feedwatch_delivery_latency_seconds": ("histogram", "Time from detection to acknowledgement, per event."),
        "feedwatch_outbox_pending": ("gauge", "Events waiting in the outbox."),
        "feedwatch_outbox_dead": ("gauge", "Events dead-lettered in the outbox."),
        "feedwatch_feeds": ("gauge", "Configured feeds."),
    ]

    public init() {}

    public func increment(_ name: String, labels: String = "", by n: UInt64 = 1) {
        state.withLock { $0.counters[name, default: [:]][labels, default: 0] += n }
    }

    public func observe(_ name: String, labels: String = "", seconds: Double) {
        state.withLock { $0.histograms[name, default: [:]][labels, default: Histogram()].observe(seconds) }
    }

    /// A label set, `key="value"` pairs with the value escaped as the format asks.
    public static func labels(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { key, value in
            var v = ""
            for c in value.unicodeScalars {
                switch c {
                case "\\": v += "\\\\"
                case "\"": v += "\\\""
                case "\n": v += "\\n"
                default: v.unicodeScalars.append(c)
                }
            }
            return "\(key)=\"\(v)\""
        }.joined(separator: ",")
    }

    /// The exposition text; `gauges` are figures read at scrape time (name -> labels -> value).
    public func render(gauges: [String: [String: Double]] = [:]) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func header(_ name: String) {
            if let h = Self.help[name] { out += "# HELP \(name) \(h.help)\n# TYPE \(name) \(h.type)\n" }
        }
        func series(_ name: String, _ labels: String, extra: String = "") -> String {
            let all = [labels, extra].filter { !$0.isEmpty }.joined(separator: ",")
            return all.isEmpty ? name : "\(name){\(all)}"
        }
        func number(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        }
        for name in s.counters.keys.sorted() {
            header(name)
            for (labels, v) in (s.counters[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                out += "\(series(name, labels)) \(v)\n"
            }
        }
        for name in s.histograms.keys.sorted() {
            header(name)
            for (labels, h) in (s.histograms[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (i, b) in Self.buckets.enumerated() {
                    out += "\(series(name + "_bucket", labels, extra: "le=\"\(number(b))\"")) \(h.counts[i])\n"
                }
                out += "\(series(name + "_bucket", labels, extra: "le=\"+Inf\"")) \(h.count)\n"
                out += "\(series(name + "_sum", labels)) \(h.sum)\n"
                out += "\(series(name + "_count", labels)) \(h.count)\n"
            }
        }
        for name in gauges.keys.sorted() {
            header(name)
            for (labels, v) in (gauges[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                out += "\(series(name, labels)) \(number(v))\n"
            }
        }
        return out
    }
}
