import FoundationEssentials

/// Builds one fridge's month of the record sheet from its readings and events, fed in time order. Pure: the
/// calendar and `now` come from outside, so a test can fix both.
public struct RecordSheetBuilder {
    struct Day {
        var am: (d: Double, r: SheetReading)?
        var pm: (d: Double, r: SheetReading)?
        var amChecks: [SheetCheck] = []
        var pmChecks: [SheetCheck] = []
        var minC = Double.infinity, maxC = -Double.infinity, sum = 0.0, count = 0
        var outOfRange: [String: Double] = [:]   // sensor → seconds
        var events: [SheetNote] = []
        var noData: [SheetSpan] = []
        var head: SheetHead?
    }

    public let fridge: GatewayConfig.Fridge
    let calendar: ClinicCalendar
    let now: Date
    let dates: [GS1Date]
    /// Local midnight of each day, and of the day after the month.
    let starts: [Date]
    let noons: [Date]
    let amTargets: [Date]
    let pmTargets: [Date]
    var days: [Day]
    var lastBySensor: [String: (Date, Double)] = [:]
    var lastAny: Date
    /// Each alarm of the month: when it opened and who was told (for the acknowledgement's and the close's notes).
    var alarmOpened: [Int: Date] = [:]
    var alarmTold: [Int: (levels: Set<Int>, attempts: Int, failed: Int, folded: Int)] = [:]
    /// Probe faults going on, per sensor: the first and last faulty reading and why.
    var faults: [String: (first: Date, last: Date, reason: String)] = [:]
    /// When the gateway began recording (the ledger's first event): days before it were not installed, not missing.
    let installedAt: Date?

    /// The month `year`-`month` (checked by the caller) for `fridge`, records at `am` and `pm` minutes after local midnight.
    /// `installedAt`: the ledger's first event (nil: the sheet does not know, every day is counted).
    public init(fridge: GatewayConfig.Fridge, year: Int, month: Int, am: Int, pm: Int, calendar: ClinicCalendar, now: Date, installedAt: Date? = nil) {
        self.fridge = fridge; self.calendar = calendar; self.now = now; self.installedAt = installedAt
        var dates: [GS1Date] = []
        var d = GS1Date(year: year, month: month, day: 1)
        while d.month == month { dates.append(d); d = calendar.next(d) }
        self.dates = dates
        starts = (dates + [d]).map { calendar.instant($0, minutes: 0) }
        noons = dates.map { calendar.instant($0, minutes: 12 * 60) }
        amTargets = dates.map { calendar.instant($0, minutes: am) }
        pmTargets = dates.map { calendar.instant($0, minutes: pm) }
        days = Array(repeating: Day(), count: dates.count)
        // No data is counted from installation, not from a month's start before it.
        lastAny = max(starts[0], installedAt ?? starts[0])
    }

    /// The month: from its first local midnight to the next month's.
    public var window: (from: Date, to: Date) { (starts[0], starts[starts.count - 1]) }

