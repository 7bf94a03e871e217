import Foundation
import TestSupport
import Testing

/// Every stored case of ../shared/hostile through `feedwatch parse`, checked against what
/// MANIFEST.tsv asks of a safe daemon, plus the invariants that hold for all of them.
@Suite("hostile corpus")
struct HostileCorpusTests {
    /// What `parse` must give for one hostile document.
    struct Expectation: Sendable {
        /// Entries kept (recovered documents keep what surrounds the damage).
        var entries: ClosedRange<Int>
        /// A fatal error on the feed line containing this text, or nil when the document is a feed.
        var error: String? = nil
        /// Texts one of the entry titles must equal, in order.
        var titles: [String] = []
    }

    static let twinTitles = ["Baghdad — coalition “talks”", "Iraq coalition talks update 2"]

    /// One expectation per stored MANIFEST case; `everyStoredCaseHasAnExpectation` keeps it whole.
    static let expectations: [String: Expectation] = [
        // Entities are never expanded nor loaded: the declaration is ignored, references stay text.
        "xxe_file_passwd.xml": .init(entries: 2...2),
        "xxe_dev_zero.xml": .init(entries: 1...1),
        "xxe_external_dtd_http.xml": .init(entries: 2...2),
        "xxe_parameter_entity_oob.xml": .init(entries: 1...1),
        "xxe_external_general_http.xml": .init(entries: 1...1),
        "xxe_doctype_public_w3c.xml": .init(entries: 1...1, titles: ["found"]),
        "xinclude_passwd.xml": .init(entries: 1...1),
        "billion_laughs.xml": .init(entries: 1...2),
        "billion_laughs_attr.xml": .init(entries: 1...1),
        "billion_laughs_parameter.xml": .init(entries: 1...1),
        "quadratic_blowup.xml": .init(entries: 1...1),
        "entity_loop.xml": .init(entries: 1...1),
        // Encodings: BOM over declaration, windows-1252 for bytes that are not UTF-8.
        "invalid_utf8.xml": .init(entries: 2...3),
        "wrong_encoding_cp1252_declared_utf8.xml": .init(entries: 2...2, titles: twinTitles),
        "wrong_encoding_utf8_declared_latin1.xml": .init(entries: 2...2),
        "wrong_encoding_declared_utf16_no_bom.xml": .init(entries: 2...2),
        "unknown_encoding.xml": .init(entries: 2...2),
        "utf16le_bom.xml": .init(entries: 2...2, titles: twinTitles),
        "utf16be_bom_no_decl.xml": .init(entries: 2...2, titles: twinTitles),
        "utf16le_bom_declared_utf8.xml": .init(entries: 2...2),
        "utf8_bom_declared_latin1.xml": .init(entries: 2...2, titles: twinTitles),
        // Illegal characters and broken structure: recovered around the damage.
        "nul_in_title.xml": .init(entries: 2...3),
        "nul_padding_after_root.xml": .init(entries: 2...2),
        "nul_charref.xml": .init(entries: 2...2),
        "control_chars_raw.xml": .init(entries: 2...2),
        "injection_titles_rss.xml": .init(entries: 13...13),
        "injection_titles_atom.xml": .init(entries: 3...3, titles: ["Iraq", "US troops", "relative"]),
        "truncated_mid_item.xml": .init(entries: 3...3),
        "unclosed_tags.xml": .init(entries: 2...3),
        "undeclared_html_entity.xml": .init(entries: 2...2, titles: ["café © Baghdad"]),
        "undeclared_namespace.xml": .init(entries: 2...2),
        "huge_name_60k.xml": .init(entries: 1...1),
        // Not feeds: said so, with no entries (never "every story was deleted").
        "html_not_feed.xml": .init(entries: 0...0, error: "not a feed"),
        "empty.xml": .init(entries: 0...0, error: "empty document"),
        "json_not_xml.xml": .init(entries: 0...0),
        // Identity cases: the parser keeps every item; the store decides (see StoreIdentityTests).
        "guid_same_for_different_items.xml": .init(entries: 2...2),
        "guid_changing_v1.xml": .init(entries: 2...2),
        "guid_changing_v2.xml": .init(entries: 2...2),
        "duplicate_items_in_one_feed.xml": .init(entries: 2...3),
        "same_guid_edited_content.xml": .init(entries: 1...1),
        "weird_dates.xml": .init(entries: 3...3),
    ]

    static func storedCases() throws -> [String] {
        let manifest = try String(contentsOf: try Paths.shared("hostile/MANIFEST.tsv"), encoding: .utf8)
        return manifest.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t")
            return columns.count >= 2 && columns[1] == "stored" ? String(columns[0]) : nil
        }
    }

    @Test("every stored case in MANIFEST.tsv has an expectation here")
    func everyStoredCaseHasAnExpectation() throws {
        let cases = try Self.storedCases()
        #expect(cases.count >= 40)
        for name in cases { #expect(Self.expectations[name] != nil, "no expectation for \(name)") }
    }

    @Test("each stored case ends in its expected entries or a clear error, with safe output")
    func storedCases() async throws {
        for name in try Self.storedCases() {
            let expectation = try #require(Self.expectations[name], "no expectation for \(name)")
            let path = try Paths.shared("hostile/\(name)").path
            let run = try await BinaryRun.run(["parse", path], timeout: 30)
            let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            var objects: [[String: Any]] = []
            for (i, line) in lines.enumerated() {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                try #require(object != nil, "\(name): line \(i + 1) is not one JSON object")
                objects.append(object ?? [:])
            }
            let feedLine = try #require(objects.first, "\(name): no feed line")
            let entries = objects.dropFirst()
            #expect(expectation.entries.contains(entries.count), "\(name): \(entries.count) entries")
            if let error = expectation.error {
                #expect((feedLine["error"] as? String)?.contains(error) == true, "\(name): \(feedLine)")
                #expect(run.status == 1, "\(name): exit \(run.status)")
            } else {
                #expect(feedLine["error"] == nil, "\(name): \(feedLine)")
                #expect(run.status == 0, "\(name): exit \(run.status): \(run.stderr)")
            }
            let titles = entries.compactMap { $0["title"] as? String }
            for (i, title) in expectation.titles.enumerated() {
                #expect(i < titles.count && titles[i] == title, "\(name): titles \(titles)")
            }
            // Nothing from a file a document names, no link but the web's, no raw control bytes.
            #expect(!run.stdout.contains("root:"), "\(name): output holds /etc/passwd content")
            for entry in entries {
                if let link = entry["link"] as? String {
                    #expect(!link.lowercased().hasPrefix("file:"), "\(name): file link \(link)")
                    #expect(!link.lowercased().hasPrefix("javascript:"), "\(name): script link \(link)")
                }
            }
            #expect(!run.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(name): raw control")
        }
    }

    @Test("the injection titles stay one line each and keep markup as data")
    func injectionTitles() async throws {
        let run = try await BinaryRun.run(["parse", try Paths.shared("hostile/injection_titles_rss.xml").path])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 14)
        let atom = try await BinaryRun.run(["parse", try Paths.shared("hostile/injection_titles_atom.xml").path])
        #expect(!atom.stdout.contains("alert(2)"), "script content must be dropped from xhtml titles")
        #expect(!atom.stdout.contains("onmouseover"), "markup in html titles must be reduced to text")
    }
}
