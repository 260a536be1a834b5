import ColdChain
import Control
import FoundationEssentials
import POSIX
import Storage

extension ControlCommands {
    /// Event kinds the sheet and the chart show.
    static let recordKinds: [EventType] = [.excursionOpened, .excursionClosed, .alarmOpened, .alarmAcknowledged, .alarmClosed, .sensorNoData,
                                           .sensorRecovered, .gatewayGap, .ledgerUnrecorded, .inspectionRecorded, .powerLost, .powerRestored,
                                           .powerBatteryLow, .powerUnknown, .doorOpened, .doorClosed, .clockBehind, .clockCorrected, .clockAhead,
                                           .alarmNotified, .assessmentRecorded, .probeFault]

    /// `report daily --month YYYY-MM [--fridge F]`: the record sheet of each fridge (or one), with its month's chart.
    func reportDaily(year: Int, month: Int, fridge only: String?) async throws -> ControlReply {
        let config = self.config, calendar = self.calendar, now = clock.now()
        let fridges = try only.map { [try config.fridge($0)] } ?? config.fridges
        let label = "\(year)-\(month < 10 ? "0" : "")\(month)"
        return try await read { reader -> RecordSheet in
            // The month's window, its events and the ledger's head at the end of each day are the same for every
            // fridge: read once. (A month still to come has an empty window.)
            let minutes = { (m: Int) in "\(m / 60 < 10 ? "0" : "")\(m / 60):\(m % 60 < 10 ? "0" : "")\(m % 60)" }
            func sheet(_ fridges: [FridgeSheet]) -> RecordSheet {
                RecordSheet(gateway: config.gateway.id, site: config.gateway.site, month: label, zone: calendar.zoneName(at: now),
                            am: minutes(config.report.am), pm: minutes(config.report.pm), generatedAt: RFC3339.format(now), fridges: fridges)
            }
            guard let first = fridges.first else { return sheet([]) }
            let days = RecordSheetBuilder(fridge: first, year: year, month: month, am: config.report.am,
                                          pm: config.report.pm, calendar: calendar, now: now)
            let (from, to) = days.window
            let end = min(to, max(from, now))
            let events = try Self.recordEvents(reader, from: from, to: end)
            let heads = try days.dayEnds.map { dayEnd in dayEnd <= now ? try reader.lastEvent(before: dayEnd) : nil }
            var sheets: [FridgeSheet] = []
            // The ledger's first event: the days before it were before the gateway, not days without records.
            let installedAt = try reader.event(seq: 1)?.at
            for f in fridges {
                var b = RecordSheetBuilder(fridge: f, year: year, month: month, am: config.report.am, pm: config.report.pm,
                                           calendar: calendar, now: now, installedAt: installedAt)
                // In time order, readings and events together: a probe fault's period ends at the next good reading.
                var next = events.startIndex
                try reader.forEachReading(fridge: f.id, from: from, to: end) { r in
                    while next < events.endIndex, events[next].2 <= r.date { b.event(events[next].1, at: events[next].2); next += 1 }
                    b.reading(at: r.date, sensor: r.sensor, c: r.celsius)
                    return true
                }
                for (_, typed, at) in events[next...] { b.event(typed, at: at) }
                for (i, head) in heads.enumerated() { if let head { b.head(day: i, seq: head.seq, hash: head.hash) } }
                var part = b.finish()
                part.chart = try Self.chartData(reader, fridge: f, from: from, to: end, events: events)
                sheets.append(part)
            }
            return sheet(sheets)
        }
    }

    /// `chart FRIDGE --since 7d`: the curve, the band, shaded excursions and gaps, and marks.
    func chart(fridge id: String, since: DurationArgument?) async throws -> ControlReply {
        let f = try config.fridge(id), now = clock.now()
        let asked = since.map { now.addingTimeInterval(-$0.seconds) }
        return try await read { reader in
            // Without --since: from the gateway's first event, at most 7 days back. A new install's 7-day chart was
            // grey with one dot at its right edge.
            let first = try reader.event(seq: 1)?.at ?? now
            let from = asked ?? max(now.addingTimeInterval(-7 * 86_400), min(first, now.addingTimeInterval(-600)))
            return try Self.chartData(reader, fridge: f, from: from, to: now)
        }
    }

    /// The sheet's and the chart's events in a window, decoded; an event this build cannot read is skipped.
    static func recordEvents(_ reader: LedgerReader, from: Date, to: Date) throws -> [(LedgerEvent, TypedEvent, Date)] {
        let first = (try reader.lastEvent(before: from)?.seq ?? 0) + 1
        guard let last = try reader.lastEvent(before: to)?.seq, last >= first else { return [] }
        return try reader.events(types: recordKinds.map(\.rawValue), in: first...last).compactMap { e in
            guard let typed = (try? e.typed()) ?? nil else { return nil }
            return (e, typed, e.at)
        }
    }

