import FlyingFox
import Foundation
import Glibc
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The Prometheus endpoint, scraped while the daemon runs and read by a real Prometheus-format
/// parser (Debian's python3-prometheus-client).
@Suite("metrics endpoint")
struct MetricsTests {
    /// A port that was free a moment ago (bound to port 0, then released).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw TestSupportError("cannot find a free port") }
        return UInt16(bigEndian: a.sin_port)
    }

    static func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Parses exposition text with prometheus_client; returns "name{labels} value" per sample.
    static func parse(_ text: String) async throws -> [String] {
        let dir = try TemporaryDirectory()
        let input = dir.path("metrics.txt")
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ",".join(f'{k}={v}' for k, v in sorted(s.labels.items()))
                    print(f"{s.name}{{{labels}}} {s.value}")
            """
        let out = dir.path("out.txt")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, input]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try #require(process.terminationStatus == 0, "the Prometheus parser rejected the text:\n\(text)")
        return try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test("GET /metrics while the daemon runs: polls, stories, events, deliveries, outbox depth; 404 elsewhere")
    func scrape() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        await server.serve("/a.xml", SystemdTests.feed([("a1", "Baghdad talks resume")]))
        let port = try Self.freePort()
        let path = dir.path("feedwatch.toml")
        try
            (SystemdTests.config(dir: dir, feeds: [server.url("/a.xml")])
            + "[metrics]\nlisten = \"127.0.0.1:\(port)\"\n").write(toFile: path, atomically: true, encoding: .utf8)
        let daemon = try BinaryRun.start(["run", "--config", path])
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        try await SystemdTests.waitUntil("the first delivery") { try SystemdTests.titles(dir).count == 1 }

        // The delivery is counted right after the output acknowledges it: scrape until it shows.
        var samples: [String] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let (status, text) = try await Self.get("http://127.0.0.1:\(port)/metrics")
            #expect(status == 200)
            samples = try await Self.parse(text)
            if samples.contains("feedwatch_deliveries_total{output=events} 1.0") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(samples.contains("feedwatch_deliveries_total{output=events} 1.0"), "\(samples)")
        #expect(samples.contains { $0.hasPrefix("feedwatch_polls_total{outcome=ok} ") })
        #expect(samples.contains("feedwatch_stories_total{state=new} 1.0"))
        #expect(samples.contains("feedwatch_events_total{} 1.0"))
        #expect(samples.contains("feedwatch_outbox_pending{output=events} 0.0"))
        #expect(samples.contains("feedwatch_feeds{} 1.0"))
        #expect(samples.contains { $0.hasPrefix("feedwatch_poll_duration_seconds_count{} ") })
        #expect(samples.contains { $0.hasPrefix("feedwatch_delivery_latency_seconds_bucket{le=+Inf,output=events} 1") })

        let (missing, _) = try await Self.get("http://127.0.0.1:\(port)/")
        #expect(missing == 404)
        daemon.signal(SIGTERM)
        #expect(try await daemon.wait(timeout: 30).status == 0)
    }
}
