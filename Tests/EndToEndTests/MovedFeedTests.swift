import FlyingFox
import Foundation
import TestSupport
import Testing

/// A feed that moved permanently: followed every time, and fetched at its new address once the
/// move has been seen in three polls in a row (never on one answer).
@Suite("permanent redirects")
struct MovedFeedTests {
    @Test("after three polls that all end in the same 301, the new address is fetched directly")
    func moved() async throws {
        let dir = try TemporaryDirectory()
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let newURL = server.url("/new.xml")
        await server.route("GET /old.xml") { _ in
            HTTPResponse(statusCode: .movedPermanently, headers: [.location: newURL], body: Data())
        }
        await server.serve("/new.xml", SystemdTests.feed([("a1", "Baghdad talks resume")]))
        let path = dir.path("feedwatch.toml")
        try SystemdTests.config(dir: dir, feeds: [server.url("/old.xml")])
            .write(toFile: path, atomically: true, encoding: .utf8)
        func oldRequests() -> Int { server.requests.filter { $0.path == "/old.xml" }.count }

        for poll in 1...3 {
            let run = try await BinaryRun.run(["once", "--config", path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(oldRequests() == poll)
            if poll == 3 { #expect(run.stderr.contains("feed moved permanently")) }
        }
        let direct = try await BinaryRun.run(["once", "--config", path])
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(oldRequests() == 3, "the fourth poll must go to the new address directly")
        #expect(server.requests.filter { $0.path == "/new.xml" }.count == 4)
        #expect(try SystemdTests.titles(dir) == ["Baghdad talks resume"])  // one story, once
    }
}
