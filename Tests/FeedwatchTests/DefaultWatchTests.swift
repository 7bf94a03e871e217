import FeedwatchConfig
import FeedwatchMatch
import Foundation
import TestSupport
import Testing

/// The shipped watch against the seed story and stories it must leave alone.
@Suite("the shipped iraq-coalition watch")
struct DefaultWatchTests {
    static func matcher() throws -> Matcher {
        let path = Paths.repository.appendingPathComponent("config/feedwatch.toml").path
        return try ConfigLoader.load(path: path, environment: [:]).matcher
    }

    @Test("matches the seed story")
    func seed() throws {
        let story = StoryText(
            title: "Talks to end US-led coalition in Iraq may take till after US elections – source",
            summary:
                "Talks between the United States and Iraq on ending the U.S.-led military coalition in the country may not be concluded until after U.S. presidential elections in November, a senior Iraqi government official told Reuters on condition of anonymity."
        )
        let matches = try Self.matcher().match(story)
        #expect(matches.map(\.watch) == ["iraq-coalition"])
    }

    @Test(
        "matches Iraq-coalition stories",
        arguments: [
            "US troops in Iraq and Syria attacked by drones, Pentagon says",
            "Iraqi PM Sudani says time has come to end US-led coalition mission",
            "Kataib Hezbollah suspends attacks on US forces in Iraq",
            "Islamic State fighters killed in raid near Kirkuk",
            "Washington and Baghdad hold talks on the future of American advisers",
            "Rocket attack targets Ain al-Asad air base in western Iraq",
        ])
    func wanted(_ title: String) throws {
        #expect(try Self.matcher().match(StoryText(title: title)).count == 1, "\(title)")
    }

    @Test(
        "stays quiet on the rest of the Middle East and on Iraq without the coalition",
        arguments: [
            "Iraqi football team wins a friendly in Basra",
            "Oil prices rise as OPEC meets in Vienna",
            "Israel and Hamas agree to talks in Cairo",
            "Crisis talks in Brussels over farm subsidies",
            "Baghdad book fair draws record crowds",
            "US elections: candidates debate the economy",
        ])
    func unwanted(_ title: String) throws {
        #expect(try Self.matcher().match(StoryText(title: title)).isEmpty, "\(title)")
    }

    /// A labelled fixture's rows: label (1 wanted, 0 not), then its tab-separated fields; lines
    /// starting with "#" are comments.
    static func labelledRows(_ name: String, fields: Int) -> [(wanted: Bool, fields: [String])] {
        let path = Paths.repository.appendingPathComponent("Tests/Fixtures/\(name)").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard !line.hasPrefix("#"), parts.count == fields + 1 else { return nil }
            return (parts[0] == "1", parts.dropFirst().map(String.init))
        }
    }

    /// Tests/Fixtures/iraq-coalition-headlines.tsv: label, tab, headline.
    static let labelled = labelledRows("iraq-coalition-headlines.tsv", fields: 1).map {
        (wanted: $0.wanted, headline: $0.fields[0])
    }

    @Test("the labelled headlines: every wanted one caught, every other one left alone")
    func labelledHeadlines() throws {
        #expect(Self.labelled.count >= 100, "the fixture is missing or short")
        #expect(Self.labelled.contains { $0.wanted } && Self.labelled.contains { !$0.wanted })
        let matcher = try Self.matcher()
        for (wanted, headline) in Self.labelled {
            let matched = !matcher.match(StoryText(title: headline)).isEmpty
            #expect(matched == wanted, "\(wanted ? "missed" : "false alarm"): \(headline)")
        }
    }

    /// Tests/Fixtures/iraq-coalition-stories.tsv: label, tab, headline, tab, summary.
    static let labelledStories = labelledRows("iraq-coalition-stories.tsv", fields: 2).map {
        (wanted: $0.wanted, story: StoryText(title: $0.fields[0], summary: $0.fields[1]))
    }

    @Test("labelled stories read with their summaries: Iraq in a summary does not make another war's story")
    func labelledStories() throws {
        #expect(Self.labelledStories.count >= 20, "the fixture is missing or short")
        let matcher = try Self.matcher()
        for (wanted, story) in Self.labelledStories {
            let matched = !matcher.match(story).isEmpty
            #expect(matched == wanted, "\(wanted ? "missed" : "false alarm"): \(story.title)")
        }
    }

    @Test("the Islamic State's full name does not place a story in Iraq")
    func islamicStateFullName() throws {
        // A real story of ../shared/corpus/dev (an Indian paper, June 2016): the summary spells out
        // the name, and nothing else in it is about Iraq.
        let elsewhere = StoryText(
            title: "Alert sounded in State after Orlando attack",
            summary:
                "With Islamic State of Iraq and Syria (ISIS) reportedly owning responsibility for the bloodshed at the gay "
                + "night club in Orlando on Sunday, the police sounded alert in the State.")
        #expect(try Self.matcher().match(elsewhere).isEmpty)
        let inIraq = StoryText(
            title: "Militants attack army post",
            summary: "Fighters of the Islamic State of Iraq and Syria (ISIS) attacked an Iraqi army post near Kirkuk.")
        #expect(try !Self.matcher().match(inIraq).isEmpty)
    }

    @Test("a long article that names Iraq only in its body is not an Iraq story")
    func bodyOnly() throws {
        let story = StoryText(
            title: "Why crude oil prices have started creeping upward again",
            summary: "Supply outages and demand are both to blame.",
            content:
                "Output fell in Iraq and Nigeria; U.S. producers cut back after the deal, and attacks on pipelines rose."
        )
        #expect(try Self.matcher().match(story).isEmpty)
    }
}
