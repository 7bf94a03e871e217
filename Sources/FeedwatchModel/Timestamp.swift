import Glibc

/// An instant, in whole seconds since 1970-01-01T00:00:00Z.
///
/// Feeds carry dates to the second at best, and every output prints RFC 3339 in UTC, so one integer
/// is the whole representation. The calendar arithmetic is Howard Hinnant's `days_from_civil` /
/// `civil_from_days`, exact for the proleptic Gregorian calendar and free of Foundation's
/// locale-dependent formatters.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    /// The present moment, from the system's real-time clock.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec))
    }

    /// Builds an instant from civil UTC fields. Returns nil when a field is out of range
    /// (month 13, day 32, hour 25, February 30, a year outside 1..9999).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        guard (1...9999).contains(year), (1...12).contains(month), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        guard day >= 1, day <= Timestamp.daysInMonth(year: year, month: month) else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        // A leap second (:60) is folded into the next second, as POSIX time does.
        seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.seconds < rhs.seconds }

    public func adding(seconds delta: Int64) -> Timestamp { Timestamp(seconds: seconds + delta) }

    /// RFC 3339 in UTC, e.g. `2024-08-13T08:51:16Z`.
    public var rfc3339: String {
        var out = [UInt8]()
        appendRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `rfc3339` to a byte buffer: every JSON line carries one or more of these, so the
    /// twenty bytes are written in place, without a string or an array per field.
    public func appendRFC3339(to out: inout [UInt8]) {
        let c = civil
        // A year outside 0...9999 (not built by the initialiser, but an Int64 allows it) is
        // clamped to four digits rather than written wider than RFC 3339 allows.
        let year = min(max(c.year, 0), 9999)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { b in
            @inline(__always) func two(_ v: Int, _ at: Int) {
                b[at] = 0x30 + UInt8(v / 10)
                b[at + 1] = 0x30 + UInt8(v % 10)
            }
            two(year / 100, 0)
            two(year % 100, 2)
            b[4] = 0x2D
            two(c.month, 5)
            b[7] = 0x2D
            two(c.day, 8)
            b[10] = 0x54
            two(c.hour, 11)
            b[13] = 0x3A
            two(c.minute, 14)
            b[16] = 0x3A
            two(c.second, 17)
            b[19] = 0x5A
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    public var description: String { rfc3339 }

    /// The civil UTC fields of this instant. Weekday: 1 = Monday ... 7 = Sunday (ISO 8601).
    public var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secs = Int(seconds - days * 86_400)
        let (y, m, d) = Timestamp.civilFromDays(days)
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = Int(((days % 7) + 7 + 3) % 7) + 1
        return (y, m, d, secs / 3600, (secs / 60) % 60, secs % 60, weekday)
    }

    public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