    /// `events`: the window's record events when the caller has read them already (the record sheet).
    static func chartData(_ reader: LedgerReader, fridge f: GatewayConfig.Fridge, from: Date, to: Date,
                          events given: [(LedgerEvent, TypedEvent, Date)]? = nil) throws -> ChartData {
        let window = max(to.timeIntervalSince(from), 60)
        let bucket = ChartData.bucket(for: window)
        let buckets = try reader.readingBuckets(fridge: f.id, from: from, to: to, every: bucket)
        let t0 = LedgerReader.millis(from)
        var series: [String: [ChartPoint]] = [:]
        for b in buckets {
            series[b.sensor, default: []].append(ChartPoint(t: Double(b.startMillis - t0) / 1000, min: b.minC, max: b.maxC, mean: (b.meanC * 100).rounded() / 100))
        }
        var spans: [ChartSpan] = [], marks: [ChartMark] = []
        // No data: consecutive buckets (any sensor) further apart than the fridge's comm_loss_after (and a bucket).
        let times = Set(buckets.map(\.startMillis)).sorted()
        let allowed = max(f.alarm.commLossAfter, bucket) * 1000
        var previous = t0 - Int64(bucket * 1000)
        for t in times + [LedgerReader.millis(to)] {
            if Double(t - previous) > allowed + bucket * 1000 {
                let a = Date(timeIntervalSince1970: Double(previous) / 1000 + bucket), b = Date(timeIntervalSince1970: Double(t) / 1000)
                if b > a { spans.append(ChartSpan(kind: "no_data", from: RFC3339.format(max(a, from)), to: RFC3339.format(b))) }
            }
            previous = t
        }
        var openExcursions: [Int: Date] = [:]
        // Doors open and power off: intervals, drawn under the curve (a door left open explains the rise).
        var doorOpen: [String: Date] = [:], powerOff: [String: Date] = [:]
        func feeds(_ p: PowerFacts) -> Bool { p.fridge == nil || p.fridge == f.id }
        for (_, typed, at) in try given ?? recordEvents(reader, from: from, to: to) {
            let stamp = RFC3339.format(at)
            switch typed {
            case .excursionOpened(let b) where b.excursion.fridge == f.id: openExcursions[b.excursion.id] = b.excursion.start
            case .excursionClosed(let b) where b.excursion.fridge == f.id:
                openExcursions[b.excursion.id] = nil
                spans.append(ChartSpan(kind: "excursion", from: RFC3339.format(max(b.excursion.start, from)), to: RFC3339.format(b.end)))
            case .alarmOpened(let b) where b.fridge == f.id: marks.append(ChartMark(kind: "alarm", at: stamp, label: "alarm \(b.alarm)"))
            case .alarmAcknowledged(let b) where b.fridge == f.id: marks.append(ChartMark(kind: "acknowledged", at: stamp, label: "ack \(b.alarm)"))
            case .inspectionRecorded(let b) where b.fridge == f.id:
                marks.append(ChartMark(kind: b.flagged ? "check_flagged" : "check", at: stamp, label: "\(b.celsius) °C \(b.by)"))
            case .gatewayGap(let b): marks.append(ChartMark(kind: "gap", at: stamp, label: "off \(DurationText.describe(b.seconds))"))
            case .doorOpened(let b) where b.fridge == f.id: doorOpen[b.input] = at
            case .doorClosed(let b) where b.fridge == f.id:
                let opened = doorOpen.removeValue(forKey: b.input) ?? at.addingTimeInterval(-b.openSeconds)
                spans.append(ChartSpan(kind: "door", from: RFC3339.format(max(opened, from)), to: stamp))
            case .powerLost(let b) where feeds(b.facts): powerOff[b.facts.source] = at
            case .powerRestored(let b) where feeds(b.facts):
                let lost = powerOff.removeValue(forKey: b.facts.source) ?? at.addingTimeInterval(-b.offSeconds)
                spans.append(ChartSpan(kind: "power", from: RFC3339.format(max(lost, from)), to: stamp))
            default: break
            }
        }
        for (_, start) in openExcursions.sorted(by: { $0.key < $1.key }) {
            spans.append(ChartSpan(kind: "excursion", from: RFC3339.format(max(start, from)), to: RFC3339.format(to)))
        }
        for (_, start) in doorOpen.sorted(by: { $0.key < $1.key }) { spans.append(ChartSpan(kind: "door", from: RFC3339.format(start), to: RFC3339.format(to))) }
        for (_, start) in powerOff.sorted(by: { $0.key < $1.key }) { spans.append(ChartSpan(kind: "power", from: RFC3339.format(start), to: RFC3339.format(to))) }
        return ChartData(fridge: f.id, name: f.name, from: RFC3339.format(from), to: RFC3339.format(to), lowC: f.alarm.low?.limitC,
                         highC: f.alarm.high?.limitC, bucketSeconds: bucket,
                         series: f.sensors.map { ChartSeries(sensor: $0.id, points: series[$0.id] ?? []) }, spans: spans, marks: marks)
    }
}
