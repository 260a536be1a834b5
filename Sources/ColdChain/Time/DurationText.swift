/// Durations as written in the configuration: `500ms`, `10s`, `15m`, `10h`, `30d`, or a number of seconds.
public enum DurationText {
    /// Seconds, or nil when the text is not a duration. Always finite and non-negative when not nil.
    public static func seconds(from text: String) -> Double? {
        let t = text.trimmingSpaces
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = String(t.dropLast(suffix.count)).trimmingSpaces
            // "ms" must not be read as "m" of "…s": try the longer suffix first, then require a plain number.
            guard isPlainNumber(number), let v = Double(number), v.isFinite, v >= 0, (v * factor).isFinite else { return nil }
            return v * factor
        }
        guard isPlainNumber(t), let v = Double(t), v.isFinite, v >= 0 else { return nil }
        return v
    }

    /// ASCII digits with at most one point: no sign, exponent, `nan` or `inf` (which `Double(_:)` would accept).
    static func isPlainNumber(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E } && s.utf8.filter { $0 == 0x2E }.count <= 1
            && s.utf8.contains { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// A duration within `range`, or a sentence for the person who wrote it that states the allowed range.
    public static func seconds(from text: String, in range: ClosedRange<Double>) -> Result<Double, DurationProblem> {
        guard let v = seconds(from: text) else { return .failure(.notADuration(text)) }
        guard range.contains(v) else { return .failure(.outOfRange(v, range)) }
        return .success(v)
    }

    /// A short human form: `500ms`, `10s`, `15m`, `10h`, `2h30m`. Total: any Double gives text, never a trap (a
    /// platform's `Retry-After: nan` once reached this and killed the daemon).
    public static func describe(_ seconds: Double) -> String {
        guard seconds.isFinite else { return seconds.isNaN ? "NaN s" : (seconds > 0 ? "forever" : "-forever") }
        if seconds < 0 { return "-" + describe(-seconds) }
        // Past about 31,000 years whole units stop meaning anything (and past 9.2e18 s Int would trap).
        if seconds >= 1e12 { return "\(seconds)s" }
        return units(seconds, ["d", "h", "m", "s", "ms"])
    }

    /// Whole days, hours, minutes and seconds with `names` (then milliseconds, under a second). Finite, 0 ≤ s < 1e12.
    private static func units(_ seconds: Double, _ names: [String]) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))\(names[4])" }
        var s = Int(seconds.rounded())
        var parts = ""
        for (unit, size) in zip(names, [86400, 3600, 60, 1]) where s >= size {
            parts += "\(s / size)\(unit)"
            s %= size
        }
        return parts
    }

    /// The same in Chinese, for the record sheet: `1小时5分`, `45秒`, `2天3小时`.
    public static func chinese(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return describe(seconds) }
        return units(seconds, ["天", "小时", "分", "秒", "毫秒"])
    }
}

/// Why a duration from outside was refused.
public enum DurationProblem: Error, Equatable, CustomStringConvertible {
    case notADuration(String)
    case outOfRange(Double, ClosedRange<Double>)

    public var description: String {
        switch self {
        case .notADuration(let t): "'\(t.truncated(40).escapedForTerminal)' is not a duration (write e.g. \"500ms\", \"10s\", \"15m\", \"10h\", \"30d\")"
        case .outOfRange(let v, let r): "\(DurationText.describe(v)) is out of range: allowed \(DurationText.describe(r.lowerBound)) to \(DurationText.describe(r.upperBound))"
        }
    }
}

extension String {
    /// Without leading and trailing whitespace, newlines included.
    public var trimmingWhitespace: String {
        String(String(drop(while: \.isWhitespace).reversed()).drop(while: \.isWhitespace).reversed())
    }

    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
