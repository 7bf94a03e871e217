import Glibc

/// Line counts of command output, over its bytes with `memchr`.
///
/// Splitting tens of megabytes of output into Characters takes seconds in a debug build, on one
/// of the two cooperative threads the in-process servers of other tests need (a 60 MB `parse`
/// output split twice left a daemon's feed unanswered for 20 s).
extension String {
    /// Lines of text: each ends at a newline, the last one also without.
    public var lineCount: Int { lineLengths { _ in } }

    /// The length in bytes of the longest line.
    public var longestLineBytes: Int {
        var longest = 0
        _ = lineLengths { longest = Swift.max(longest, $0) }
        return longest
    }

    /// Calls `body` with each line's length in bytes; returns the number of lines.
    private func lineLengths(_ body: (Int) -> Void) -> Int {
        var copy = self
        return copy.withUTF8 { bytes -> Int in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
            var lines = 0
            var start = 0
            while start < bytes.count {
                let found = memchr(base + start, 0x0A, bytes.count - start)
                let end = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? bytes.count
                body(end - start)
                lines += 1
                start = end + 1
            }
            return lines
        }
    }
}
