import ColdChain
import Foundation
import Testing
import TestSupport

/// The hour's bound per cause, fridge and channel (hardening 2, finding 5).
@Suite struct NoticeBudgetTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let power = NoticeBudget.Key(cause: .power, fridge: "*", channel: "sms")

    @Test func aStormIsFoldedIntoOneSummaryThatKeepsTheLastSlot() {
        var b = NoticeBudget(perHour: 4)
        var admitted = 0
        for i in 0..<30 where b.admit(power, alarm: i / 2, now: t0.addingTimeInterval(Double(i) * 20)) { admitted += 1 }
        #expect(admitted == 3, "perHour - 1 notices, one slot kept for the summary")
        let early = b.summariesDue(t0.addingTimeInterval(29 * 20 + 599))
        #expect(early.isEmpty, "not quiet for 10 minutes yet")
        let due = b.summariesDue(t0.addingTimeInterval(29 * 20 + 600))
        #expect(due.count == 1 && due[0].folded.notices == 27 && due[0].folded.alarms.count == 14, "\(due)")
        // The hour is full now: the next notice folds, and its summary waits for room.
        let late = b.admit(power, alarm: 20, now: t0.addingTimeInterval(1300))
        #expect(!late)
        let full = b.summariesDue(t0.addingTimeInterval(1300 + 600))
        #expect(full.isEmpty)
        let room = b.summariesDue(t0.addingTimeInterval(3600))
        #expect(room.count == 1, "the first notice left the hour")
    }

    @Test func anotherFridgeOrChannelIsNeverFoldedBehindAStorm() {
        var b = NoticeBudget(perHour: 2)
        for i in 0..<5 { _ = b.admit(.init(cause: .excursion, fridge: "F1", channel: "sms"), alarm: i, now: t0.addingTimeInterval(Double(i))) }
        let otherFridge = b.admit(.init(cause: .excursion, fridge: "F2", channel: "sms"), alarm: 9, now: t0.addingTimeInterval(10))
        let otherChannel = b.admit(.init(cause: .excursion, fridge: "F1", channel: "wecom"), alarm: 9, now: t0.addingTimeInterval(10))
        let otherCause = b.admit(.init(cause: .door, fridge: "F1", channel: "sms"), alarm: 10, now: t0.addingTimeInterval(10))
        let same = b.admit(.init(cause: .excursion, fridge: "F1", channel: "sms"), alarm: 11, now: t0.addingTimeInterval(10))
        #expect(otherFridge && otherChannel && otherCause && !same)
    }

    /// Random arrivals on three keys for a day: no key ever has more than `perHour` notices (summaries included) in
    /// any hour, and every notice is either sent or counted by exactly one summary.
    @Test(arguments: [7, 42, 2026] as [UInt64]) func theBoundHoldsOnRandomArrivals(seed: UInt64) {
        print("NoticeBudget random arrivals, seed \(seed)")
        var rng = Seeded(seed: seed)
        let keys = ["a", "b", "c"].map { NoticeBudget.Key(cause: .power, fridge: $0, channel: "sms") }
        for perHour in [2, 3, 10] {
            var b = NoticeBudget(perHour: perHour)
            var out: [NoticeBudget.Key: [Date]] = [:]
            var foldedCount: [NoticeBudget.Key: Int] = [:]
            var summarised: [NoticeBudget.Key: Int] = [:]
            var offered: [NoticeBudget.Key: Int] = [:]
            var admitted: [NoticeBudget.Key: Int] = [:]
            var t = t0
            for _ in 0..<3000 {
                t.addTimeInterval(Double(Int.random(in: 1...120, using: &rng)))
                let key = keys[Int.random(in: 0..<3, using: &rng)]
                offered[key, default: 0] += 1
                if b.admit(key, alarm: Int.random(in: 0..<50, using: &rng), now: t) {
                    out[key, default: []].append(t)
                    admitted[key, default: 0] += 1
                } else { foldedCount[key, default: 0] += 1 }
                for s in b.summariesDue(t) {
                    out[s.key, default: []].append(t)
                    summarised[s.key, default: 0] += s.folded.notices
                }
            }
            for s in b.summariesDue(t.addingTimeInterval(7200)) { summarised[s.key, default: 0] += s.folded.notices }
            for key in keys {
                let times = out[key] ?? []
                for (i, start) in times.enumerated() {
                    let inHour = times[i...].prefix { $0.timeIntervalSince(start) < 3600 }.count
                    #expect(inHour <= perHour, "seed \(seed), perHour \(perHour): \(inHour) in the hour from \(start)")
                }
                #expect(summarised[key, default: 0] == foldedCount[key, default: 0], "seed \(seed): every folded notice is summarised once")
                #expect(admitted[key, default: 0] + foldedCount[key, default: 0] == offered[key, default: 0])
            }
        }
    }

    /// After a restart, the record gives back what went out in the hour and what was folded since the last summary
    /// that reached someone.
    @Test func theRestoreComesFromTheRecord() {
        func n(_ alarm: Int, _ kind: Escalation.Kind, ok: Bool = true, folded: Bool? = nil, folds: Int? = nil) -> AlarmNotified {
            AlarmNotified(alarm: alarm, level: kind == .summary ? nil : 0, kind: kind, channel: "sms", recipient: folded == true ? "-" : "137****0003",
                          ok: ok, error: nil, attempt: 1, folded: folded, folds: folds)
        }
        func at(_ m: Double) -> Date { t0.addingTimeInterval(m * 60) }
        let recorded: [NoticeBudget.Recorded] = [
            .init(at: at(0), notified: n(1, .opened), cause: .power, fridge: "*"),
            .init(at: at(1), notified: n(1, .closed), cause: .power, fridge: "*"),
            .init(at: at(2), notified: n(2, .opened, ok: false, folded: true), cause: .power, fridge: "*"),
            .init(at: at(3), notified: n(2, .closed, ok: false, folded: true), cause: .power, fridge: "*"),
            .init(at: at(14), notified: n(2, .summary, folds: 2), cause: .power, fridge: "*"),
            .init(at: at(20), notified: n(3, .opened, ok: false, folded: true), cause: .power, fridge: "*"),
            .init(at: at(90), notified: n(4, .opened), cause: .excursion, fridge: "F1"),
        ]
        let b = NoticeBudget.restored(perHour: 4, from: recorded, now: at(61))
        #expect(b.sent[power]?.count == 1, "the summary at 14 min is still in the hour; the notices at 0 and 1 min are not: \(b.sent)")
        #expect(b.folded[power] == .init(notices: 1, alarms: [3], first: at(20), last: at(20)))
        #expect(b.sent[.init(cause: .excursion, fridge: "F1", channel: "sms")] == nil, "a time after now is not counted")
    }

    @Test func theSummarySaysHowOftenAndHowThingsStandNow() {
        var m = AlarmMessage(kind: .summary, level: 0, alarm: 14, cause: .power, fridge: "*", fridgeName: nil, sensor: "-", celsius: nil,
                             lowC: nil, highC: nil, openedAt: t0, openedLocal: "10:02", minutes: 0, gateway: "gw-1", site: "clinic")
        m.summary = .init(notices: 27, alarms: 14, fromLocal: "10:02", toLocal: "10:12", stillOpen: [])
        #expect(m.text == "【冷链报警·汇总】全部冰箱 断电告警 14 次（10:02–10:12），为免刷屏，其间 27 条通知合并为本条；现在均已结束 [gw-1]")
        m.summary?.stillOpen = [15]
        #expect(m.text.contains("现在仍有 1 个未结束（告警 15）"))
        #expect(m.facts["folded_notices"] == 27)
    }
}
