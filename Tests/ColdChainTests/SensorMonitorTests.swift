import ColdChain
import FoundationEssentials
import Testing

/// Feeds a monitor readings at a fixed interval on a manual clock.
struct Feed {
    var monitor: SensorMonitor
    let clock = ManualClock(Date(timeIntervalSince1970: 1_795_000_000))
    var events: [MonitorEvent] = []

    init(_ rules: AlarmRules) {
        monitor = SensorMonitor(sensor: "F1-air", rules: rules, startedAt: clock.now())
    }

    /// `count` readings of `value`, one every `every` seconds (the first one now).
    mutating func readings(_ value: Double, count: Int, every: Double = 60) {
        for _ in 0..<count {
            events += monitor.observe(value, at: clock.now())
            clock.advance(by: every)
        }
    }

    mutating func silence(_ seconds: Double, tickEvery: Double = 60) {
        var left = seconds
        while left > 0 {
            let step = min(tickEvery, left)
            clock.advance(by: step)
            left -= step
            events += monitor.tick(clock.now())
        }
    }

    var opened: [Excursion] { events.compactMap { if case .excursionOpened(let e) = $0 { return e }; return nil } }
    var closed: [Excursion] { events.compactMap { if case .excursionClosed(let e) = $0 { return e }; return nil } }
    var peaks: [Double] { events.compactMap { if case .excursionPeak(_, let v, _) = $0 { return v }; return nil } }
}

@Suite struct SensorMonitorTests {
    @Test func readingEqualToAStrictLimitIsInRange() {
        var f = Feed(.gsp)
        f.readings(8.0, count: 60)
        f.readings(2.0, count: 60)
        #expect(f.events.isEmpty)
        #expect(f.monitor.state == .warning)   // 2.0 is at or below the 2.5 pre-warning
    }

    @Test func spikeShorterThanTheDelayLeavesNoExcursion() {
        var f = Feed(.gsp)
        f.readings(5, count: 3)
        f.readings(11, count: 5)       // door open: 4 min 59 s beyond 8 °C at most
        f.readings(5, count: 3)
        #expect(f.events.isEmpty)
        #expect(f.monitor.state == .ok)
    }

    @Test func excursionOpensAfterTheDelayBackDatedToTheFirstOffendingReading() throws {
        var f = Feed(.gsp)
        f.readings(5, count: 2)
        let firstBad = f.clock.now()
        f.readings(8.6, count: 5)       // 0, 1, 2, 3, 4 min
        #expect(f.opened.isEmpty)
        f.readings(9.2, count: 1)       // 5 min: the delay has held
        let e = try #require(f.opened.first)
        #expect(e.start == firstBad)
        #expect(e.side == .high && e.rule == "gsp")
        #expect(e.max == 9.2 && e.min == 8.6)
        #expect(abs(e.degreeMinutes - 5 * 0.6) < 1e-9)  // 0.6 °C beyond for the 5 minutes before the 9.2 reading
        #expect(f.monitor.state == .excursion)
        f.readings(7.9, count: 1)
        let c = try #require(f.closed.first)
        #expect(c.end == firstBad.addingTimeInterval(360))
        #expect(c.duration == 360)
        #expect(abs(c.degreeMinutes - (5 * 0.6 + 1.2)) < 1e-9)
    }

    @Test func whoFreezeCountsAReadingAtTheThreshold() throws {
        var f = Feed(.whoPQS)
        f.readings(-0.4, count: 90)     // above -0.5: never
        #expect(f.opened.isEmpty)
        f.readings(-0.5, count: 60)     // 0 … 59 min at the threshold
        #expect(f.opened.isEmpty)
        f.readings(-0.5, count: 1)      // 60 min
        #expect(f.opened.first?.side == .low)
        #expect(f.opened.first?.limitC == -0.5)
    }

    @Test func whoHeatNeedsTenHoursContinuously() {
        var f = Feed(.whoPQS)
        f.readings(8.1, count: 600)     // 9 h 59 min
        f.readings(7.0, count: 1)       // a single in-range reading resets the count
        f.readings(8.1, count: 600)
        #expect(f.opened.isEmpty)
        f.readings(8.1, count: 1)       // 10 h since the run began
        #expect(f.opened.count == 1)
    }

    @Test func dataGapInsideAnExcursionKeepsItOneExcursion() throws {
        var f = Feed(.gsp)
        f.readings(11, count: 10)
        #expect(f.opened.count == 1)
        f.silence(3 * 3600)             // the probe stops answering for 3 h
        #expect(f.events.contains(.noData(sensor: "F1-air", since: f.opened[0].start.addingTimeInterval(540))))
        #expect(f.closed.isEmpty, "an excursion never ends because data stopped")
        #expect(f.monitor.state == .excursion)
        f.readings(10.5, count: 1)
        #expect(f.events.contains { if case .recovered = $0 { return true }; return false })
        #expect(f.closed.isEmpty)
        f.readings(5, count: 1)
        #expect(f.opened.count == 1 && f.closed.count == 1)
        // The gap counts at most comm_loss_after (5 min) in the degree-minutes: what happened in it is unknown.
        let dm = try #require(f.closed.first?.degreeMinutes)
        #expect(abs(dm - (9 * 3 + 5 * 3 + 2.5)) < 1e-9)
    }

