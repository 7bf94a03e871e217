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
}
