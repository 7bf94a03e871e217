import Foundation
import Testing

@testable import FeedwatchMatch

/// The folding table read at start (`FoldTableData.swift`) against the one computed from the
/// toolchain's Unicode data: a new toolchain whose Unicode data folds a character otherwise
/// fails here, and `scripts/gen-fold-table.sh` writes the table anew.
@Suite("fold table")
struct FoldTableTests {
    @Test("the shipped table is the one the Unicode data gives")
    func shippedIsComputed() throws {
        let computed = FoldTable.computed()
        if let path = ProcessInfo.processInfo.environment["FEEDWATCH_WRITE_FOLD_TABLE"] {
            try computed.generatedSource().write(toFile: path, atomically: true, encoding: .utf8)
        }
        let shipped = FoldTable.shared
        let differing = (0..<Int(FoldTable.limit)).filter { shipped.entries[$0] != computed.entries[$0] }
        #expect(
            differing.isEmpty,
            "\(differing.count) scalars fold otherwise, from U+\(String(differing.first ?? 0, radix: 16)): run scripts/gen-fold-table.sh"
        )
        #expect(shipped.multi == computed.multi)
        #expect(computed.multi.count > 900, "folds to several scalars (ligatures, ß, ﬃ) are in the table")
    }

    @Test("the text form reads back as the table it was written from")
    func runsRoundTrip() {
        let computed = FoldTable.computed()
        let text = computed.runs(indent: "    ", width: 80)
        let read = FoldTable(runs: text)
        #expect(read.entries == computed.entries)
        #expect(read.multi == computed.multi)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    @Test("characters fold as the watch language says")
    func folds() {
        let table = FoldTable.shared
        func folded(_ s: String) -> String {
            var out: [Unicode.Scalar] = []
            var text = ""
            for scalar in s.unicodeScalars {
                out.removeAll()
                if table.fold(scalar, into: &out) == .word { text.unicodeScalars.append(contentsOf: out) }
            }
            return text
        }
        #expect(folded("Ébène") == "ebene")
        #expect(folded("Straße") == "strasse")
        #expect(folded("ﬁnal") == "final")
        #expect(folded("ＩＲＡＱ") == "iraq")
        #expect(folded("Σίσυφος") == "σισυφοσ")
        #expect(folded("إيران") == folded("ايران"))
        func cls(_ c: Unicode.Scalar) -> CharClass {
            var out: [Unicode.Scalar] = []
            return table.fold(c, into: &out)
        }
        #expect(cls("’") == .apostrophe)
        #expect(cls(".") == .dot)
        #expect(cls("\u{301}") == .removed)
        #expect(cls("中") == .ideograph)
        #expect(cls("—") == .separator)
    }
}
