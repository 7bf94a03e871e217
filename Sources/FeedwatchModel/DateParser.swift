import Foundation

/// Parses the dates feeds actually carry into instants, by hand and without Foundation.
///
/// Two families are understood:
/// - ISO 8601 / W3C-DTF / RFC 3339: `2003-12-31T10:14:55.12-08:00`, `2003-12-31 10:14:55`,
///   `2003-12`, `2003`, `20031231T101455Z`, and the two-digit-year forms `03-12-31`, `031231`.
/// - RFC 822 / 2822 and its real-world variants, read as a bag of tokens: weekday optional, day and
///   month in either order, two- or four-digit years, missing seconds or a missing time, named zones
///   (`EST`, `PDT`, `UT`, `MEST`, `Etc/GMT`, `GMT+1`), offsets with or without a colon, asctime and
///   JavaScript `Date` strings, `AM`/`PM`, English month names in full.
/// Greek, Hungarian and Korean month and day words seen in feeds are translated first.
///
/// A date without a zone is UTC. Anything not understood is nil: never "now", never a guess at a
/// field that is not there, and no input can make the parser trap or loop.
public enum DateParser {
    public static func parse(_ text: String) -> Timestamp? {
        var text = text
        if let t = text.withUTF8({ rfc822Usual(trimming($0)) }) { return writable(t) }
        var s = text.trimmingASCIIWhitespace()
        guard !s.isEmpty, s.utf8.count <= 128 else { return nil }
        var defaultZone = 0
        var addHours = 0
        if s.utf8.contains(where: { $0 >= 0x80 }) {
            guard let localized = translate(s) else { return nil }
            (s, defaultZone, addHours) = localized
        }
        let bytes = Array(s.utf8)
        let t =
            parseISO(bytes, defaultZone: defaultZone).map { $0.adding(seconds: Int64(addHours * 3600)) }
            ?? parseTokens(bytes, defaultZone: defaultZone)
        return t.flatMap(writable)
    }

    /// Instants RFC 3339 can write, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, in seconds.
    static let writableRange: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// A date a zone offset carried past either end of the years 1 to 9999 (`31 Dec 9999
    /// 23:59 -0100`) has no RFC 3339 form: it is not understood, rather than written wrong.
    private static func writable(_ t: Timestamp) -> Timestamp? {
        writableRange.contains(t.seconds) ? t : nil
    }

    // MARK: - ISO 8601

