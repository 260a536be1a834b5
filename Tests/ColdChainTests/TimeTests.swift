import ColdChain
import FoundationEssentials
import Testing

@Suite struct TimeTests {
    @Test func formatsKnownInstants() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_000_000.123)) == "2026-11-18T11:06:40.123Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }

    @Test func parsesOffsetsAndFractions() {
        #expect(RFC3339.parse("2026-11-18T19:06:40+08:00") == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(RFC3339.parse("2026-11-18T11:06:40.25Z") == Date(timeIntervalSince1970: 1_795_000_000.25))
        for bad in ["", "2026-11-17", "2026-13-01T00:00:00Z", "2026-11-17T08:26:40", "2026-11-17T08:26:40Zjunk", "x026-11-17T08:26:40Z"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func roundTripsMillisecondsOverCenturies() {
        for _ in 0..<2000 {
            let ms = Int64.random(in: -2_000_000_000_000...7_000_000_000_000)
            let d = Date(timeIntervalSince1970: Double(ms) / 1000)
            let back = RFC3339.parse(RFC3339.format(d))!
            #expect(Int64((back.timeIntervalSince1970 * 1000).rounded()) == ms)
        }
    }

    @Test(arguments: [("500ms", 0.5), ("10s", 10), ("15m", 900), ("10h", 36000), ("30d", 2_592_000), ("90", 90), ("1.5s", 1.5), (" 2m ", 120)])
    func durations(text: String, seconds: Double) {
        #expect(DurationText.seconds(from: text) == seconds)
    }

    @Test(arguments: ["", "ms", "10x", "-5s", "1e3s", "10 minutes", "five", "1..2s", "inf", "nan"])
    func notDurations(text: String) {
        #expect(DurationText.seconds(from: text) == nil)
    }

    @Test func describesDurations() {
        #expect(DurationText.describe(0.5) == "500ms")
        #expect(DurationText.describe(9000) == "2h30m")
        #expect(DurationText.describe(36000) == "10h")
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualClock(Date(timeIntervalSince1970: 100))
        #expect(clock.now() == Date(timeIntervalSince1970: 100))
        clock.advance(by: 36000)
        #expect(clock.now() == Date(timeIntervalSince1970: 36100))
    }
}
