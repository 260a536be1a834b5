/// Durations as written in the configuration: `500ms`, `10s`, `15m`, `10h`, `30d`, or a number of seconds.
public enum DurationText {
    /// Seconds, or nil when the text is not a duration.
    public static func seconds(from text: String) -> Double? {
        let t = text.trimmingSpaces
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = String(t.dropLast(suffix.count)).trimmingSpaces
            // "ms" must not be read as "m" of "…s": try the longer suffix first, then require a plain number.
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }),
                  let v = Double(number), v.isFinite, v >= 0 else { return nil }
            return v * factor
        }
        guard let v = Double(t), v.isFinite, v >= 0, t.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return v
    }

    /// A short human form: `500ms`, `10s`, `15m`, `10h`, `2h30m`.
    public static func describe(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var s = Int(seconds.rounded())
        var parts = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where s >= size {
            parts += "\(s / size)\(unit)"
            s %= size
        }
        return parts
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