    static func parseISO(_ s: [UInt8], defaultZone: Int) -> Timestamp? {
        var r = Reader(s)
        if r.eat(0x2D) {
            // ISO 8601:1988's truncated year and month, `-YYMM` and `-YY-MM`: a date and nothing more.
            guard let yy = r.digits(max: 2), yy.count == 2 else { return nil }
            _ = r.eat(0x2D)
            guard let mm = r.digits(max: 2), mm.count == 2, r.atEnd else { return nil }
            return Timestamp(year: expandYear(yy.value), month: mm.value, day: 1, hour: 0, minute: 0, second: 0)
        }
        guard let first = r.digits(max: 8) else { return nil }
        var year: Int
        var month = 1
        var day = 1
        var ordinal: Int? = nil
        switch first.count {
        case 4:
            year = first.value
            if r.eat(0x2D) {  // -
                guard let m = r.digits(max: 3) else { return nil }
                month = m.value
                if m.count == 3 && r.peek != 0x2D {
                    ordinal = m.value  // YYYY-DDD
                    month = 1
                } else if r.eat(0x2D) {
                    guard let d = r.digits(max: 2) else { return nil }
                    day = d.value
                }
            }
        case 8:
            year = first.value / 10_000
            month = (first.value / 100) % 100
            day = first.value % 100
        case 7:
            // Ordinal date YYYYDDD. (Not YYDDD: five bare digits are junk more often than a date.)
            year = first.value / 1000
            ordinal = first.value % 1000
        case 6 where r.atEnd:
            year = expandYear(first.value / 10_000)
            month = (first.value / 100) % 100
            day = first.value % 100
        case 2 where r.peek == 0x2D:
            year = expandYear(first.value)
            r.advance()
            guard let m = r.digits(max: 2), r.eat(0x2D), let d = r.digits(max: 2), r.atEnd else { return nil }
            month = m.value
            day = d.value
        default:
            return nil
        }
        var hour = 0
        var minute = 0
        var second = 0
        var zone = defaultZone
        if !r.atEnd {
            guard r.eat(0x54) || r.eat(0x74) || r.eat(0x20) else { return nil }  // T, t, space
            while r.eat(0x20) {}
            guard let h = r.digits(max: 2) else { return nil }
            hour = h.value
            if r.eat(0x3A) {
                guard let m = r.digits(max: 2) else { return nil }
                minute = m.value
                if r.eat(0x3A) {
                    guard let sec = r.digits(max: 2) else { return nil }
                    second = sec.value
                }
            } else if h.count == 2, let rest = r.digits(max: 4), rest.count == 4 {
                minute = rest.value / 100
                second = rest.value % 100
            } else if h.count == 2, let rest = r.digits(max: 2) {
                minute = rest.value
            }
            if r.eat(0x2E) || r.eat(0x2C) {  // fraction, dropped
                guard r.digits(max: 12) != nil else { return nil }
            }
            while r.eat(0x20) {}
            if !r.atEnd {
                guard let z = r.zoneDesignator() else { return nil }
                zone = z
            }
            guard r.atEnd else { return nil }
        }
        guard let t = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        if let ordinal {
            let isLeap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            guard ordinal >= 1, ordinal <= (isLeap ? 366 : 365) else { return nil }
            return t.adding(seconds: Int64((ordinal - 1) * 86_400 - zone * 60))
        }
        return t.adding(seconds: Int64(-zone * 60))
    }

    // MARK: - RFC 822 and relatives

