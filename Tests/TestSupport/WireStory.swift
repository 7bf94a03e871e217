/// One wire story as the agency wrote it, an outlet's lightly edited copy, and a different story
/// of the same day, subject and style: the near-duplicate cases of the fingerprint and store
/// tests.
public enum WireStory {
    public static let text = """
        BAGHDAD (AP) — Iraq and the United States opened a new round of talks on Tuesday about the future of \
        the U.S.-led coalition in the country, officials said. The talks, held in Baghdad, are expected to set \
        a timeline for the drawdown of coalition forces, which have been in Iraq since 2014 to fight the \
        Islamic State group. Iraqi Prime Minister Mohammed Shia al-Sudani said the coalition's mission had \
        been accomplished and that Iraq's own forces were now able to secure the country. Washington has about \
        2,500 troops in Iraq, most of them advisers and trainers.
        """

    /// The outlet's copy: its own dateline style, one word changed, a trailing credit.
    public static let copy = """
        BAGHDAD — Iraq and the United States opened a new round of talks on Tuesday about the future of \
        the U.S.-led coalition in the country, officials said. The talks, held in Baghdad, are expected to set \
        a timeline for the withdrawal of coalition forces, which have been in Iraq since 2014 to fight the \
        Islamic State group. Iraqi Prime Minister Mohammed Shia al-Sudani said the coalition's mission had \
        been accomplished and that Iraq's own forces were now able to secure the country. Washington has about \
        2,500 troops in Iraq, most of them advisers and trainers. (Reporting by the Associated Press)
        """

    /// Another story of the same day, subject and style.
    public static let other = """
        BAGHDAD (AP) — A drone attack targeted a base hosting U.S. troops in western Iraq on Tuesday, the \
        coalition said, the third such attack this week. No casualties were reported. An umbrella group of \
        Iran-backed militias calling itself the Islamic Resistance in Iraq claimed the attack in a statement, \
        saying it was a response to the presence of American forces in the country. Iraqi security officials \
        said the drone was launched from an area near the Syrian border and that an investigation had begun.
        """
}
