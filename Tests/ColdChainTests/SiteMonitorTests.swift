import ColdChain
import Foundation
import Testing
import TestSupport

/// The site rule with an injected time: power cuts, battery low, an unreadable UPS, doors, their alarms, a clock
/// step, and the cause an excursion gets.
@Suite struct SiteMonitorTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
    func ups(_ status: String, charge: Double? = nil) -> SiteMonitor.PowerReading {
        let s = UPSStatus(status)
        return .state(online: s.online ?? true, batteryLow: s.batteryLow, facts: PowerFacts(source: "ups:u", status: status, charge: charge))
    }

    @Test func aCutIsRecordedAlarmedAfterItsDelayAndClosedWhenPowerReturns() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 60, doorAlarmAfter: [:]))
        #expect(m.observePower(source: "ups:u", ups("OL"), at: at(0)).isEmpty, "first sight on mains is normal")
        #expect(m.observePower(source: "ups:u", ups("OB DISCHRG", charge: 90), at: at(10))
                == [.powerLost(PowerFacts(source: "ups:u", status: "OB DISCHRG", charge: 90))])
        #expect(m.tick(at(69)).isEmpty, "59 s: not yet")
        #expect(m.tick(at(70)) == [.raiseAlarm(.power, source: "ups:u", fridge: nil)])
        #expect(m.tick(at(200)).isEmpty, "raised once")
        #expect(m.observePower(source: "ups:u", ups("OB LB"), at: at(300)) == [.batteryLow(PowerFacts(source: "ups:u", status: "OB LB"))])
        #expect(m.observePower(source: "ups:u", ups("OB LB"), at: at(305)).isEmpty, "battery low once")
        let back = m.observePower(source: "ups:u", ups("OL CHRG"), at: at(400))
        #expect(back == [.powerRestored(PowerFacts(source: "ups:u", status: "OL CHRG"), offSeconds: 390),
                         .endAlarm(.power, source: "ups:u", reason: "power restored")])
        #expect(m.power["ups:u"]?.batteryLow == false)
    }

    @Test func alarmAfterZeroRaisesWithTheCut() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 0, doorAlarmAfter: [:]))
        let e = m.observePower(source: "input:mains", fridge: "F2", .state(online: false, batteryLow: false, facts: PowerFacts(source: "input:mains")), at: at(0))
        #expect(e == [.powerLost(PowerFacts(source: "input:mains")), .raiseAlarm(.power, source: "input:mains", fridge: "F2")])
    }

    @Test func anUnreadableSourceIsSaidOnceAndItsReturnSaysHowLong() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 0, doorAlarmAfter: [:]))
        _ = m.observePower(source: "ups:u", ups("OL"), at: at(0))
        #expect(m.observePower(source: "ups:u", .unreadable("refused"), at: at(5)) == [.powerUnknown(source: "ups:u", error: "refused")])
        #expect(m.observePower(source: "ups:u", .unreadable("timed out"), at: at(10)).isEmpty)
        #expect(m.power["ups:u"]?.error == "timed out")
        // Back, and the power went off meanwhile: both are said.
        let e = m.observePower(source: "ups:u", ups("OB"), at: at(65))
        #expect(e == [.powerKnown(PowerFacts(source: "ups:u", status: "OB"), online: false, unknownSeconds: 60),
                      .powerLost(PowerFacts(source: "ups:u", status: "OB")), .raiseAlarm(.power, source: "ups:u", fridge: nil)])
    }

    @Test func aDoorLeftOpenAlarmsAndClosingEndsIt() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 0, doorAlarmAfter: ["F2": 300]))
        #expect(m.observeDoor(input: "d2", fridge: "F2", open: false, at: at(0)).isEmpty)
        #expect(m.observeDoor(input: "d2", fridge: "F2", open: true, at: at(10)) == [.doorOpened(input: "d2", fridge: "F2")])
        #expect(m.tick(at(309)).isEmpty)
        #expect(m.tick(at(310)) == [.raiseAlarm(.door, source: "d2", fridge: "F2")])
        #expect(m.observeDoor(input: "d2", fridge: "F2", open: false, at: at(400))
                == [.doorClosed(input: "d2", fridge: "F2", openSeconds: 390), .endAlarm(.door, source: "d2", reason: "door d2 closed")])
        // A fridge without door_open_after never alarms.
        _ = m.observeDoor(input: "d1", fridge: "F1", open: true, at: at(0))
        #expect(m.tick(at(100_000)).isEmpty)
    }

    @Test func aForwardClockStepIsNoTimeOpenOrOff() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 600, doorAlarmAfter: ["F2": 300]))
        _ = m.observePower(source: "ups:u", ups("OB"), at: at(0))
        _ = m.observeDoor(input: "d2", fridge: "F2", open: true, at: at(0))
        m.clockStepped(by: 86_400)
        #expect(m.tick(at(86_400 + 60)).isEmpty, "a day's jump raised nothing")
        let closed = m.observeDoor(input: "d2", fridge: "F2", open: false, at: at(86_400 + 60))
        #expect(closed == [.doorClosed(input: "d2", fridge: "F2", openSeconds: 60)])
    }

    @Test func anExcursionsCauseIsTheCutOrTheDoorAroundItsStart() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 0, doorAlarmAfter: [:]))
        #expect(m.cause(fridge: "F2", start: at(0)) == nil)
        _ = m.observeDoor(input: "d2", fridge: "F2", open: true, at: at(0))
        #expect(m.cause(fridge: "F2", start: at(60)) == .door)
        #expect(m.cause(fridge: "F1", start: at(60)) == nil, "another fridge's door")
        #expect(m.cause(fridge: "F2", start: at(-10)) == nil, "the door opened after the excursion started")
        _ = m.observeDoor(input: "d2", fridge: "F2", open: false, at: at(120))
        #expect(m.cause(fridge: "F2", start: at(120 + SiteMonitor.causeLookback)) == .door, "shut within the lookback")
        #expect(m.cause(fridge: "F2", start: at(121 + SiteMonitor.causeLookback)) == nil, "shut before it")
        // A mains input of F1 does not explain F2; a UPS (every fridge) does, ahead of the door.
        _ = m.observePower(source: "input:m1", fridge: "F1", .state(online: false, batteryLow: false, facts: PowerFacts(source: "input:m1")), at: at(100))
        #expect(m.cause(fridge: "F2", start: at(200)) == .door)
        #expect(m.cause(fridge: "F1", start: at(200)) == .power)
        _ = m.observePower(source: "ups:u", ups("OB"), at: at(150))
        #expect(m.cause(fridge: "F2", start: at(200)) == .power)
        // A cut that has just ended comes after a door open at the start, and before a door shut a while ago.
        _ = m.observePower(source: "ups:u", ups("OL"), at: at(300))
        _ = m.observePower(source: "input:m1", fridge: "F1", .state(online: true, batteryLow: false, facts: PowerFacts(source: "input:m1")), at: at(300))
        _ = m.observeDoor(input: "d2", fridge: "F2", open: true, at: at(400))
        #expect(m.cause(fridge: "F2", start: at(500)) == .door)
        _ = m.observeDoor(input: "d2", fridge: "F2", open: false, at: at(450))
        #expect(m.cause(fridge: "F2", start: at(500)) == .power)
    }

    @Test func restoredStateContinuesTheCut() {
        var m = SiteMonitor(settings: .init(powerAlarmAfter: 0, doorAlarmAfter: ["F2": 60]))
        m.restorePower(source: "ups:u", online: false, since: at(0), batteryLow: true, unknownSince: nil, alarmOpen: true)
        m.restoreDoor(input: "d2", fridge: "F2", open: true, since: at(0), alarmOpen: true)
        #expect(m.tick(at(7200)).isEmpty, "alarms already open are not raised again")
        #expect(m.observePower(source: "ups:u", ups("OL"), at: at(7200))
                == [.powerRestored(PowerFacts(source: "ups:u", status: "OL"), offSeconds: 7200), .endAlarm(.power, source: "ups:u", reason: "power restored")])
        #expect(m.observeDoor(input: "d2", fridge: "F2", open: true, at: at(7200)).isEmpty, "still open: nothing new")
    }
}