    /// The shape nearly every RSS date has, `Tue, 05 Mar 2024 07:40:00 EST` (weekday optional,
    /// seconds optional, zone an offset or a name of `zones`), read in one pass over the bytes.
    /// Anything else is nil here and goes to `parseTokens`, which reads this shape the same way
    /// (`DateParserTests` holds the two to it). Why: the general reader builds a token array, a
    /// string per word and a hashed lookup per word; dates were 4 % of `feedwatch parse`'s CPU
    /// over the benchmark corpus, 0.6 % with this path (BENCHMARKS.md, stop 26).
    static func rfc822Usual(_ s: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var i = 0
        let n = s.count
        @inline(__always) func digit(_ k: Int) -> Int? {
            guard k < n, isDigit(s[k]) else { return nil }
            return Int(s[k] &- 0x30)
        }
        /// Three letters at `k`, lower-cased and packed, if a letter does not follow them.
        @inline(__always) func word3(_ k: Int) -> UInt32? {
            guard k + 3 <= n, isLetter(s[k]), isLetter(s[k + 1]), isLetter(s[k + 2]), k + 3 == n || !isLetter(s[k + 3])
            else { return nil }
            return UInt32(s[k] | 0x20) << 16 | UInt32(s[k + 1] | 0x20) << 8 | UInt32(s[k + 2] | 0x20)
        }
        if let w = word3(0) {
            guard weekdays3.contains(w), n > 5, s[3] == 0x2C, s[4] == 0x20 else { return nil }
            i = 5
        }
        guard var day = digit(i) else { return nil }
        i += 1
        if let d = digit(i) {
            day = day * 10 + d
            i += 1
        }
        guard i < n, s[i] == 0x20, let m = word3(i + 1), let month = months3.firstIndex(of: m) else { return nil }
        i += 4
        guard i < n, s[i] == 0x20, let y1 = digit(i + 1), let y2 = digit(i + 2), let y3 = digit(i + 3),
            let y4 = digit(i + 4), i + 5 < n, s[i + 5] == 0x20
        else { return nil }
        let year = y1 * 1000 + y2 * 100 + y3 * 10 + y4
        i += 6
        /// Two digits at `k`.
        @inline(__always) func two(_ k: Int) -> Int? {
            guard let a = digit(k), let b = digit(k + 1) else { return nil }
            return a * 10 + b
        }
        guard let hour = two(i), i + 2 < n, s[i + 2] == 0x3A, let minute = two(i + 3) else { return nil }
        i += 5
        var second = 0
        if i < n, s[i] == 0x3A {
            guard let sec = two(i + 1) else { return nil }
            second = sec
            i += 3
        }
        var zone = 0
        if i < n {
            guard s[i] == 0x20, i + 1 < n else { return nil }
            i += 1
            let sign = s[i]
            if sign == 0x2B || sign == 0x2D {
                guard n == i + 5, let h = two(i + 1), let mm = two(i + 3), h <= 23, mm <= 59 else { return nil }
                zone = (sign == 0x2B ? 1 : -1) * (h * 60 + mm)
            } else {
                guard n - i <= 4 else { return nil }
                var name: UInt32 = 0
                for k in i..<n {
                    guard isLetter(s[k]) else { return nil }
                    name = name << 8 | UInt32(s[k] | 0x20)
                }
                guard let z = zones4.first(where: { $0.name == name }) else { return nil }
                zone = z.minutes
            }
        }
        guard let t = Timestamp(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return t.adding(seconds: Int64(-zone * 60))
    }

    /// `bytes` without ASCII white space at either end.
    private static func trimming(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start].isASCIIWhitespace { start += 1 }
        while end > start, bytes[end - 1].isASCIIWhitespace { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    private static func packed(_ w: String) -> UInt32 {
        w.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }
    private static let months3: [UInt32] = fullMonths.map { packed(String($0.prefix(3))) }
    private static let weekdays3: [UInt32] = weekdays.filter { $0.utf8.count == 3 }.map(packed)
    /// `zones` (names of at most four letters) packed, for a scan without hashing a string.
    private static let zones4: [(name: UInt32, minutes: Int)] = zones.map { (packed($0.key), $0.value) }

    private enum Token {
        case number(value: Int, count: Int)
        case word(String)
        case time(h: Int, m: Int, s: Int)
        case offset(minutes: Int)
        case ymd(y: Int, m: Int, d: Int)
    }

    static func parseTokens(_ s: [UInt8], defaultZone: Int) -> Timestamp? {
        guard let tokens = tokenize(s) else { return nil }
        var year: Int? = nil
        var month: Int? = nil
        var day: Int? = nil
        var time: (Int, Int, Int)? = nil
        var zone: Int? = nil
        var pm: Bool? = nil
        var numbers: [(value: Int, count: Int, afterMonth: Bool)] = []
        for (index, token) in tokens.enumerated() {
            switch token {
            case .ymd(let y, let m, let d):
                guard year == nil else { return nil }
                (year, month, day) = (y, m, d)
            case .time(let h, let m, let sec):
                guard time == nil else { return nil }
                time = (h, m, sec)
            case .offset(let minutes):
                // "GMT+01:00": the offset refines the named zone before it.
                zone = (zone ?? 0) + minutes
            case .number(let value, let count):
                numbers.append((value, count, month != nil))
            case .word(let w):
                if let m = monthNumber(w) {
                    guard month == nil else { return nil }
                    month = m
                } else if weekdays.contains(w) {
                    continue
                } else if w == "am" || w == "pm" {
                    pm = w == "pm"
                } else if let z = zones[w], time != nil || index > 0 {
                    zone = z
                } else if w == "etc" || w == "at" || w == "t" {
                    continue
                } else {
                    return nil
                }
            }
        }
        guard let month else { return nil }
        for n in numbers where n.count == 4 {
            guard year == nil else { return nil }
            year = n.value
        }
        var small = numbers.filter { $0.count <= 2 }
        if day == nil {
            guard !small.isEmpty else { return nil }
            day = small.removeFirst().value
        }
        if year == nil {
            guard let y = small.first(where: { $0.afterMonth }) ?? small.first else { return nil }
            year = expandYear(y.value)
            small.removeAll { $0.value == y.value && $0.count == y.count }
        }
        guard let year, let day, numbers.count <= 3 else { return nil }
        var (hour, minute, second) = time ?? (0, 0, 0)
        if let pm {
            guard hour >= 1 && hour <= 12 else { return nil }
            if pm && hour < 12 { hour += 12 }
            if !pm && hour == 12 { hour = 0 }
        }
        guard let t = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return t.adding(seconds: Int64(-(zone ?? defaultZone) * 60))
    }

    private static func tokenize(_ s: [UInt8]) -> [Token]? {
        var r = Reader(s)
        var tokens: [Token] = []
        while !r.atEnd {
            let b = r.peek ?? 0
            if b == 0x20 || b == 0x2C || b == 0x2E || b == 0x09 || b == 0x28 || b == 0x29 || b == 0x2F {
                r.advance()
            } else if isDigit(b) {
                guard let n = r.digits(max: 4) else { return nil }
                if r.peek == 0x3A {
                    var parts = [n.value]
                    while r.eat(0x3A) {
                        guard let p = r.digits(max: 2) else { return nil }
                        parts.append(p.value)
                    }
                    guard parts.count <= 3, n.count <= 2 else { return nil }
                    if r.eat(0x2E) { _ = r.digits(max: 9) }  // fractional seconds
                    tokens.append(.time(h: parts[0], m: parts[1], s: parts.count > 2 ? parts[2] : 0))
                } else if r.peek == 0x2F && n.count == 4 {
                    r.advance()
                    guard let m = r.digits(max: 2), r.eat(0x2F), let d = r.digits(max: 2) else { return nil }
                    tokens.append(.ymd(y: n.value, m: m.value, d: d.value))
                } else if r.peek.map(isDigit) == true {
                    return nil
                } else {
                    tokens.append(.number(value: n.value, count: n.count))
                }
            } else if b == 0x2B || b == 0x2D {  // + -
                guard let z = r.zoneDesignator() else { return nil }
                tokens.append(.offset(minutes: z))
            } else if isLetter(b) {
                var word: [UInt8] = []
                while let c = r.peek, isLetter(c), word.count < 16 {
                    word.append(c | 0x20)
                    r.advance()
                }
                if let c = r.peek, isLetter(c) { return nil }
                tokens.append(.word(String(decoding: word, as: UTF8.self)))
            } else {
                return nil
            }
        }
        return tokens
    }

    // MARK: - Tables

    static func monthNumber(_ w: String) -> Int? {
        if let m = months[w] { return m }
        // Full and dotted names: "january", "sept".
        guard w.count >= 3 else { return nil }
        let prefix = String(w.prefix(3))
        guard let m = months[prefix], fullMonths[m - 1].hasPrefix(w) else { return nil }
        return m
    }

    private static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11,
        "dec": 12,
    ]
    private static let fullMonths = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]
    private static let weekdays: Set<String> = [
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "tues", "thur", "thurs",
    ]

