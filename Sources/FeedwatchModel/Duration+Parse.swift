/// Human durations as configs and command lines write them: `90s`, `15m`, `1h30m`, `7d`, `2w`,
/// `500ms`, up to a hundred years. Returns nil for anything else (no bare numbers: `15` could
/// mean seconds or minutes).
public enum DurationText {
    /// A hundred years (36,500 days): longer than anything a daemon waits for, and short enough
    /// that every sum and product of durations it makes (a deadline, a doubled retry delay with
    /// its jitter) stays far inside Int64 milliseconds.
    public static let longest: Duration = .seconds(36_500 * 86_400)

    public static func parse(_ text: String) -> Duration? {
        let s = Array(text.utf8.filter { $0 != 0x20 })
        guard !s.isEmpty else { return nil }
        var i = 0
        var totalMillis: Int64 = 0
        while i < s.count {
            var value: Int64 = 0
            var digits = 0
            while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
                value = value * 10 + Int64(s[i] - 0x30)
                digits += 1
                i += 1
                if value > 1_000_000_000 { return nil }
            }
            guard digits > 0 else { return nil }
            var unit: [UInt8] = []
            while i < s.count, !(s[i] >= 0x30 && s[i] <= 0x39) {
                unit.append(s[i] | 0x20)
                i += 1
            }
            let factor: Int64
            switch String(decoding: unit, as: UTF8.self) {
            case "ms": factor = 1
            case "s", "sec": factor = 1000
            case "m", "min": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            case "w": factor = 604_800_000
            default: return nil
            }
            // Each part is below 10^9 units, but the parts of a long spelling could sum past Int64.
            totalMillis += value * factor
            if totalMillis > longest.milliseconds { return nil }
        }
        return .milliseconds(totalMillis)
    }

    /// The shortest exact spelling: `1h30m`, `45s`, `250ms`.
    public static func format(_ d: Duration) -> String {
        var ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        var out = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if ms >= size {
                out += "\(ms / size)\(unit)"
                ms %= size
            }
        }
        return out
    }
}

extension Duration {
    /// Whole seconds, rounded down.
    public var seconds: Int64 { components.seconds }
}
