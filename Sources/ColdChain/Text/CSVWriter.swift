/// RFC 4180 CSV, UTF-8 with a byte-order mark so a spreadsheet reads Chinese text as UTF-8.
public enum CSV {
    public static let byteOrderMark = "\u{FEFF}"

    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }

    /// Quoted when it holds a comma, quote or line break; text a spreadsheet would run as a formula (`=`, `+`, `-`,
    /// `@` before something that is not a number: a scanned code is outside input) is kept as text with a `'`.
    public static func field(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingAll("\"", with: "\"\"") + "\""
    }

    public static func number(_ d: Double?) -> String { d.map { "\($0)" } ?? "" }
}

extension String {
    /// Every occurrence of `target` replaced (FoundationEssentials has no replacingOccurrences).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
