/// Decides when a poll the store could not record is worth a log line.
///
/// A store that cannot write (a full disk, a read-only file system) fails every poll at once:
/// with a line per poll, 1,000 feeds would log 1,000 warnings in a minute, all saying the same.
/// The first failure gets a line at once; later ones at most one a minute, saying how many
/// failed since the last; the first poll recorded after failures, how many were not.
struct StoreFailureLog {
    /// The least time between two lines about failures.
    static let spacing: Duration = .seconds(60)

    /// Polls not recorded since the last line about them.
    private var sinceLine = 0
    /// Polls not recorded since the store last recorded one.
    private var sinceRecorded = 0
    private var lastLine: ContinuousClock.Instant?

    /// A poll was not recorded. Returns the number of failed polls to report now (this one
    /// included), or nil when a line said so less than `spacing` ago.
    mutating func failed(at now: ContinuousClock.Instant) -> Int? {
        sinceLine += 1
        sinceRecorded += 1
        if let lastLine, now - lastLine < Self.spacing { return nil }
        lastLine = now
        defer { sinceLine = 0 }
        return sinceLine
    }

    /// A poll was recorded. Returns how many were not before it, when some were.
    mutating func recorded() -> Int? {
        guard sinceRecorded > 0 else { return nil }
        defer { self = StoreFailureLog() }
        return sinceRecorded
    }
}
