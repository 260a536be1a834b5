/// GS1 Application Identifiers: which AIs exist, how long they are, and the checks on their values.
/// Source: GS1 General Specifications, section 3 (AI definitions) and 7.8 (predefined-length AIs, no FNC1 needed).
public enum GS1 {
    /// AIM symbology identifiers of GS1 symbols: GS1 DataMatrix, GS1-128, GS1 QR Code, GS1 DataBar.
    public static let symbologies: Set<String> = ["]d2", "]C1", "]Q3", "]e0"]

    /// GS1 AI encodable character set 82 (General Specifications, figure 7.11-1): the characters a lot (10) or a
    /// serial (21) may hold, in any form of the code. `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`: no space, no control
    /// characters, nothing outside ASCII. A Digital Link percent-decodes into anything, so this is checked after
    /// decoding (an ESC sequence in a serial once reached the technician's terminal).
    public static func isCSet82(_ s: String) -> Bool {
        s.utf8.allSatisfy(isCSet82)
    }

    static func isCSet82(_ b: UInt8) -> Bool {
        switch b {
        case 0x21, 0x22, 0x25...0x3F, 0x41...0x5A, 0x5F, 0x61...0x7A: return true
        default: return false
        }
    }

    /// How many digits an AI has and how long its data is.
    struct AIFormat {
        var aiLength: Int
        var fixed: Int?        // data length when predefined
        var maxLength: Int     // for variable-length data
        var numeric: Bool
    }

    /// The AI at the start of `digits` (an element string position), or nil when no known AI starts there.
    static func format(at s: ArraySlice<UInt8>) -> (String, AIFormat)? {
        func digits(_ n: Int) -> String? {
            guard s.count >= n else { return nil }
            let d = s.prefix(n)
            guard d.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return String(decoding: d, as: UTF8.self)
        }
        guard let two = digits(2) else { return nil }
        switch two {
        case "00": return (two, AIFormat(aiLength: 2, fixed: 18, maxLength: 18, numeric: true))
        case "01", "02", "03": return (two, AIFormat(aiLength: 2, fixed: 14, maxLength: 14, numeric: true))
        case "11", "12", "13", "15", "16", "17": return (two, AIFormat(aiLength: 2, fixed: 6, maxLength: 6, numeric: true))
        case "20": return (two, AIFormat(aiLength: 2, fixed: 2, maxLength: 2, numeric: true))
        case "10", "21", "22": return (two, AIFormat(aiLength: 2, fixed: nil, maxLength: 20, numeric: false))
        case "30", "37": return (two, AIFormat(aiLength: 2, fixed: nil, maxLength: 8, numeric: true))
        case "90": return (two, AIFormat(aiLength: 2, fixed: nil, maxLength: 30, numeric: false))
        case "91", "92", "93", "94", "95", "96", "97", "98", "99": return (two, AIFormat(aiLength: 2, fixed: nil, maxLength: 90, numeric: false))
        case "23", "24", "25", "40", "41", "42":
            guard let three = digits(3) else { return nil }
            switch three {
            case "235": return (three, AIFormat(aiLength: 3, fixed: nil, maxLength: 28, numeric: false))
            case "240", "241", "250", "251", "253", "400", "401", "403": return (three, AIFormat(aiLength: 3, fixed: nil, maxLength: 30, numeric: false))
            case "242": return (three, AIFormat(aiLength: 3, fixed: nil, maxLength: 6, numeric: true))
            case "243", "254", "420": return (three, AIFormat(aiLength: 3, fixed: nil, maxLength: 20, numeric: false))
            case "402": return (three, AIFormat(aiLength: 3, fixed: 17, maxLength: 17, numeric: true))
            case "410", "411", "412", "413", "414", "415", "416", "417": return (three, AIFormat(aiLength: 3, fixed: 13, maxLength: 13, numeric: true))
            case "421": return (three, AIFormat(aiLength: 3, fixed: nil, maxLength: 12, numeric: false))
            case "422", "424", "425", "426": return (three, AIFormat(aiLength: 3, fixed: nil, maxLength: three == "425" ? 15 : 3, numeric: true))
            default: return nil
            }
        case "31", "32", "33", "34", "35", "36":
            guard let four = digits(4) else { return nil }
            return (four, AIFormat(aiLength: 4, fixed: 6, maxLength: 6, numeric: true))
        case "70", "71", "80", "81":
            guard let four = digits(4) else { return nil }
            switch four {
            case "7003": return (four, AIFormat(aiLength: 4, fixed: 10, maxLength: 10, numeric: true))
            case "7006": return (four, AIFormat(aiLength: 4, fixed: 6, maxLength: 6, numeric: true))
            case "8003": return (four, AIFormat(aiLength: 4, fixed: nil, maxLength: 30, numeric: false))
            case "8004": return (four, AIFormat(aiLength: 4, fixed: nil, maxLength: 30, numeric: false))
            case "8005": return (four, AIFormat(aiLength: 4, fixed: 6, maxLength: 6, numeric: true))
            case "8020": return (four, AIFormat(aiLength: 4, fixed: nil, maxLength: 25, numeric: false))
            default:
                if four.hasPrefix("71") { return (String(four.prefix(3)), AIFormat(aiLength: 3, fixed: nil, maxLength: 20, numeric: false)) }
                return nil
            }
        default: return nil
        }
    }

