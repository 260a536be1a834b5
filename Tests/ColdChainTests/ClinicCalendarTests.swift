import ColdChain
import Foundation
import Testing

/// One "today" for verdicts, `inventory --expiring` and `decode`: the clinic's date, not the UTC one.
@Suite struct ClinicCalendarTests {
    // 2026-11-23T17:30:00Z: 01:30 on the 24th in Shanghai (UTC+8), 12:30 on the 23rd in New York (UTC-5).
    let t = Date(timeIntervalSince1970: 1_795_455_000)

    @Test func theDateDependsOnTheClinicsZone() {
        #expect(RFC3339.format(t) == "2026-11-23T17:30:00.000Z")
        #expect(ClinicCalendar.utc.day(at: t) == GS1Date(year: 2026, month: 11, day: 23))
        #expect(ClinicCalendar.fixed(hours: 8).day(at: t) == GS1Date(year: 2026, month: 11, day: 24))
        #expect(ClinicCalendar.fixed(hours: -5).day(at: t.addingTimeInterval(-15 * 3600)) == GS1Date(year: 2026, month: 11, day: 22))
        // Midnight exactly is the new day; a second before is the old one.
        let midnight = Date(timeIntervalSince1970: 1_795_449_600)   // 2026-11-24T00:00 +08:00 = 2026-11-23T16:00Z
        #expect(ClinicCalendar.fixed(hours: 8).day(at: midnight) == GS1Date(year: 2026, month: 11, day: 24))
        #expect(ClinicCalendar.fixed(hours: 8).day(at: midnight.addingTimeInterval(-1)) == GS1Date(year: 2026, month: 11, day: 23))
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300, -62_167_219_200])
    func totalForAnyInstant(_ v: Double) {
        let d = ClinicCalendar.fixed(hours: 8).day(at: Date(timeIntervalSince1970: v))
        #expect((0...10000).contains(d.year))
    }
}
