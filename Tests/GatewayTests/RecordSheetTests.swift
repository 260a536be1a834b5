import ColdChain
import Control
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// The temperature record sheet of a generated month in a UTC+8 clinic: known morning and afternoon values, a
/// flagged check, a missing one, an excursion with its alarm and acknowledgement, a gap, and the ledger's head at
/// the end of each day, each checked against the generated record.
@Suite struct RecordSheetTests {
    static let cst = ClinicCalendar.fixed(hours: 8)
    /// October 2026, local: every 5 minutes; 08:30 reads 4.00 + day/100 and 16:30 reads 6.00 + day/100, else 5.0.
    static func local(_ day: Int, _ h: Int, _ m: Int) -> Date { cst.instant(GS1Date(year: 2026, month: 10, day: day), minutes: h * 60 + m) }

    static func month(_ ledger: Ledger) throws -> [(Date, Double)] {
        var written: [(Date, Double)] = []
        var batch: [NewEvent] = []
        func add(_ body: some EventBody, _ t: Date) { batch.append(NewEvent(body, at: t)) }
        for day in 1...31 {
            for step in 0..<288 {
                let (h, m) = (step * 5 / 60, step * 5 % 60)
                let t = local(day, h, m)
                if day == 20 && (h >= 2 && h < 5) { continue }                       // the gateway was off 02:00–05:00
                if day == 20 && h == 5 && m == 0 {
                    add(GatewayGap(from: local(20, 1, 55), to: t, seconds: t.timeIntervalSince(local(20, 1, 55)), previousEnd: "power cut", lastSeq: 0), t)
                }
                var c = 5.0
                if (h, m) == (8, 30) { c = 4.0 + Double(day) / 100 }
                if (h, m) == (16, 30) { c = 6.0 + Double(day) / 100 }
                if day == 10 && h == 12 && m < 20 { c = 10.0 }                        // 12:00–12:15 at 10 °C: 20 minutes out
                add(Reading.measured(sensor: "F1-air", fridge: "F1", celsius: c, humidity: nil), t)
                written.append((t, c))
                if day == 10 && (h, m) == (12, 5) {
                    let x = ExcursionState(id: 1, fridge: "F1", sensor: "F1-air", side: .high, rule: "gsp-high", limitC: 8, start: local(10, 12, 0),
                                           minC: 10, maxC: 10, degreeMinutes: 10)
                    add(ExcursionOpened(x), t)
                    add(AlarmOpened(alarm: 1, fridge: "F1", sensor: "F1-air", cause: .excursion, excursion: 1), t)
                }
                if day == 10 && (h, m) == (12, 5) {
                    add(AlarmNotified(alarm: 1, level: 0, kind: .opened, channel: "duty", recipient: "group", ok: true, error: nil, attempt: 1), t)
                    add(AlarmNotified(alarm: 1, level: 0, kind: .opened, channel: "county", recipient: "137****0003", ok: false, error: "x", attempt: 1), t)
                }
                if day == 10 && (h, m) == (12, 10) {
                    add(AlarmAcknowledged(alarm: 1, fridge: "F1", sensor: "F1-air", note: "door closed, doses quarantined", uid: 1000, by: "王丽"), t)
                }
                if day == 10 && (h, m) == (12, 20) {
                    let x = ExcursionState(id: 1, fridge: "F1", sensor: "F1-air", side: .high, rule: "gsp-high", limitC: 8, start: local(10, 12, 0),
                                           minC: 10, maxC: 10, degreeMinutes: 40)
                    add(ExcursionClosed(x, end: t, durationSeconds: 1200), t)
                    add(AlarmClosed(alarm: 1, fridge: "F1", sensor: "F1-air", reason: "back in range"), t)
                }
                // The 12th: the probe faulty from 09:02 until the 09:05 reading.
                if day == 12 && (h, m) == (9, 0) {
                    add(ProbeFault(sensor: "F1-air", fridge: "F1", reason: "raw value -32768 means probe fault"), t.addingTimeInterval(120))
                    add(ProbeFault(sensor: "F1-air", fridge: "F1", reason: "raw value -32768 means probe fault"), t.addingTimeInterval(180))
                }
                // The 25th: a UPS cut 03:00–03:40 (every fridge), another fridge's mains input, F1's door 10:00–10:07.
                if day == 25 && (h, m) == (3, 0) {
                    add(PowerLost(PowerFacts(source: "ups:u", status: "OB")), t)
                    add(AlarmOpened(alarm: 2, fridge: "*", sensor: "ups:u", cause: .power, excursion: nil), t)
                    add(PowerLost(PowerFacts(source: "input:m9", fridge: "F9")), t)
                }
                if day == 25 && (h, m) == (3, 40) {
                    add(PowerRestored(PowerFacts(source: "ups:u", status: "OL"), offSeconds: 2400), t)
                    add(AlarmClosed(alarm: 2, fridge: "*", sensor: "ups:u", reason: "power restored"), t)
                }
                if day == 25 && (h, m) == (10, 0) { add(DoorOpened(input: "F1-door", fridge: "F1"), t); add(DoorOpened(input: "F9-door", fridge: "F9"), t) }
                if day == 25 && (h, m) == (10, 5) { add(DoorClosed(input: "F1-door", fridge: "F1", openSeconds: 300), t) }
                // Manual checks at 08:35 and 16:35, except the afternoon of the 15th; the 5th's morning one disagrees.
                if (h, m) == (8, 35) {
                    let probe = 5.0
                    add(InspectionRecorded(fridge: "F1", celsius: day == 5 ? 6.5 : 5.2, by: "王丽", uid: 1000, note: nil,
                                           probeSensor: "F1-air", probeCelsius: probe, probeAt: local(day, 8, 35)), t)
                }
                if (h, m) == (16, 35) && day != 15 {
                    add(InspectionRecorded(fridge: "F1", celsius: 5.1, by: "Li Wei", uid: 1000, note: nil, probeSensor: "F1-air",
                                           probeCelsius: 5.0, probeAt: t), t)
                }
            }
            _ = try ledger.appendBlocking(batch)
            batch = []
        }
        return written
    }

