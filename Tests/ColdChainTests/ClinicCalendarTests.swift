import ColdChain
import Foundation
import Testing
import TestSupport

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

    /// What a person reads: local time, the same day boundary as `day(at:)`, the zone as an offset.
    @Test func localTextAndZone() {
        let midnight = Date(timeIntervalSince1970: 1_795_449_600)   // 2026-11-24T00:00 +08:00
        let cst = ClinicCalendar.fixed(hours: 8)
        #expect(cst.localText(midnight) == "2026-11-24 00:00:00")
        #expect(cst.localText(midnight.addingTimeInterval(-1)) == "2026-11-23 23:59:59")
        #expect(cst.localClockText(midnight.addingTimeInterval(-1)) == "23:59" && cst.localClockText(midnight.addingTimeInterval(9 * 3600 + 15 * 60)) == "09:15")
        #expect(ClinicCalendar.fixed(hours: -5).localText(midnight.addingTimeInterval(9.5)) == "2026-11-23 11:00:09")
        #expect(cst.zoneName(at: midnight) == "UTC+08:00" && ClinicCalendar.fixed(hours: -5).zoneName(at: midnight) == "UTC-05:00")
        #expect(ClinicCalendar { _ in 19_800 }.zoneName(at: midnight) == "UTC+05:30")
        // Total: any instant gives a date and time (clamped to the years RFC 3339 can write, the year padded).
        #expect(cst.localText(Date(timeIntervalSince1970: .nan)) == "1970-01-01 08:00:00")
        #expect(cst.localText(Date(timeIntervalSince1970: -1e300)) == "0000-01-01 08:00:00")
        #expect(cst.localText(Date(timeIntervalSince1970: .infinity)).hasPrefix("10000-01-01 07:59:59"))
    }
}

/// When the daily backup runs: the configured local time, and soon after start when none is recent.
@Suite struct BackupScheduleTests {
    let cst = ClinicCalendar.fixed(hours: 8)
    // 2026-11-23 10:00 in a UTC+8 clinic.
    let now = Date(timeIntervalSince1970: 1_795_399_200 + 2 * 3600 - 8 * 3600 + 8 * 3600)

    @Test func atTheConfiguredLocalTimeAndSoonAfterStartWhenOverdue() {
        let at = 2 * 60 + 30
        // A backup at 02:30 this morning: the next is 02:30 tomorrow, local.
        let recent = cst.instant(cst.day(at: now), minutes: at)
        let next = BackupSchedule.next(now: now, startedAt: now, lastCompleted: recent, lastAttempt: recent, at: at, calendar: cst)
        #expect(cst.localText(next).hasSuffix(" 02:30:00") && next.timeIntervalSince(recent) == 86_400)
        // None yet, just started: a minute after start.
        let first = BackupSchedule.next(now: now, startedAt: now, lastCompleted: nil, lastAttempt: nil, at: at, calendar: cst)
        #expect(first == now.addingTimeInterval(BackupSchedule.afterStart))
        // Overdue but already tried since this start (it failed): wait for the slot, no retry loop.
        let tried = BackupSchedule.next(now: now.addingTimeInterval(120), startedAt: now, lastCompleted: nil, lastAttempt: now.addingTimeInterval(60),
                                        at: at, calendar: cst)
        #expect(tried == next)
        // Overdue after two days off, started at 02:29: the slot a minute away comes first.
        let early = cst.instant(cst.day(at: now), minutes: at - 1)
        #expect(BackupSchedule.next(now: early, startedAt: early, lastCompleted: nil, lastAttempt: nil, at: at, calendar: cst) == early.addingTimeInterval(60))
    }
}

/// Dates from outside (a daemon's answer, an event) are parsed strictly before calendar arithmetic sees them.
@Suite struct ISODateTests {
    @Test func onlyRealDatesParse() {
        #expect(GS1Date.parseISO("2026-02-28") == GS1Date(year: 2026, month: 2, day: 28))
        #expect(GS1Date.parseISO("2024-02-29") != nil)
        for bad in ["2026-02-29", "2026-13-01", "0000-01-01", "99999999999999999-01-01", "2026-1", "2026--01-01", "-2026-01-01", "", "2026-01-32", "x-y-z"] {
            #expect(GS1Date.parseISO(bad) == nil, "\(bad)")
        }
        var rng = Seeded.forTest()
        for _ in 0..<2000 {
            let s = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in "0123456789-x".randomElement(using: &rng)! })
            if let d = GS1Date.parseISO(s) { #expect((1...9999).contains(d.year) && (1...12).contains(d.month), "\(s)") }
        }
    }
}