    /// The day `t` falls in, or nil outside the month.
    func dayIndex(_ t: Date) -> Int? {
        guard t >= starts[0], t < starts[starts.count - 1] else { return nil }
        var lo = 0, hi = dates.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    func outOfRange(_ c: Double) -> Bool {
        if let h = fridge.alarm.high, c > h.limitC || (h.inclusive && c == h.limitC) { return true }
        if let l = fridge.alarm.low, c < l.limitC || (l.inclusive && c == l.limitC) { return true }
        return false
    }

    /// One reading of one of the fridge's sensors; readings come oldest first.
    public mutating func reading(at t: Date, sensor: String, c: Double) {
        if faults[sensor] != nil { endFault(sensor, at: t) }
        let cap = fridge.alarm.commLossAfter
        if let (last, lastC) = lastBySensor[sensor], outOfRange(lastC), let i = dayIndex(last) {
            days[i].outOfRange[sensor, default: 0] += min(max(0, t.timeIntervalSince(last)), cap)
        }
        lastBySensor[sensor] = (t, c)
        if t.timeIntervalSince(lastAny) > cap { hole(from: lastAny, to: t) }
        lastAny = max(lastAny, t)
        guard let i = dayIndex(t) else { return }
        days[i].minC = min(days[i].minC, c); days[i].maxC = max(days[i].maxC, c); days[i].sum += c; days[i].count += 1
        guard sensor == fridge.sensors.first?.id else { return }
        let r = SheetReading(at: RFC3339.format(t), c: c)
        if t < noons[i] {
            let d = abs(t.timeIntervalSince(amTargets[i]))
            if days[i].am.map({ d < $0.d }) ?? true { days[i].am = (d, r) }
        } else {
            let d = abs(t.timeIntervalSince(pmTargets[i]))
            if days[i].pm.map({ d < $0.d }) ?? true { days[i].pm = (d, r) }
        }
    }

    /// A period without readings, noted on each day it covers.
    mutating func hole(from: Date, to: Date) {
        var i = dayIndex(max(from, starts[0])) ?? 0
        while i < dates.count, starts[i] < to {
            let a = max(from, starts[i]), b = min(to, starts[i + 1])
            if b > a {
                days[i].noData.append(SheetSpan(from: RFC3339.format(a), to: RFC3339.format(b), minutes: Int((b.timeIntervalSince(a) / 60).rounded())))
            }
            i += 1
        }
    }

    /// One recorded event of any kind; those of other fridges are left out (gaps in the record concern all).
    /// Each note is said in Chinese, for the sheet's reader, and in English beneath.
    public mutating func event(_ typed: TypedEvent, at t: Date) {
        guard let i = dayIndex(t) else { return }
        let at = RFC3339.format(t)
        func note(_ kind: String, _ zh: String, _ en: String, from: Date? = nil, to: Date? = nil) {
            days[i].events.append(SheetNote(at: at, kind: kind, text: en, zh: zh, from: from, to: to))
        }
        let d = DurationText.describe, zhD = DurationText.chinese
        let mine = fridge.id
        // A power source with no fridge (a UPS) feeds them all; its alarm's fridge is "*".
        func feeds(_ f: PowerFacts) -> Bool { f.fridge == nil || f.fridge == mine }
        func alarmOf(_ f: String) -> Bool { f == mine || f == "*" }
        switch typed {
        case .excursionOpened(let b) where b.excursion.fridge == fridge.id:
            let x = b.excursion
            let during = x.cause.map { $0 == .power ? "停电期间" : "开门期间" }
            note("excursion", "超温 \(x.id)：\(x.sensor) \(x.side == .high ? "高于" : "低于") \(x.limitC) °C" + (during.map { "（\($0)）" } ?? ""),
                 "excursion \(x.id) \(x.sensor) \(x.side.rawValue): beyond \(x.limitC) °C" + (x.cause.map { ", during a \($0 == .power ? "power cut" : "door opening")" } ?? ""),
                 from: x.start)
        case .excursionClosed(let b) where b.excursion.fridge == fridge.id:
            let x = b.excursion
            note("excursion", "超温 \(x.id) 结束：\(x.minC)–\(x.maxC) °C，持续 \(zhD(b.durationSeconds))，\(x.degreeMinutes) °C·分",
                 "excursion \(x.id) \(x.sensor) ended: \(x.minC)–\(x.maxC) °C for \(d(b.durationSeconds)), \(x.degreeMinutes) °C·min",
                 from: x.start, to: b.end)
        case .alarmOpened(let b) where alarmOf(b.fridge):
            alarmOpened[b.alarm] = t
            note("alarm", "报警 \(b.alarm)：\(b.sensor) \(Self.chinese(b.cause))", "alarm \(b.alarm) \(b.sensor) \(b.cause.rawValue)")
        case .alarmAcknowledged(let b) where alarmOf(b.fridge):
            // Who, by name (uid for events before names were recorded), and how long it took in China CDC's buckets.
            let who = b.by ?? "uid \(b.uid)"
            let s = alarmOpened[b.alarm].map { t.timeIntervalSince($0) }
            note("acknowledged", "报警 \(b.alarm) 由 \(who) 确认" + (s.map { "，用时 \(zhD($0))（\(HandlingBucket(seconds: $0).rawValue)）" } ?? "") + "：\(b.note)",
                 "alarm \(b.alarm) acknowledged by \(who)" + (s.map { " after \(d($0)) (\(HandlingBucket(seconds: $0).rawValue))" } ?? "") + ": \(b.note)")
        case .alarmClosed(let b) where alarmOf(b.fridge):
            let told = alarmTold[b.alarm]
            let after = alarmOpened[b.alarm].map { t.timeIntervalSince($0) }
            let zhTold = told.map { x in
                "；已通知 \(x.levels.sorted().map { String($0 + 1) }.joined(separator: "+")) 级，\(x.attempts) 次" + (x.failed > 0 ? "（\(x.failed) 次失败）" : "")
                    + (x.folded > 0 ? "，\(x.folded) 条并入汇总" : "")
            } ?? ""
            let enTold = told.map { x in
                "; notified: level \(x.levels.sorted().map { String($0 + 1) }.joined(separator: "+")), \(x.attempts) attempt(s)"
                    + (x.failed > 0 ? " (\(x.failed) failed)" : "") + (x.folded > 0 ? "; \(x.folded) folded into a summary" : "")
            } ?? ""
            note("alarm", "报警 \(b.alarm) 解除" + (after.map { "，持续 \(zhD($0))" } ?? "") + zhTold,
                 "alarm \(b.alarm) closed: \(b.reason)" + (after.map { " after \(d($0))" } ?? "") + enTold)
        case .alarmNotified(let b) where alarmOpened[b.alarm] != nil:
            var x = alarmTold[b.alarm] ?? (levels: [], attempts: 0, failed: 0, folded: 0)
            if b.folded == true {
                x.folded += 1
            } else {
                if let l = b.level { x.levels.insert(l) }
                x.attempts += 1
                if !b.ok { x.failed += 1 }
            }
            alarmTold[b.alarm] = x
        case .probeFault(let b) where b.fridge == fridge.id:
            // One fault per poll is recorded; the sheet shows the period, from the first to the next good reading.
            if faults[b.sensor] == nil { faults[b.sensor] = (t, t, b.reason) } else { faults[b.sensor]?.last = t }
        case .sensorNoData(let b) where b.fridge == fridge.id:
            note("no_data", "\(b.sensor) 无数据（通讯中断）", "sensor \(b.sensor): no data (communication lost)", from: b.since)
        case .sensorRecovered(let b) where b.fridge == fridge.id:
            note("no_data", "\(b.sensor) 恢复数据，中断 \(zhD(b.silentSeconds))", "sensor \(b.sensor): data again after \(d(b.silentSeconds))")
        case .gatewayGap(let b):
            note("gap", "网关未记录 \(zhD(b.seconds))（上次运行结束于：\(b.previousEnd)）",
                 "gateway not recording (\(d(b.seconds)); previous run ended by \(b.previousEnd))", from: b.from, to: b.to)
        case .ledgerUnrecorded(let b):
            note("unrecorded", "账本无法写入：\(b.error)", "ledger could not write: \(b.error)", from: b.from, to: b.to)
        case .powerLost(let b) where feeds(b.facts):
            note("power", "断电（\(b.facts.source)）", "power lost (\(b.facts.source))", from: t)
        case .powerRestored(let b) where feeds(b.facts):
            note("power", "恢复供电（\(b.facts.source)），停电 \(zhD(b.offSeconds))", "power restored (\(b.facts.source)) after \(d(b.offSeconds))",
                 from: t.addingTimeInterval(-b.offSeconds), to: t)
        case .powerBatteryLow(let b) where feeds(b.facts):
            note("power", "UPS 电量低（\(b.facts.source)）：网关将关机", "UPS battery low (\(b.facts.source)): the gateway expected to go down")
        case .powerUnknown(let b):
            note("power", "电源状态未知（\(b.source)）：\(b.error)", "power not known (\(b.source)): \(b.error)")
        case .doorOpened(let b) where b.fridge == mine:
            note("door", "门 \(b.input) 打开", "door \(b.input) opened")
        case .doorClosed(let b) where b.fridge == mine:
            note("door", "门 \(b.input) 关闭，开门 \(zhD(b.openSeconds))", "door \(b.input) closed after \(d(b.openSeconds))",
                 from: t.addingTimeInterval(-b.openSeconds), to: t)
        case .clockBehind(let b):
            note("clock", "系统时钟比记录慢 \(zhD(b.behindSeconds))；按记录时间记录",
                 "system clock \(d(b.behindSeconds)) behind the record; recorded at the record's time")
        case .clockAhead(let b):
            note("clock", "系统时钟比记录快 \(zhD(b.aheadSeconds))；确认前不采用",
                 "system clock \(d(b.aheadSeconds)) ahead of the record; not followed until confirmed")
        case .clockCorrected(let b):
            note("clock", "系统时钟\(b.offsetSeconds >= 0 ? "向前" : "向后")调整 \(zhD(abs(b.offsetSeconds)))",
                 "system clock stepped \(b.offsetSeconds >= 0 ? "forward" : "back") \(d(abs(b.offsetSeconds)))")
        case .assessmentRecorded(let b) where b.fridge == fridge.id:
            note("assessment", "超温 \(b.excursion) 评估：\(b.doses.count) 剂\(b.decision == .release ? "可继续使用" : "须销毁")（\(b.by)）：\(b.note)",
                 "excursion \(b.excursion): \(b.doses.count) dose(s) " + (b.decision == .release ? "released for use" : "to be discarded") + " by \(b.by): \(b.note)")
        case .inspectionRecorded(let b) where b.fridge == fridge.id:
            let check = SheetCheck(at: at, b)
            if t < noons[i] { days[i].amChecks.append(check) } else { days[i].pmChecks.append(check) }
        default: break
        }
    }

    /// A probe fault's period as a note on the day it began: ended by a good reading of its sensor, or still on.
    mutating func endFault(_ sensor: String, at end: Date?) {
        guard let f = faults.removeValue(forKey: sensor), let i = dayIndex(f.first) else { return }
        let until = end ?? f.last
        days[i].events.append(SheetNote(at: RFC3339.format(f.first), kind: "probe_fault",
                                        text: "probe \(sensor) fault: \(f.reason)" + (end == nil ? " (still at the last reading)" : ""),
                                        zh: "探头 \(sensor) 故障：\(f.reason)" + (end == nil ? "（至今）" : ""), from: f.first, to: until))
    }

    /// The Chinese word for an alarm's cause.
    static func chinese(_ c: AlarmCause) -> String {
        switch c {
        case .excursion: "超温"
        case .noData: "无数据"
        case .power: "断电"
        case .door: "开门超时"
        }
    }

    /// The ledger's head at the end of day `i` (the newest event recorded before the next local midnight).
    public mutating func head(day i: Int, seq: Int64, hash: String) {
        guard days.indices.contains(i) else { return }
        days[i].head = SheetHead(seq: seq, hash: String(hash.prefix(16)))
    }

    /// Local midnight after each day: where the daemon reads each day's head.
    public var dayEnds: [Date] { Array(starts.dropFirst()) }

    /// The month's sheet for this fridge. Call once, after every reading and event.
    public mutating func finish() -> FridgeSheet {
        for sensor in Array(faults.keys) { endFault(sensor, at: nil) }
        let end = min(window.to, now)
        if end.timeIntervalSince(lastAny) > fridge.alarm.commLossAfter { hole(from: lastAny, to: end) }
        // The last reading of each sensor stands until the month's end or now, capped like the others.
        for (sensor, (t, c)) in lastBySensor where outOfRange(c) {
            if let i = dayIndex(t) { days[i].outOfRange[sensor, default: 0] += min(max(0, end.timeIntervalSince(t)), fridge.alarm.commLossAfter) }
        }
        let rounded = { (v: Double) in (v * 100).rounded() / 100 }
        let sheetDays = days.indices.map { i -> DaySheet in
            let d = days[i]
            let complete = starts[i + 1] <= now
            let notInstalled = installedAt.map { starts[i + 1] <= $0 } ?? false
            // Notes in time order: a probe fault's period is added when it ends.
            let events = d.events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
            return DaySheet(date: dates[i].description, am: d.am?.r, pm: d.pm?.r, amChecks: d.amChecks, pmChecks: d.pmChecks,
                            minC: d.count > 0 ? d.minC : nil, maxC: d.count > 0 ? d.maxC : nil, meanC: d.count > 0 ? rounded(d.sum / Double(d.count)) : nil,
                            readings: d.count, minutesOutOfRange: Int(((d.outOfRange.values.max() ?? 0) / 60).rounded()),
                            events: events, noData: d.noData, head: complete ? d.head : nil, complete: complete,
                            notInstalled: notInstalled ? true : nil)
        }
        return FridgeSheet(id: fridge.id, name: fridge.name, lowC: fridge.alarm.low?.limitC, highC: fridge.alarm.high?.limitC,
                           recordSensor: fridge.sensors.first?.id ?? "", days: sheetDays, model: fridge.model, location: fridge.location)
    }
}
