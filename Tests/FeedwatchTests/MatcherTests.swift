import Dispatch
import Synchronization
import TestSupport
import Testing

@testable import FeedwatchMatch

/// Every operator and folding rule of the watch language (README "Watch language"), with the
/// traps news text sets: "ISIS" in "crisis", "Iraq" in "Iraqi", "US" the country and "us".
@Suite("watch language")
struct MatcherTests {
    static func matches(_ expression: String, _ story: StoryText, aliases: [String: [String]] = [:]) throws -> Bool {
        let matcher = try Matcher(watches: [WatchDefinition(name: "w", expression: expression)], aliases: aliases)
        return !matcher.match(story).isEmpty
    }

    static func title(_ t: String) -> StoryText { StoryText(title: t) }

    @Test(
        "words, phrases, prefixes and boolean operators",
        arguments: [
            // Whole words by default.
            ("ISIS", "Crisis talks in Brussels", false),
            ("ISIS", "ISIS claims attack", true),
            ("Iraq", "Iraqi forces advance", false),
            ("Iraq*", "Iraqi forces advance", true),
            ("Iraq", "Iraq's prime minister", true),
            // Phrases keep their order and adjacency.
            ("\"Islamic State\"", "Islamic State fighters", true),
            ("\"Islamic State\"", "State of Islamic art", false),
            // AND, OR, NOT, -, implicit AND, parentheses.
            ("Iraq AND coalition", "Iraq coalition talks", true),
            ("Iraq AND coalition", "Iraq talks", false),
            ("Iraq coalition", "coalition talks in Iraq", true),
            ("Iraq OR Syria", "Syria talks", true),
            ("Iraq NOT football", "Iraq football team wins", false),
            ("Iraq -football", "Iraq football team wins", false),
            ("Iraq -football", "Iraq talks", true),
            ("(Iraq OR Syria) AND troops", "US troops in Syria", true),
            ("Iraq OR Syria AND troops", "Iraq votes", true),
            // NEAR/n: both within n words, either order.
            ("troops NEAR/4 Iraq", "troops will stay in Iraq", true),
            ("troops NEAR/3 Iraq", "troops will stay in Iraq", false),
            ("troops NEAR/4 Iraq", "troops were sent home after years spent in Iraq", false),
            ("Iraq NEAR/4 troops", "troops will stay in Iraq", true),
            // Nested groups, each decided by its first deciding item, NEAR and NOT inside.
            ("(Iraq OR (Syria AND NOT Turkey)) AND (troops NEAR/2 base OR drone*)", "Iraq troops at base", true),
            ("(Iraq OR (Syria AND NOT Turkey)) AND (troops NEAR/2 base OR drone*)", "Syria drone strike", true),
            (
                "(Iraq OR (Syria AND NOT Turkey)) AND (troops NEAR/2 base OR drone*)", "Syria and Turkey drone talks",
                false
            ),
            (
                "(Iraq OR (Syria AND NOT Turkey)) AND (troops NEAR/2 base OR drone*)", "Iraq troops far from any base",
                false
            ),
            ("(Iraq OR (Syria AND NOT Turkey)) AND (troops NEAR/2 base OR drone*)", "Turkey drone", false),
            ("Iraq AND NOT (football OR (US NEAR/1 embassy))", "Iraq football", false),
            ("Iraq AND NOT (football OR (US NEAR/1 embassy))", "Iraq US embassy", false),
            ("Iraq AND NOT (football OR (US NEAR/1 embassy))", "Iraq embassy of the US", true),
            ("Iraq AND NOT (football OR (US NEAR/1 embassy))", "Iraq talks", true),
            ("(troops NEAR/3 Iraq) OR (Syria AND (base OR airport))", "Syria airport reopens", true),
            ("(troops NEAR/3 Iraq) OR (Syria AND (base OR airport))", "troops leave Iraq", true),
            ("(troops NEAR/3 Iraq) OR (Syria AND (base OR airport))", "Syria talks on troops", false),
            // Regex escape hatch, case-insensitive on the folded text.
            ("/kata.?ib/", "Kataib Hezbollah claims strike", true),
            ("/kata.?ib/", "Hezbollah claims strike", false),
        ])
    func operators(expression: String, title: String, expected: Bool) throws {
        #expect(try Self.matches(expression, Self.title(title)) == expected)
    }

