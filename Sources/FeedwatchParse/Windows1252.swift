/// windows-1252, the encoding that text labelled (or not labelled) ISO-8859-1 is in practice.
///
/// It differs from ISO-8859-1 only in 0x80-0x9F, where it has curly quotes, dashes, the euro sign.
/// The WHATWG Encoding Standard maps the five unassigned bytes to the C1 controls of the same value.
enum Windows1252 {
    private static let high: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if byte >= 0x80 && byte <= 0x9F { return Unicode.Scalar(high[Int(byte - 0x80)]) ?? "\u{FFFD}" }
        return Unicode.Scalar(byte)
    }
}
