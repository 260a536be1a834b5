import ColdChain
import Foundation
import Testing
import TestSupport

/// Parsers and formatters that outside input reaches: each is total (no trap for any input) and bounded.
@Suite struct OutsideInputTests {
    // MARK: durations

    @Test(arguments: ["800000d", "10000000000000000s", "99999999999999999999s", "1e308", "nan", "inf", "-1s", "-inf",
                      "1e-", "0x10s", "١٢s", "½h", "..5s", "1.2.3s", "", " ", "ms", "s"])
    func durationTextNeverTraps(_ text: String) {
        if let v = DurationText.seconds(from: text) {
            #expect(v.isFinite && v >= 0)
            _ = DurationText.describe(v)
        }
        switch DurationText.seconds(from: text, in: 1...(36_500 * 86_400)) {
        case .success(let v): #expect((1...(36_500 * 86_400)).contains(v))
        case .failure(let p): #expect(!p.description.isEmpty)
        }
    }

    @Test func durationOutOfRangeSaysTheRange() {
        guard case .failure(let p) = DurationText.seconds(from: "800000d", in: 1...(36_500 * 86_400)) else { Issue.record("accepted"); return }
        #expect(p.description == "800000d is out of range: allowed 1s to 36500d")
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e308, -1e308, 9.3e18, -9.3e18, 1e12, 0, 0.0004, -5])
    func describeIsTotal(_ v: Double) {
        #expect(!DurationText.describe(v).isEmpty)
    }

    @Test func durationFuzz() {
        var rng = Seeded.forTest()
        let alphabet = Array("0123456789.emshd -+naifx\u{0}\u{1b}٣")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            if let v = DurationText.seconds(from: text) { #expect(v.isFinite && v >= 0); _ = DurationText.describe(v) }
        }
    }

    // MARK: dates

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e308, -1e308, -62_167_219_201, 253_402_300_800, -1e15, 1e15])
    func rfc3339FormatIsTotal(_ t: Double) {
        let text = RFC3339.format(Date(timeIntervalSince1970: t))
        #expect(text.utf8.count == 24)
        #expect(RFC3339.parse(text) != nil)
    }

    @Test func rfc3339FormatClampsToFourDigitYears() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1e300)) == "0000-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_000_000)) == "2026-11-18T11:06:40.000Z")
    }

    // MARK: Retry-After (RFC 9110 §10.2.3)

    let now = Date(timeIntervalSince1970: 946_684_740)   // 1999-12-31T23:59:00Z

    @Test func retryAfterSecondsAndDates() {
        #expect(RetryAfter.seconds("120", now: now, cap: 300) == 120)
        #expect(RetryAfter.seconds(" 7 ", now: now, cap: 300) == 7)
        #expect(RetryAfter.seconds("100000", now: now, cap: 300) == 300)
        #expect(RetryAfter.seconds(String(repeating: "9", count: 400), now: now, cap: 300) == 300)
        // RFC 9110's own example, an IMF-fixdate 59 s after `now`; the two obsolete forms of the same instant.
        #expect(RetryAfter.seconds("Fri, 31 Dec 1999 23:59:59 GMT", now: now, cap: 300) == 59)
        #expect(RetryAfter.seconds("Friday, 31-Dec-99 23:59:59 GMT", now: now, cap: 300) == 59)
        #expect(RetryAfter.seconds("Fri Dec 31 23:59:59 1999", now: now, cap: 300) == 59)
        #expect(RetryAfter.seconds("Sun Nov  6 08:49:37 1994", now: now, cap: 300) == 0, "a date in the past: at once")
        #expect(RetryAfter.seconds(nil, now: now, cap: 300) == nil)
    }

    @Test(arguments: ["nan", "-inf", "inf", "-1e300", "1e300", "-1", "1.5", "+5", "0x10", "", "Fri, 31 Dec 1999 25:59:59 GMT",
                      "Fri, 32 Dec 1999 23:59:59 GMT", "Fri, 31 Foo 1999 23:59:59 GMT", "\u{1b}[31m", "５"])
    func retryAfterRefusesWhatIsNotOne(_ header: String) {
        #expect(RetryAfter.seconds(header, now: now, cap: 300) == nil)
    }

    @Test func retryAfterFuzz() {
        var rng = Seeded.forTest()
        let alphabet = Array("0123456789 ,:-+.eEnaiGMTFriDec\u{0}\u{ff}")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...32, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            if let v = RetryAfter.seconds(text, now: now, cap: 300) { #expect(v >= 0 && v <= 300) }
        }
        // Random valid dates come back as what they say.
        for _ in 0..<2_000 {
            let t = Date(timeIntervalSince1970: Double(Int.random(in: 946_684_740...(946_684_740 + 280), using: &rng)))
            let header = HTTPDateFormatting.imfFixdate(t)
            #expect(RetryAfter.seconds(header, now: now, cap: 300) == t.timeIntervalSince(now), "\(header)")
        }
    }

    // MARK: terminal text

    @Test func controlCharactersAreShownNotObeyed() {
        let hostile = "ok\u{1b}]0;PWNED\u{07}\u{1b}[31mred\u{9b}2J\u{202e}txt.exe\nnext\tcol\\x"
        let shown = hostile.escapedForTerminal
        #expect(shown == "ok\\x1b]0;PWNED\\x07\\x1b[31mred\\u{009b}2J\\u{202e}txt.exe\\nnext\\tcol\\x")
        #expect(!shown.unicodeScalars.contains { String.needsEscape($0) })
        #expect("温度 11.3 °C — ok".escapedForTerminal == "温度 11.3 °C — ok")
    }

    @Test func jsonNeverCarriesARawControlCharacter() throws {
        let v: JSONValue = ["s": .string("a\u{1b}[31m\u{9b}\u{202e}b")]
        let text = v.serialized
        #expect(!text.unicodeScalars.contains { String.needsEscape($0) })
        #expect(try JSONValue.parse(Data(text.utf8)) == v)
    }
}

/// IMF-fixdate for the round-trip property above (what a server would send).
enum HTTPDateFormatting {
    static func imfFixdate(_ d: Date) -> String {
        let t = RFC3339.format(d)   // 2026-11-18T08:26:40.000Z
        let y = Int(t.prefix(4))!, m = Int(t.dropFirst(5).prefix(2))!, day = Int(t.dropFirst(8).prefix(2))!
        let days = RFC3339.days(fromCivil: Int64(y), Int64(m), Int64(day))
        let names = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = names[Int(((days % 7) + 7) % 7)]
        return "\(weekday), \(t.dropFirst(8).prefix(2)) \(months[m - 1]) \(t.prefix(4)) \(t.dropFirst(11).prefix(8)) GMT"
    }
}