@Suite struct InputDebouncerTests {
    /// A mains relay (safe side: off): a bounce back to "on" shorter than the debounce is not a change.
    @Test func aBounceShorterThanTheDebounceIsNotAChange() {
        var d = InputDebouncer(debounce: 1, safe: false)
        #expect(d.observe(false, at: 0) == nil)
        #expect(d.observe(false, at: 1) == false, "the first value, once held")
        #expect(d.observe(true, at: 2) == nil)
        #expect(d.observe(false, at: 2.5) == nil, "bounced back")
        #expect(d.observe(true, at: 3) == nil)
        #expect(d.observe(true, at: 3.9) == nil)
        #expect(d.observe(true, at: 4) == true)
        d.interrupted()
        #expect(d.observe(false, at: 5) == nil)
        d.interrupted()
        #expect(d.observe(false, at: 6) == nil, "a read failure restarts the wait")
        #expect(d.observe(false, at: 7) == false)
    }

    /// A door open 90 % of the time with a 100 ms "closed" blip every second, polled every 100 ms: reported open
    /// after the debounce (hardening 2, finding 10: the symmetric rule never reported it). A single read of "open"
    /// between closed ones is still no opening, and closing needs the debounce of closed without a break.
    @Test func aFlakyDoorIsOpenAndABounceIsNot() {
        var d = InputDebouncer(debounce: 2, safe: true)
        var reports: [(Double, Bool)] = []
        for i in 0..<100 {                                // 10 s, closed throughout but one read of "open"
            let t = Double(i) / 10
            if let r = d.observe(i == 40, at: t) { reports.append((t, r)) }
        }
        #expect(reports.map(\.1) == [false], "the first value only, not the bounce")
        for i in 100..<400 {                              // 30 s of a door open 90 % of the time
            let t = Double(i) / 10
            if let r = d.observe(i % 10 != 0, at: t) { reports.append((t, r)) }
        }
        #expect(reports.map(\.1) == [false, true], "\(reports)")
        #expect(reports.last.map { $0.0 >= 12 && $0.0 <= 12.2 } == true, "open after 2 s of the debounce: \(reports)")
        for i in 400..<500 {                              // closed, with a 100 ms open blip at 45.0
            let t = Double(i) / 10
            if let r = d.observe(i == 450, at: t) { reports.append((t, r)) }
        }
        #expect(reports.map(\.1) == [false, true, false])
        #expect(reports.last.map { $0.0 >= 42 && $0.0 <= 42.1 } == true, "closed after 2 s closed without a break: \(reports)")
    }