    @Test func multiDayExcursionAcrossMidnightIsOneExcursion() throws {
        var f = Feed(.gsp)
        f.clock.set(Date(timeIntervalSince1970: 1_795_046_400 - 3600))  // 23:00 UTC
        f.readings(12, count: 3 * 24 * 60, every: 60)                      // three days at 12 °C
        f.readings(12.4, count: 60)
        f.readings(13.1, count: 60)
        f.readings(6, count: 1)
        #expect(f.opened.count == 1 && f.closed.count == 1)
        let e = f.closed[0]
        #expect(e.duration == Double(3 * 24 * 60 + 120) * 60)
        #expect(e.max == 13.1)
        #expect(f.peaks == [13.1], "12.4 is within the 0.5 °C peak step of 12")
        #expect(abs(e.degreeMinutes - (4.0 * 4320 + 4.4 * 60 + 5.1 * 60)) < 1e-6)
    }

    @Test func hysteresisKeepsItOpenNearTheLimit() {
        var rules = AlarmRules.gsp
        rules.hysteresisC = 0.5
        var f = Feed(rules)
        f.readings(9, count: 6)
        f.readings(7.8, count: 3)       // inside 2–8 but within the 0.5 band
        #expect(f.closed.isEmpty)
        f.readings(7.5, count: 1)
        #expect(f.closed.count == 1)
    }

    @Test func faultsAloneRaiseNoDataOnceThenRecover() {
        var f = Feed(.gsp)
        f.readings(5, count: 1)
        for _ in 0..<10 {
            f.events += f.monitor.observeFault(at: f.clock.now())
            f.clock.advance(by: 60)
        }
        #expect(f.events.filter { if case .noData = $0 { return true }; return false }.count == 1)
        #expect(f.monitor.state == .noData)
        f.readings(5, count: 1)
        #expect(f.monitor.state == .ok)
        #expect(f.events.last == .recovered(sensor: "F1-air", silentFor: 660))  // last valid reading at 0, next at 11 min
    }

    @Test func noReadingAtAllAfterStartIsNoData() {
        var f = Feed(.gsp)
        f.silence(299)
        #expect(f.events.isEmpty)
        f.silence(1)
        #expect(f.events.count == 1)
    }

    @Test func cumulativeTimeAboveAThreshold() {
        var rules = AlarmRules.gsp
        rules.high = nil
        rules.cumulative = [.init(aboveC: 8, total: 3600, window: 86400)]
        var f = Feed(rules)
        for _ in 0..<3 {                // three 25-minute warm spells in a day: 75 min above 8 °C
            f.readings(9, count: 25)
            f.readings(5, count: 300)
        }
        #expect(f.opened.count == 1)
        #expect(f.opened.first?.side == .cumulative)
    }

    @Test func restoredExcursionContinuesAfterARestart() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var m = SensorMonitor(sensor: "F1-air", rules: .gsp, startedAt: start.addingTimeInterval(7200))
        m.restore(Excursion(sensor: "F1-air", side: .high, start: start, min: 9, max: 10, degreeMinutes: 100,
                            limitC: 8, rule: "gsp", id: 42, lastAt: start.addingTimeInterval(3600)))
        #expect(m.observe(10.2, at: start.addingTimeInterval(7200)).isEmpty)
        let events = m.observe(5, at: start.addingTimeInterval(7260))
        guard case .excursionClosed(let e)? = events.first else { Issue.record("\(events)"); return }
        #expect(e.id == 42 && e.start == start && e.max == 10.2)
    }

    @Test(arguments: [([5.0], 5.0), ([2.0, 8.0], 5.536424508866332), ([25.0, 30.0], 27.82100191553286),
                      ([4, 4, 4, 4, 4, 4, 4, 4, 4, 20], 7.739143548096308)])
    func meanKineticTemperature(values: [Double], expected: Double) throws {
        // Expected values computed independently (Python, the formula in DESIGN.md) for equal weights.
        let t0 = Date(timeIntervalSince1970: 0)
        let readings = values.enumerated().map { (t0.addingTimeInterval(Double($0.offset) * 60), $0.element) }
        let mkt = try #require(MeanKineticTemperature.compute(readings, until: t0.addingTimeInterval(Double(values.count) * 60)))
        #expect(abs(mkt - expected) < 1e-9)
    }
}

/// The record clock stepped forward in the middle of what a monitor measures.
@Suite struct SensorMonitorClockStepTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let day = 86_400.0

    @Test func aForwardStepNeitherStretchesAnExcursionNorRaisesNoData() {
        var rules = AlarmRules.gsp
        rules.high?.delay = 0; rules.commLossAfter = 600
        var m = SensorMonitor(sensor: "S1", rules: rules, startedAt: t0)
        _ = m.observe(11, at: t0)
        _ = m.observe(11, at: t0.addingTimeInterval(4))
        m.clockStepped(by: day)
        // The next tick and reading come a few seconds later on the stepped clock.
        #expect(m.tick(t0.addingTimeInterval(day + 6)).isEmpty, "no false no-data")
        let events = m.observe(5, at: t0.addingTimeInterval(day + 8))
        guard case .excursionClosed(let e)? = events.first else { Issue.record("\(events)"); return }
        #expect(e.duration == 8)
        #expect(e.start == t0, "the start stays as recorded")
    }

    @Test func aStepDuringTheDelayDoesNotCountTowardsIt() {
        var rules = AlarmRules.gsp
        rules.high?.delay = 600; rules.commLossAfter = 600
        var m = SensorMonitor(sensor: "S1", rules: rules, startedAt: t0)
        _ = m.observe(11, at: t0)
        m.clockStepped(by: day)
        #expect(m.observe(11, at: t0.addingTimeInterval(day + 60)).isEmpty, "60 s of a 600 s delay")
        #expect(m.observe(11, at: t0.addingTimeInterval(day + 600)).count == 1)
    }
}