    /// Named zones, in minutes east of UTC. The one-letter North American abbreviations (AT, ET,
    /// CT, MT, PT) are read as standard time, as feedparser does.
    static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 60, "ist": 330, "cet": 60, "met": 60, "cest": 120,
        "mest": 120, "eet": 120, "eest": 180, "msk": 180, "jst": 540, "kst": 540, "hkt": 480, "sgt": 480, "awst": 480,
        "aest": 600, "aedt": 660, "acst": 570, "nzst": 720, "nzdt": 780, "ast": -240, "adt": -180, "at": -240,
        "est": -300, "edt": -240, "et": -300, "cst": -360, "cdt": -300, "ct": -360, "mst": -420, "mdt": -360,
        "mt": -420, "pst": -480, "pdt": -420, "pt": -480, "akst": -540, "akdt": -480, "hst": -600,
    ]

    /// Two-digit years: 00-49 are 2000-2049, 50-99 are 1950-1999 (RFC 2822 section 4.3).
    static func expandYear(_ y: Int) -> Int { y < 50 ? 2000 + y : (y < 100 ? 1900 + y : y) }

    /// Rewrites the non-English date words seen in feeds into English or ISO form. Returns the
    /// rewritten text, the zone to assume (Korean dates are in KST) and hours to add (Korean PM).
    private static func translate(_ s: String) -> (String, Int, Int)? {
        var s = s
        var zone = 0
        var addHours = 0
        for (word, english) in localizedWords where s.contains(word) {
            s = s.replacingAll(word, with: english)
        }
        if s.contains("년") || s.contains("월") || s.contains("일") || s.contains("오후") || s.contains("오전") {
            zone = 540
            if s.contains("오후") { addHours = 12 }
            s = s.replacingAll("오후", with: "").replacingAll("오전", with: "")
            s = s.replacingAll("년 ", with: "-").replacingAll("월 ", with: "-").replacingAll("일", with: "")
            s = s.replacingAll("년", with: "-").replacingAll("월", with: "-")
            s = s.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        guard !s.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        return (s, zone, addHours)
    }

    private static let localizedWords: [(String, String)] = [
        // Greek (feedparser's table)
        ("Ιαν", "Jan"), ("Φεβ", "Feb"), ("Μάώ", "Mar"), ("Μαώ", "Mar"), ("Απρ", "Apr"), ("Μάι", "May"), ("Μαϊ", "May"),
        ("Μαι", "May"), ("Ιούν", "Jun"), ("Ιον", "Jun"), ("Ιούλ", "Jul"), ("Ιολ", "Jul"), ("Αύγ", "Aug"),
        ("Αυγ", "Aug"),
        ("Σεπ", "Sep"), ("Οκτ", "Oct"), ("Νοέ", "Nov"), ("Νοε", "Nov"), ("Δεκ", "Dec"), ("Κυρ", "Sun"), ("Δευ", "Mon"),
        ("Τρι", "Tue"), ("Τετ", "Wed"), ("Πεμ", "Thu"), ("Παρ", "Fri"), ("Σαβ", "Sat"),
        // Hungarian
        ("január", "01"), ("február", "02"), ("március", "03"), ("április", "04"), ("május", "05"), ("június", "06"),
        ("július", "07"), ("augusztus", "08"), ("szeptember", "09"), ("október", "10"), ("november", "11"),
        ("december", "12"),
    ]

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    /// A cursor over ASCII bytes.
    struct Reader {
        let s: [UInt8]
        var i = 0
        init(_ s: [UInt8]) { self.s = s }
        var atEnd: Bool { i >= s.count }
        var peek: UInt8? { i < s.count ? s[i] : nil }
        mutating func advance() { i += 1 }
        mutating func eat(_ b: UInt8) -> Bool {
            guard peek == b else { return false }
            i += 1
            return true
        }
        /// 1 to `max` digits, or nil if none; stops after `max` even if more follow.
        mutating func digits(max: Int) -> (value: Int, count: Int)? {
            var v = 0
            var n = 0
            while n < max, let b = peek, isDigit(b) {
                v = v * 10 + Int(b - 0x30)
                n += 1
                i += 1
            }
            return n == 0 ? nil : (v, n)
        }
        /// `Z`, `+hh`, `+hhmm`, `+hh:mm` (and `-`), in minutes east of UTC; nil if malformed.
        mutating func zoneDesignator() -> Int? {
            if eat(0x5A) || eat(0x7A) { return 0 }
            let sign: Int
            if eat(0x2B) {
                sign = 1
            } else if eat(0x2D) {
                sign = -1
            } else {
                return nil
            }
            guard let h = digits(max: 4) else { return nil }
            var hours = h.value
            var minutes = 0
            if h.count == 4 {
                hours = h.value / 100
                minutes = h.value % 100
            } else if h.count == 3 {
                return nil
            } else if eat(0x3A) {
                guard let m = digits(max: 2), m.count == 2 else { return nil }
                minutes = m.value
            }
            guard hours <= 23, minutes <= 59 else { return nil }
            return sign * (hours * 60 + minutes)
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        replacingOccurrences(of: target, with: replacement)
    }
}