    @Test(
        "folding: case, diacritics, apostrophes, dashes, abbreviations, NFKC",
        arguments: [
            ("Shiite", "Shi’ite militias", true),
            ("Shiite", "Shi'ite militias", true),
            ("Shiite", "Shiʼite militias", true),
            ("Shi'ite", "Shiite militias", true),
            ("\"U.S.\"", "U.S. troops", true),
            ("\"U.S.\"", "US troops", true),
            ("\"U.S.\"", "let us pray", false),
            ("US-led", "US–led coalition", true),
            ("US-led", "US‑led coalition", true),
            ("Iraq", "US—Iraq talks", true),  // an em dash separates words
            ("Mosul", "«Mosul»", true),
            ("Erbil", "Érbil airport", true),
            ("Sadr", "Ṣadr City", true),
            ("Kirkuk", "KIRKUK oil", true),
            ("café", "CAFE", true),
            ("ISIS", "ＩＳＩＳ claims", true),  // full-width, folded by NFKC
            // Compatibility forms beyond U+3000, folded as those below it are.
            ("finance", "ﬁnance ministry", true),  // a ligature
            ("Baghdad", "𝐁𝐚𝐠𝐡𝐝𝐚𝐝 talks resume", true),  // mathematical bold, as "fancy text" writes it
            ("بغداد", "ﺑﻐﺪاد", true),  // Arabic presentation forms (text copied from PDFs)
            ("バグダッド", "ﾊﾞｸﾞﾀﾞｯﾄﾞ", true),  // half-width katakana
            ("km", "40 ㎞ north of Mosul", true),  // a CJK compatibility unit
            ("Baghdad", "𝐁𝐚𝐬𝐫𝐚 talks resume", false),
            ("الموصل", "معركة الموصل", true),  // Arabic, word boundaries by script
            ("Hewlêr", "Hewler governor", true),  // Kurdish diacritics
        ])
    func folding(expression: String, title: String, expected: Bool) throws {
        #expect(try Self.matches(expression, Self.title(title)) == expected)
    }

