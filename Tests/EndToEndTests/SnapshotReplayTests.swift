import FlyingFox
import Foundation
import Synchronization
import TestSupport
import Testing

/// Real feeds saved several times in a row (../shared/corpus/dev, tagged snapshot-series in
/// PROVENANCE.tsv), served in order to `feedwatch once`, one process per step (a restart each
/// time) and a prune after each: every story is announced once, none twice, and a repeated step
/// announces nothing.
@Suite("snapshot series replay")
struct SnapshotReplayTests {
    /// The series: file lists in chronological order (by the newest date each snapshot holds).
    static func series() throws -> [String: [URL]] {
        let provenance = try String(contentsOf: try Paths.shared("corpus/PROVENANCE.tsv"), encoding: .utf8)
        var files: [String: [URL]] = [:]
        // CRLF lines: "\r\n" is one Character, so split on either.
        for line in provenance.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count > 8, cols[8].contains("snapshot-series") else { continue }
            // One series per source path (the repository's file that was snapshotted).
            files["\(cols[2])/\(cols[3])", default: []].append(try Paths.shared("corpus/\(cols[0])"))
        }
        return files.filter { $0.value.count > 1 }
    }

    /// `feedwatch parse` of each file: its entries' (id, link, published).
    static func entries(_ file: URL) async throws -> [[String: Any]] {
        let run = try await BinaryRun.run(["parse", file.path])
        return run.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["key"] != nil }
    }

    @Test("every story of every snapshot series announced exactly once, across restarts and prunes")
    func replay() async throws {
        let all = try Self.series()
        #expect(all.count >= 5, "expected the shared snapshot series")
        let server = try await LoopbackServer()
        defer { Task { await server.stop() } }
        let current = Mutex<[String: Data]>([:])
        await server.route("GET /series/*") { request in
            guard let data = current.withLock({ $0[request.path] }) else { return HTTPResponse(statusCode: .notFound) }
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/xml"], body: data)
        }
        // Order each series by the newest date in each snapshot.
        var ordered: [(path: String, files: [URL], entries: [[[String: Any]]])] = []
        for (i, (_, files)) in all.sorted(by: { $0.key < $1.key }).enumerated() {
            var dated: [(URL, String, [[String: Any]])] = []
            for f in files {
                let e = try await Self.entries(f)
                dated.append((f, e.compactMap { $0["published"] as? String }.max() ?? "", e))
            }
            dated.sort { $0.1 < $1.1 }
            ordered.append(("/series/\(i).xml", dated.map(\.0), dated.map(\.2)))
        }
        let dir = try TemporaryDirectory()
        let config = dir.path("feedwatch.toml")
        var text = """
            state_dir = "\(dir.path("state"))"
            log_dir = "\(dir.path("log"))"
            [fetch]
            allow_addresses = ["127.0.0.1/32"]
            [[watch]]
            name = "everything"
            match = '/./'
            backlog = 100000
            [[output]]
            name = "events"
            type = "jsonl"
            path = "events.jsonl"

            """
        for s in ordered { text += "[[feed]]\nurl = \"\(server.url(s.path))\"\n" }
        try text.write(toFile: config, atomically: true, encoding: .utf8)

        let steps = ordered.map(\.files.count).max() ?? 0
        var seenLines = 0
        for step in 0..<steps {
            try current.withLock { c in
                for s in ordered where step < s.files.count { c[s.path] = try Data(contentsOf: s.files[step]) }
            }
            let run = try await BinaryRun.run(["once", "--config", config])
            #expect(run.status == 0, "step \(step): \(run.stderr)")
            // The same documents again (another restart): nothing new.
            let again = try await BinaryRun.run(["once", "--config", config])
            #expect(again.status == 0)
            // Prune hard: whatever has left its feed is forgotten; what is still in it never is.
            let prune = try await BinaryRun.run(["store", "prune", "--after", "1s", "--config", config])
            #expect(prune.status == 0, "\(prune.stderr)")
            let lines = try OnceTests.lines(dir.path("log/events.jsonl"))
            #expect(again.stderr.contains("new=0"), "step \(step): \(again.stderr)")
            if step > 0 { #expect(lines.count >= seenLines) }
            seenLines = lines.count
        }

        let events = try OnceTests.lines(dir.path("log/events.jsonl")).filter { $0["type"] as? String == "story.new" }
        // Across feeds (two series share stories: [stories] across_feeds announces a wire story
        // once), a story counts as announced by any feed.
        let everywhere = events.compactMap { $0["story"] as? [String: Any] }
        let allIDs = Set(everywhere.compactMap { $0["id"] as? String })
        let allLinks = everywhere.compactMap { $0["link"] as? String }
        let allTitles = Set(everywhere.compactMap { $0["title"] as? String })
        #expect(Set(allLinks).count == allLinks.count, "a link announced twice, in two feeds")
        var report: [String] = []
        for s in ordered {
            let url = server.url(s.path)
            let mine = events.filter { ($0["feed"] as? [String: Any])?["url"] as? String == url }
            let stories = mine.compactMap { $0["story"] as? [String: Any] }
            let ids = stories.compactMap { $0["id"] as? String }
            let links = stories.compactMap { $0["link"] as? String }
            // Zero re-announcements: no id and no link announced twice.
            #expect(Set(ids).count == ids.count, "\(s.files[0].lastPathComponent): an id announced twice")
            #expect(Set(links).count == links.count, "\(s.files[0].lastPathComponent): a link announced twice")
            // Every story of every snapshot announced: by its id, or by its link or its headline
            // under an earlier id (a publisher that edits the slug in its guids, Miniflux #797).
            var missing: [String] = []
            var distinct: Set<String> = []
            for entries in s.entries {
                for e in entries {
                    let id = e["id"] as? String
                    let link = e["link"] as? String
                    distinct.insert(id ?? link ?? "")
                    if let id, allIDs.contains(id) { continue }
                    if let link, allLinks.contains(link) { continue }
                    if let title = e["title"] as? String, allTitles.contains(title) { continue }
                    missing.append(id ?? link ?? "?")
                }
            }
            #expect(missing.isEmpty, "\(s.files[0].lastPathComponent): never announced: \(Set(missing).sorted())")
            report.append(
                "\(s.files[0].lastPathComponent.components(separatedBy: "__").dropLast().joined(separator: "__")): \(s.files.count) snapshots, \(distinct.count) stories, \(mine.count) announced"
            )
        }
        print("snapshot replay:\n  " + report.joined(separator: "\n  "))
    }
}
