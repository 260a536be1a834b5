import FoundationEssentials

/// HTTP-date (RFC 9110 §5.6.7): the preferred IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the two obsolete
/// forms a recipient must still accept, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime
/// `Sun Nov  6 08:49:37 1994`. Pure and total: any text gives a date or nil.
public enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    public static func parse(_ text: String, now: Date) -> Date? {
        let t = text.trimmingSpaces
        guard t.utf8.count <= 64, t.unicodeScalars.allSatisfy({ $0.isASCII }) else { return nil }
        let words = t.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.count == 6, words[0].hasSuffix(","), words[5] == "GMT" {
            // IMF-fixdate: day-name "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"
            guard let day = digits(words[1], 2), let month = month(words[2]), let year = digits(words[3], 4) else { return nil }
            return build(year, month, day, words[4])
        }
        if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT" {
            // rfc850-date: day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP time SP "GMT"
            let parts = words[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let day = digits(parts[0], 2), let month = month(parts[1]), let yy = digits(parts[2], 2) else { return nil }
            // RFC 9110: a two-digit year more than 50 years in the future is the most recent past year with those digits.
            let thisYear = Int(RFC3339.format(now).prefix(4)) ?? 2000
            var year = thisYear - thisYear % 100 + yy
            if year > thisYear + 50 { year -= 100 }
            return build(year, month, day, words[2])
        }
        if words.count == 5, !words[0].hasSuffix(",") {
            // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time SP 4DIGIT
            guard let month = month(words[1]), let day = digits(words[2], 1...2), let year = digits(words[4], 4) else { return nil }
            return build(year, month, day, words[3])
        }
        return nil
    }

    static func digits(_ s: String, _ count: Int) -> Int? { digits(s, count...count) }

    static func digits(_ s: String, _ count: ClosedRange<Int>) -> Int? {
        guard count.contains(s.utf8.count), s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return s.utf8.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    static func month(_ s: String) -> Int? { months.firstIndex(of: s.lowercased()).map { $0 + 1 } }

    static func build(_ year: Int, _ month: Int, _ day: Int, _ time: String) -> Date? {
        let hms = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard hms.count == 3, let h = digits(hms[0], 2), let m = digits(hms[1], 2), let s = digits(hms[2], 2),
              h < 24, m < 60, s < 61, (1...31).contains(day), (0...9999).contains(year) else { return nil }
        let days = RFC3339.days(fromCivil: Int64(year), Int64(month), Int64(day))
        return Date(timeIntervalSince1970: Double(days * 86400 + Int64(h * 3600 + m * 60 + s)))
    }
}

/// The `Retry-After` header of a 503, 429 or 3xx answer (RFC 9110 §10.2.3): a non-negative whole number of
/// seconds, or an HTTP-date. Anything else (`nan`, `-1`, `1e300`, `-inf`, which `Double(_:)` accepts and which once
/// crashed the daemon) is not a Retry-After and gives nil: the caller's own back-off applies.
public enum RetryAfter {
    /// Seconds to wait from `now`, within 0...`cap`; nil when the header is absent or not valid.
    public static func seconds(_ header: String?, now: Date, cap: Double) -> Double? {
        guard let header else { return nil }
        let t = header.trimmingSpaces
        if !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // 1*DIGIT of any length: more than 12 digits is already past any cap we use.
            guard t.utf8.count <= 12, let v = Double(t) else { return cap }
            return Swift.min(v, cap)
        }
        guard let date = HTTPDate.parse(t, now: now) else { return nil }
        return Swift.min(Swift.max(0, date.timeIntervalSince(now)), cap)
    }
}
