import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The hostile HTTP server of ../shared/hostile (feed mode) against `feedwatch parse URL`, which
/// fetches as the daemon does: every endpoint ends in a bounded, clearly worded error or a feed,
/// and the server's canary (requests a client must never make) stays empty.
@Suite("hostile HTTP server")
struct HostileServerTests {
    /// Endpoint and what the feed line must say: a feed (nil) or an error containing the text (as
    /// it appears in the JSON line, quotes escaped).
    static let cases: [(String, String?)] = [
        ("/ok", nil),
        ("/redirect-chain/3", nil),
        ("/charset-conflict", nil),
        ("/redirect-chain/8", "Maximum (5) redirects"),
        ("/redirect-loop", "Maximum (5) redirects"),
        ("/redirect-file", "Protocol \\\"file\\\" not supported"),
        ("/redirect-gopher", "Protocol \\\"gopher\\\" not supported"),
        ("/redirect-dict", "Protocol \\\"dict\\\" not supported"),
        ("/redirect-metadata", "refused to connect to 169.254.169.254: not a public address"),
        ("/429", "HTTP 429"),
        ("/503", "HTTP 503"),
        ("/500", "HTTP 500"),
        ("/short-body", "transfer closed"),
        ("/lying-length", "not a feed"),
        ("/bad-chunked", "chunked"),
        ("/big", "larger than 16 MiB"),
        ("/big-chunked", "larger than 16 MiB"),
        ("/infinite", "larger than 16 MiB"),
        ("/html", "not a feed: an HTML page"),
        ("/slow", "Operation too slow"),
        ("/slow-headers", "Operation too slow"),
        ("/hang", "Operation too slow"),
    ]

    @Test("each endpoint ends in a feed or a bounded, clearly worded error; the canary is never hit")
    func endpoints() async throws {
        let server = try await HostileServer(mode: ["feeds"])
        let results = try await withThrowingTaskGroup(of: (String, BinaryRun).self) { group in
            for (path, _) in Self.cases {
                group.addTask {
                    (
                        path,
                        try await BinaryRun.run(
                            ["parse", "--allow-address", "127.0.0.1/32", server.url(path)], timeout: 60)
                    )
                }
            }
            var out: [String: BinaryRun] = [:]
            for try await (path, run) in group { out[path] = run }
            return out
        }
        for (path, expected) in Self.cases {
            let run = try #require(results[path])
            let line = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
            if let expected {
                #expect(run.status == 1, "\(path): exit \(run.status)")
                #expect(line.contains("\"error\"") && line.contains(expected), "\(path): \(line)")
            } else {
                #expect(run.status == 0, "\(path): \(line) \(run.stderr)")
                #expect(!line.contains("\"error\""), "\(path): \(line)")
            }
        }
        let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: server.url("/stats"))))
        let stats = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let canary = stats["canary_hits"]
        #expect((canary as? [Any])?.isEmpty ?? ((canary as? Int) == 0), "canary hit: \(String(describing: canary))")
    }
}
