import FoundationEssentials

/// RFC 3339 timestamps in UTC with millisecond precision, e.g. `2026-11-23T07:24:50.123Z`.
///
/// Written by hand because it runs once per ledger event: no formatter object, no locale, no ICU.
public enum RFC3339 {
    /// The earliest and latest instants that have a four-digit year: 0000-01-01 and 9999-12-31T23:59:59.999Z.
    public static let representable: ClosedRange<Double> = -62_167_219_200...253_402_300_799.999

    /// Total: a date outside years 0000–9999 (or NaN) is clamped into them rather than trapping, so a bad
    /// argument can never kill the daemon here. Callers range-check outside values before they get this far.
    public static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        let seconds = t.isNaN ? 0 : Swift.min(Swift.max(t, representable.lowerBound), representable.upperBound)
        // Nearest millisecond: a Date built from whole milliseconds may sit a hair below them in binary.
        let totalMillis = Int64((seconds * 1000).rounded())
        var days = totalMillis / 86_400_000
        var ms = totalMillis % 86_400_000
        if ms < 0 { ms += 86_400_000; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        let hour = ms / 3_600_000, minute = (ms / 60_000) % 60, second = (ms / 1000) % 60, milli = ms % 1000
        return String(unsafeUninitializedCapacity: 24) { out in
            var k = 0
            func put(_ v: Int64, _ width: Int) {
                var v = v
                for i in stride(from: width - 1, through: 0, by: -1) { out[k + i] = 0x30 + UInt8(v % 10); v /= 10 }
                k += width
            }
            func sep(_ c: UInt8) { out[k] = c; k += 1 }
            put(y, 4); sep(0x2D); put(m, 2); sep(0x2D); put(d, 2); sep(0x54)
            put(hour, 2); sep(0x3A); put(minute, 2); sep(0x3A); put(second, 2); sep(0x2E)
            put(milli, 3); sep(0x5A)
            return k
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil when the text is not of that form.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= b.count else { return nil }
            var v: Int64 = 0
            for k in from..<from + len {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[k] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), b[4] == 0x2D, let mo = num(5, 2), b[7] == 0x2D, let d = num(8, 2),
              b[10] | 0x20 == 0x74 || b[10] == 0x20, let h = num(11, 2), b[13] == 0x3A, let mi = num(14, 2),
              b[16] == 0x3A, let s = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var k = 19
        var fraction = 0.0
        if k < b.count && b[k] == 0x2E {
            k += 1
            var digits: Int64 = 0, scale = 1.0
            let start = k
            while k < b.count && b[k] >= 0x30 && b[k] <= 0x39 {
                if k - start < 9 { digits = digits * 10 + Int64(b[k] - 0x30); scale *= 10 }
                k += 1
            }
            if k == start { return nil }
            fraction = Double(digits) / scale
        }
        guard k < b.count else { return nil }
        var offset: Int64 = 0
        if b[k] | 0x20 == 0x7A {
            k += 1
        } else if b[k] == 0x2B || b[k] == 0x2D {
            guard let oh = num(k + 1, 2), k + 3 < b.count, b[k + 3] == 0x3A, let om = num(k + 4, 2) else { return nil }
            offset = (oh * 60 + om) * 60 * (b[k] == 0x2B ? 1 : -1)
            k += 6
        } else { return nil }
        guard k == b.count else { return nil }
        let days = days(fromCivil: y, mo, d)
        let seconds = days * 86400 + h * 3600 + mi * 60 + s - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    public static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