    /// Against a model written from the rule, over the whole history: toward the safe side, a read of it at least
    /// `debounce` after the first safe read since the last unsafe spell that lasted `debounce`; away from it,
    /// `debounce` of unsafe reads without a break; never the same value twice in a row.
    @Test(arguments: [1, 2, 2026] as [UInt64]) func reportsMatchTheModelOnRandomReads(seed: UInt64) {
        print("InputDebouncer random reads, seed \(seed)")
        var rng = Seeded(seed: seed)
        for _ in 0..<100 {
            let debounce = Double(Int.random(in: 0...3, using: &rng))
            let safe = Bool.random(using: &rng)
            var d = InputDebouncer(debounce: debounce, safe: safe)
            var history: [(t: Double, v: Bool)] = []
            var reported: Bool?
            var t = 0.0
            for _ in 0..<150 {
                t += Double(Int.random(in: 1...4, using: &rng)) / 2
                let v = Int.random(in: 0..<10, using: &rng) < 6 ? safe : !safe
                history.append((t, v))
                // The unsafe run ending here, and where the last unsafe spell that lasted `debounce` ended.
                var runStart = t
                for h in history.reversed() { if h.v == v { runStart = h.t } else { break } }
                var lastLongUnsafe = -1
                var start: Double?
                for (i, h) in history.enumerated() {
                    if h.v == safe { start = nil; continue }
                    if start == nil { start = h.t }
                    if h.t - start! >= debounce { lastLongUnsafe = i }
                }
                let expected: Bool?
                if v == safe {
                    let firstSafe = history[(lastLongUnsafe + 1)...].first { $0.v == safe }?.t ?? t
                    expected = reported != safe && t - firstSafe >= debounce ? safe : nil
                } else {
                    expected = reported != v && t - runStart >= debounce ? v : nil
                }
                let got = d.observe(v, at: t)
                #expect(got == expected, "seed \(seed), debounce \(debounce), safe \(safe), at \(t)")
                if let got { reported = got; #expect(d.stable == got) }
            }
        }
    }
}