    @Test func aGeneratedMonthReadsBackAsItWasWritten() async throws {
        let f = try HubFixture()
        let written = try Self.month(f.ledger)
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        let now = Self.local(31, 23, 59).addingTimeInterval(3600)   // the month is over
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(now), calendar: Self.cst)
        guard case .ok(let value) = try await commands.reportDaily(year: 2026, month: 10, fridge: nil) else { Issue.record("report failed"); return }
        let sheet = try value.decode(RecordSheet.self)
        #expect(sheet.month == "2026-10" && sheet.zone == "UTC+08:00" && sheet.am == "08:30" && sheet.pm == "16:30")
        let days = try #require(sheet.fridges.first).days
        #expect(days.count == 31 && days.allSatisfy(\.complete))

        for (i, d) in days.enumerated() {
            let day = i + 1
            #expect(d.am == SheetReading(at: RFC3339.format(Self.local(day, 8, 30)), c: 4.0 + Double(day) / 100), "\(d.date) am")
            #expect(d.pm == SheetReading(at: RFC3339.format(Self.local(day, 16, 30)), c: 6.0 + Double(day) / 100), "\(d.date) pm")
            // Min, max and mean against a direct computation over what was written that day.
            let values = written.filter { $0.0 >= Self.local(day, 0, 0) && $0.0 < Self.local(day, 0, 0).addingTimeInterval(86_400) }.map(\.1)
            #expect(d.readings == values.count && d.minC == values.min() && d.maxC == values.max(), "\(d.date)")
            #expect(d.meanC == ((values.reduce(0, +) / Double(values.count)) * 100).rounded() / 100, "\(d.date)")
            // The head: the last event before local midnight, found here by reading every event.
            let midnight = RFC3339.format(Self.local(day, 0, 0).addingTimeInterval(86_400))
            let last = try #require(try reader.events(after: 0, limit: 100_000).last { $0.recordedAt < midnight })
            #expect(d.head == SheetHead(seq: last.seq, hash: String(last.hash.prefix(16))), "\(d.date)")
            #expect(d.amChecks.count == 1 && d.pmChecks.count == (day == 15 ? 0 : 1), "\(d.date)")
        }
        #expect(days[4].amChecks.first?.flagged == true && days[4].amChecks.first?.differenceC == 1.5)
        #expect(days.filter { $0.amChecks.first?.flagged == true }.count == 1)

