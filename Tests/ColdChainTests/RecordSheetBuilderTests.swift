import FoundationEssentials
import Testing
@testable import ColdChain

/// The sheet's builder on its own (pure, calendar and now from outside): the days before installation are not
/// installed rather than missing, a probe fault is one period from its first faulty reading to the next good one,
/// and an acknowledgement names its person, in Chinese first.
@Suite struct RecordSheetBuilderTests {
    let calendar = ClinicCalendar.fixed(hours: 8)
    let fridge = GatewayConfig.Fridge(id: "F1", name: "接种台冰箱", model: "海尔 HYC-310", location: "二楼", alarm: .gsp,
                                      sensors: [GatewayConfig.Sensor(id: "F1-air", bus: "lan", unit: 1, profile: "p", poll: 60)])
    func at(_ day: Int, _ h: Int, _ m: Int) -> Date { calendar.instant(GS1Date(year: 2026, month: 11, day: day), minutes: h * 60 + m) }

    @Test func notInstalledProbeFaultsAndNames() {
        let installed = at(3, 10, 0)
        var b = RecordSheetBuilder(fridge: fridge, year: 2026, month: 11, am: 510, pm: 990, calendar: calendar, now: at(5, 12, 0),
                                   installedAt: installed)
        var t = installed
        while t < at(5, 12, 0) {
            // 09:00–09:02 on the 4th: two faulty polls, no reading, then good again at 09:03.
            if t == at(4, 9, 0) || t == at(4, 9, 1) { b.event(.probeFault(ProbeFault(sensor: "F1-air", fridge: "F1", reason: "raw -32768")), at: t) }
            else { b.reading(at: t, sensor: "F1-air", c: 5) }
            if t == at(4, 14, 0) {
                b.event(.alarmOpened(AlarmOpened(alarm: 1, fridge: "F1", sensor: "F1-air", cause: .door, excursion: nil)), at: t)
                b.event(.alarmAcknowledged(AlarmAcknowledged(alarm: 1, fridge: "F1", sensor: "F1-air", note: "门已关", uid: 0, by: "王丽")),
                        at: t.addingTimeInterval(120))
            }
            t = t.addingTimeInterval(60)
        }
        let sheet = b.finish()
        #expect(sheet.model == "海尔 HYC-310" && sheet.location == "二楼")
        #expect(sheet.days[0].notInstalled == true && sheet.days[1].notInstalled == true, "the 1st and 2nd were before the gateway")
        #expect(sheet.days[2].notInstalled == nil && sheet.days[2].noData.isEmpty, "the 3rd: installed at 10:00, no gap before it: \(sheet.days[2].noData)")
        let fourth = sheet.days[3].events
        let fault = fourth.filter { $0.kind == "probe_fault" }
        #expect(fault.count == 1 && fault.first?.from == RFC3339.format(at(4, 9, 0)) && fault.first?.to == RFC3339.format(at(4, 9, 2)), "\(fourth)")
        #expect(fault.first?.zh == "探头 F1-air 故障：raw -32768")
        let ack = fourth.first { $0.kind == "acknowledged" }
        #expect(ack?.zh == "报警 1 由 王丽 确认，用时 2分（<=30m）：门已关", "\(String(describing: ack))")
        #expect(ack?.text == "alarm 1 acknowledged by 王丽 after 2m (<=30m): 门已关")
        #expect(fourth.map(\.at) == fourth.map(\.at).sorted(), "notes in time order")
    }

    @Test func chineseDurations() {
        #expect(DurationText.chinese(3_725) == "1小时2分5秒")
        #expect(DurationText.chinese(90_000) == "1天1小时")
        #expect(DurationText.chinese(0.25) == "250毫秒")
    }
}