    @Test("a watch that only excludes is refused: it would match almost every story")
    func onlyNegative() {
        #expect(throws: WatchErrors.self) {
            try Matcher(watches: [WatchDefinition(name: "w", expression: "NOT Iraq")])
        }
    }

    @Test("nesting is refused past 100 levels with a clear error, not a crash; 100 levels still work")
    func nesting() throws {
        for deep in [
            String(repeating: "(", count: 60_000) + "Iraq" + String(repeating: ")", count: 60_000),
            String(repeating: "NOT ", count: 60_000) + "Iraq", String(repeating: "title:", count: 60_000) + "Iraq",
        ] {
            let error = #expect(throws: WatchErrors.self) {
                try Matcher(watches: [WatchDefinition(name: "w", expression: deep)])
            }
            #expect(
                "\(String(describing: error))".contains("nested more than 100 deep"), "\(String(describing: error))")
        }
        let hundred = String(repeating: "(", count: 100) + "Iraq" + String(repeating: ")", count: 100)
        #expect(try Self.matches(hundred, Self.title("Iraq talks")))
    }

    @Test("field scopes look only where they say")
    func fields() throws {
        let story = StoryText(
            title: "Talks resume", summary: "Baghdad hosts coalition envoys", content: "", categories: ["Middle East"],
            authors: ["Jane Doe"], link: "https://example.org/iraq/talks", feed: "Wire https://wire.example/rss")
        #expect(try Self.matches("title:talks", story))
        #expect(try !Self.matches("title:Baghdad", story))
        #expect(try Self.matches("summary:Baghdad", story))
        #expect(try Self.matches("category:\"Middle East\"", story))
        #expect(try Self.matches("author:Doe", story))
        #expect(try Self.matches("link:iraq", story))
        #expect(try Self.matches("feed:Wire", story))
        #expect(try !Self.matches("Doe", story))  // authors are not part of the default text
    }

    @Test("a watch's fields: where its unscoped terms are looked for; a field: prefix still chooses its own")
    func watchFields() throws {
        let story = StoryText(
            title: "Oil prices climb", summary: "Markets react", content: "Iraq and coalition partners met in Baghdad.",
            categories: ["Business"])
        let m = try Matcher(watches: [
            WatchDefinition(name: "everywhere", expression: "Iraq AND coalition"),
            WatchDefinition(name: "headline", expression: "Iraq AND coalition", fields: [.title, .summary]),
            WatchDefinition(name: "scoped", expression: "content:Iraq AND oil", fields: .title),
            WatchDefinition(name: "lists", any: ["Baghdad"], fields: [.title, .summary]),
        ])
        #expect(m.match(story).map(\.watch) == ["everywhere", "scoped"])
        let headline = StoryText(title: "Iraq asks coalition to leave", content: "Nothing else.")
        #expect(m.match(headline).map(\.watch) == ["everywhere", "headline"])
        #expect(m.match(StoryText(title: "t", summary: "Baghdad talks")).map(\.watch) == ["lists"])
    }

    @Test(
        "one matcher, its scanning state reused story after story and on several threads at once, answers as a new one does"
    )
    func reusedAndShared() throws {
        let definitions = [
            WatchDefinition(name: "phrase", expression: "\"Islamic State\" AND (Iraq* OR Syria)"),
            WatchDefinition(name: "near", expression: "troops NEAR/4 (Iraq OR Baghdad)"),
            WatchDefinition(name: "lists", expression: "category:\"Middle East\" OR author:Doe"),
        ]
        // Stories that leave hits and half-read phrases behind, then stories with none: a hit or
        // phrase kept from the story before would show as a match here. Every 50th has 6,000
        // hits and a word of 6,000 letters, more than the kept storage holds.
        var stories: [StoryText] = []
        for i in 0..<200 {
            if i % 50 == 7 {
                let many = String(repeating: "Islamic State troops in Baghdad ", count: 1500)
                stories.append(StoryText(title: "Iraq", content: many + String(repeating: "a", count: 6000)))
                continue
            }
            switch i % 4 {
            case 0:
                stories.append(StoryText(title: "Islamic State fighters in Iraq", content: "US troops stay in Baghdad"))
            case 1: stories.append(StoryText(title: "State of Islamic", summary: "Islamic"))
            case 2:
                stories.append(
                    StoryText(title: "Talks", categories: ["Middle", "East"], authors: ["Jane Doe", "Ann Roe"]))
            default: stories.append(StoryText(title: "troops", content: "will stay \(i) days"))
            }
        }
        let all = stories
        let expected = try all.map { try Matcher(watches: definitions).match($0) }
        #expect(expected.filter { !$0.isEmpty }.count == 104, "\(expected.map(\.count))")

        let shared = try Matcher(watches: definitions)
        #expect(all.map { shared.match($0) } == expected)
        let concurrent = Mutex([[WatchMatch]?](repeating: nil, count: all.count))
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in stride(from: worker, to: all.count, by: 8) {
                let found = shared.match(all[i])
                concurrent.withLock { $0[i] = found }
            }
        }
        #expect(concurrent.withLock { $0 } == expected)
    }

    @Test("an alias lists terms, never another alias")
    func aliasInAlias() {
        let aliases = ["groups": ["@militias", "PMF"], "militias": ["Kataib Hezbollah"]]
        do {
            _ = try Matcher(watches: [WatchDefinition(name: "w", expression: "Iraq AND @groups")], aliases: aliases)
            Issue.record("an alias listing @militias was accepted")
        } catch {
            #expect(error.description.contains("alias @groups lists '@militias'"), "\(error.description)")
        }
    }

    @Test("long words, long prefixes, and one word in two scopes")
    func tables() throws {
        #expect(try Self.matches("counterterrorism", Self.title("Counterterrorism talks")))
        #expect(try !Self.matches("counterterrorism", Self.title("Counterterrorisms talks")))
        #expect(try !Self.matches("counterterrorism", Self.title("Counterterror talks")))
        let long = "internationalisationsverantwortlich*"  // a prefix longer than 32 bytes
        #expect(try Self.matches(long, Self.title("Internationalisationsverantwortlichkeit neu geregelt")))
        #expect(try !Self.matches(long, Self.title("Internationalisation neu geregelt")))
        #expect(try Self.matches("Bagh*", Self.title("Baghdad")))
        #expect(try !Self.matches("Bagh*", Self.title("Bag")))
        let m = try Matcher(watches: [
            WatchDefinition(name: "headline", expression: "title:Iraq"),
            WatchDefinition(name: "anywhere", expression: "Iraq"),
        ])
        #expect(m.match(Self.title("Iraq votes")).map(\.watch) == ["headline", "anywhere"])
        #expect(m.match(StoryText(title: "Votes", summary: "in Iraq")).map(\.watch) == ["anywhere"])
    }

    @Test("every term is found among words of its shape: random words against a plain reference")
    func wordsOfOneShape() throws {
        // Words that share their first two letters and often their length, long and short, so
        // that the term filter's first look (two bytes and a length) lets most through and its
        // second (the first eight or four bytes) must tell them apart without losing a term.
        var rng = SeededGenerator(state: 29)
        let stems = ["mi", "mo", "st", "ba", "co"]
        func randomWord() -> String {
            let tail = (0..<Int.random(in: 0...11, using: &rng)).map { _ in
                Character(Unicode.Scalar(UInt8.random(in: 0x61...0x66, using: &rng)))
            }
            return (stems.randomElement(using: &rng) ?? "mi") + String(tail)
        }
        let vocabulary = Array(Set((0..<400).map { _ in randomWord() })).sorted()
        let exact = (0..<60).compactMap { _ in vocabulary.randomElement(using: &rng) }
        let prefixes = (0..<40).compactMap { _ -> String? in
            guard let w = vocabulary.randomElement(using: &rng), w.count >= 3 else { return nil }
            return String(w.prefix(Int.random(in: 3...min(10, w.count), using: &rng)))
        }
        let definitions =
            exact.enumerated().map { WatchDefinition(name: "e\($0.offset)", expression: $0.element) }
            + prefixes.enumerated().map { WatchDefinition(name: "p\($0.offset)", expression: $0.element + "*") }
        let matcher = try Matcher(watches: definitions)
        var matched = 0
        for _ in 0..<300 {
            let words = (0..<12).compactMap { _ in vocabulary.randomElement(using: &rng) }
            let title = words.map { Bool.random(using: &rng) ? $0.uppercased() : $0 }.joined(separator: " ")
            var expected = Set(exact.enumerated().filter { words.contains($0.element) }.map { "e\($0.offset)" })
            for (i, p) in prefixes.enumerated() where words.contains(where: { $0.hasPrefix(p) }) {
                expected.insert("p\(i)")
            }
            let found = Set(matcher.match(Self.title(title)).map(\.watch))
            #expect(found == expected, "\(title)")
            matched += found.count
        }
        #expect(matched > 300, "the stories hold terms, not only words of their shape")
    }

    @Test("a phrase never spans two categories")
    func phraseAcrossCategories() throws {
        #expect(
            try !Self.matches("category:\"East Asia\"", StoryText(title: "t", categories: ["Middle East", "Asia"])))
        #expect(try Self.matches("category:\"East Asia\"", StoryText(title: "t", categories: ["News", "East Asia"])))
    }

    @Test("aliases expand to their terms")
    func aliases() throws {
        let aliases = ["isis": ["ISIS", "ISIL", "Daesh", "\"Islamic State\""]]
        #expect(try Self.matches("Iraq AND @isis", Self.title("Daesh cell found in Iraq"), aliases: aliases))
        #expect(try !Self.matches("Iraq AND @isis", Self.title("Crisis in Iraq"), aliases: aliases))
    }

    @Test("the simple form: any, all, none")
    func simpleForm() throws {
        let m = try Matcher(watches: [
            WatchDefinition(name: "w", any: ["Baghdad", "Basra"], all: ["troops"], none: ["football"])
        ])
        #expect(!m.match(Self.title("US troops leave Baghdad")).isEmpty)
        #expect(m.match(Self.title("US troops leave Syria")).isEmpty)
        #expect(m.match(Self.title("Baghdad football troops")).isEmpty)
    }

    @Test("explanations name the terms, their fields and a snippet")
    func explain() throws {
        let m = try Matcher(watches: [WatchDefinition(name: "w", expression: "Iraq AND coalition")])
        let story = StoryText(title: "Talks in Iraq", summary: "The US-led coalition will end its mission.")
        let match = try #require(m.match(story).first)
        #expect(match.watch == "w")
        #expect(match.terms.contains { $0.term == "Iraq" && $0.field == "title" })
        #expect(match.terms.contains { $0.term == "coalition" && $0.field == "summary" })
        #expect(match.snippet.contains("Iraq"))
    }

    @Test("snippets: cut at spaces with ellipses, line breaks as one space, never inside a character")
    func snippets() {
        let words = (1...40).map { "w\($0)" }.joined(separator: " ")
        let text = words + " Iraq " + words
        let start = text.utf8.count / 2 - 2
        let cut = Snippet.around(text, start: start, length: 4, before: 20, after: 20)
        #expect(cut.hasPrefix("…") && cut.hasSuffix("…") && cut.contains("Iraq"))
        // Whole words only: the excerpt between the ellipses starts and ends at a word.
        let inner = cut.dropFirst().dropLast()
        #expect(
            !inner.hasPrefix(" ") && !inner.hasSuffix(" ")
                && inner.split(separator: " ").allSatisfy {
                    $0 == "Iraq" || text.contains(" \($0) ")
                })
        #expect(Snippet.around("Talks\r\nin\nIraq", start: 10, length: 4) == "Talks in Iraq")
        #expect(Snippet.around("short Iraq", start: 6, length: 4) == "short Iraq")
        // A cut that would fall inside "é" (two bytes) moves to the character's edge.
        let accented = String(repeating: "é", count: 50) + " Iraq"
        let hit = accented.utf8.count - 4
        let around = Snippet.around(accented, start: hit, length: 4, before: 7, after: 0)
        #expect(around.hasSuffix("Iraq") && around.unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })
        #expect(Snippet.around("Iraq", start: 9, length: 4).isEmpty)
    }

    @Test(
        "broken expressions are errors with a position",
        arguments: [
            ("Iraq AND (coalition", "never closed"), ("Iraq AND", "expected"), ("title:", "expected"),
            ("nosuch:Iraq", "field"), ("@missing", "alias"), ("/(unclosed/", "regular expression"),
            (String(repeating: "a", count: 1001), "longer than 1000 bytes"),
        ])
    func errors(expression: String, message: String) {
        #expect(throws: WatchErrors.self) {
            try Matcher(watches: [WatchDefinition(name: "w", expression: expression)])
        }
        do {
            _ = try Matcher(watches: [WatchDefinition(name: "w", expression: expression)])
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.contains("position"), "\(error.description)")
        }
    }

    @Test("every problem in an expression is reported, in order, with its position, not only the first")
    func everyProblem() {
        let expression = "nosuch:Iraq OR @missing OR /(unclosed/ OR \"!!!\" OR a NEAR/0 b AND (coalition"
        do throws(WatchErrors) {
            _ = try Matcher(watches: [WatchDefinition(name: "w", expression: expression)], aliases: [:])
            Issue.record("a broken expression was accepted")
        } catch {
            let found = error.errors.map { "\($0.error.position) \($0.error.message)" }
            let expected: [(Int, String)] = [
                (1, "unknown field 'nosuch'"), (16, "unknown alias @missing"),
                (28, "invalid regular expression /(unclosed/"), (43, "'!!!' has no letters or digits"),
                (54, "NEAR needs a distance"), (67, "this '(' is never closed"),
            ]
            #expect(found.count == expected.count, "\(found)")
            for (line, (position, message)) in zip(found, expected) {
                #expect(line.hasPrefix("\(position) \(message)"), "\(line)")
            }
        }
    }
}