        let tenth = days[9]
        #expect(tenth.minutesOutOfRange == 20 && tenth.maxC == 10.0)
        #expect(days.enumerated().allSatisfy { $0.offset == 9 || $0.element.minutesOutOfRange == 0 })
        #expect(tenth.events.map(\.kind) == ["excursion", "alarm", "acknowledged", "excursion", "alarm"], "\(tenth.events)")
        #expect(tenth.events[2].text.contains("door closed, doses quarantined"))
        #expect(tenth.events[2].text.contains("after 5m (<=30m)"), "\(tenth.events[2].text)")
        #expect(tenth.events[4].text == "alarm 1 closed: back in range after 15m; notified: level 1, 2 attempt(s) (1 failed)", "\(tenth.events[4].text)")
        #expect(tenth.events[3].from == RFC3339.format(Self.local(10, 12, 0)) && tenth.events[3].to == RFC3339.format(Self.local(10, 12, 20)))

        let twentieth = days[19]
        #expect(twentieth.noData == [SheetSpan(from: RFC3339.format(Self.local(20, 1, 55)), to: RFC3339.format(Self.local(20, 5, 0)), minutes: 185)])
        #expect(twentieth.events.map(\.kind) == ["gap"] && twentieth.events[0].text.contains("power cut"))
        #expect(days.enumerated().allSatisfy { $0.offset == 19 || $0.element.noData.isEmpty })

        // The UPS concerns every fridge, another fridge's input and door do not; the cut and the opening as periods.
        let cut = days[24]
        #expect(cut.events.map(\.kind) == ["power", "alarm", "power", "alarm", "door", "door"], "\(cut.events)")
        #expect(cut.events[2].from == RFC3339.format(Self.local(25, 3, 0)) && cut.events[2].to == RFC3339.format(Self.local(25, 3, 40)))
        #expect(cut.events[5].text.contains("5m") && !cut.events.contains { $0.text.contains("F9") || $0.text.contains("m9") })
        #expect(days.enumerated().allSatisfy { $0.offset == 24 || !$0.element.events.contains { $0.kind == "power" || $0.kind == "door" } })

        // The chart of the month: 31 days at the page's width, the excursion shaded, the gap grey, the marks.
        let chart = try #require(sheet.fridges.first?.chart)
        #expect(chart.bucketSeconds == ChartData.bucket(for: 31 * 86_400))
        #expect(chart.spans.filter { $0.kind == "excursion" }.count == 1 && chart.spans.contains { $0.kind == "no_data" })
        #expect(chart.marks.filter { $0.kind == "check_flagged" }.count == 1 && chart.marks.contains { $0.kind == "alarm" })
        // The printed head is an anchor: `verify --anchor SEQ:HASH` takes its 16 hex digits.
        let printed = try #require(days[14].head)
        let anchor = try #require(LedgerAnchor.parse("\(printed.seq):\(printed.hash)"))
        #expect(try reader.verify(anchors: [anchor]).anchors.map(\.result) == [.matches])
        let wrong = try #require(LedgerAnchor.parse("\(printed.seq):\(String(printed.hash.reversed()))"))
        #expect(try reader.verify(anchors: [wrong]).anchors.map(\.result) == [.differs])
        #expect(LedgerAnchor.parse("\(printed.seq):\(printed.hash.prefix(15))") == nil, "fewer than 16 digits is no anchor")
        reader.close()
    }
}