    /// A GTIN-14: 14 digits whose last is their check digit.
    public static func isGTIN(_ s: String) -> Bool { s.utf8.count == 14 && checkDigitIsValid(s) }

    /// The GS1 mod-10 check digit over all digits but the last; true when the last digit matches.
    public static func checkDigitIsValid(_ digits: String) -> Bool {
        let d = digits.utf8.map { Int($0) - 48 }
        guard d.count >= 2, d.allSatisfy({ (0...9).contains($0) }) else { return false }
        var sum = 0
        // Weights 3,1,3,1... from the rightmost digit before the check digit.
        for (i, v) in d.dropLast().reversed().enumerated() { sum += v * (i % 2 == 0 ? 3 : 1) }
        return (10 - sum % 10) % 10 == d.last!
    }

    /// The check digit that completes `digits`.
    public static func checkDigit(for digits: String) -> Int {
        let d = digits.utf8.map { Int($0) - 48 }
        var sum = 0
        for (i, v) in d.reversed().enumerated() { sum += v * (i % 2 == 0 ? 3 : 1) }
        return (10 - sum % 10) % 10
    }
}

/// A calendar date from a GS1 YYMMDD field.
public struct GS1Date: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var description: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
    public static func < (a: GS1Date, b: GS1Date) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    /// Parses YYYY-MM-DD as events and the record sheet write it; nil for anything that is not a real date in years
    /// 1–9999 (a date from outside reaches calendar arithmetic, which must not overflow).
    public static func parseISO(_ s: String) -> GS1Date? {
        let p = s.split(separator: "-", omittingEmptySubsequences: false).map { $0.count <= 4 ? Int($0) : nil }
        guard p.count == 3, let y = p[0], let m = p[1], let d = p[2], (1...9999).contains(y), (1...12).contains(m),
              (1...daysIn(m, y)).contains(d) else { return nil }
        return GS1Date(year: y, month: m, day: d)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses YYMMDD. DD = 00 means the last day of the month. The century follows GS1 General Specifications
    /// 7.12: the year is taken within 49 years back and 50 years ahead of `currentYear`.
    public static func parse(_ s: String, currentYear: Int) -> GS1Date? {
        let d = s.utf8.map { Int($0) - 48 }
        guard d.count == 6, d.allSatisfy({ (0...9).contains($0) }) else { return nil }
        let yy = d[0] * 10 + d[1], mm = d[2] * 10 + d[3], dd = d[4] * 10 + d[5]
        guard (1...12).contains(mm) else { return nil }
        let current = currentYear % 100, century = currentYear - current
        var year = century + yy
        let diff = yy - current
        if diff >= 51 { year -= 100 } else if diff <= -50 { year += 100 }
        let last = daysIn(mm, year)
        guard dd <= last else { return nil }
        return GS1Date(year: year, month: mm, day: dd == 0 ? last : dd)
    }
}
