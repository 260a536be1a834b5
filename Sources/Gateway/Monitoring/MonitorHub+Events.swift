import ColdChain
import FoundationEssentials
import Storage

extension MonitorHub {
    /// Opens an alarm: its id, its state, the event that records it.
    func openAlarm(cause: AlarmCause, fridge: String, sensor: String, excursion: Int?, at t: Date, state s: inout State) -> NewEvent {
        let id = s.nextAlarm
        s.nextAlarm += 1
        s.alarms[id] = Alarm(id: id, fridge: fridge, sensor: sensor, cause: cause, excursion: excursion, openedAt: t,
                             acknowledged: false, lastNotified: t)
        log.warning("alarm \(id) opened: fridge \(fridge), \(cause == .power || cause == .door ? "source" : "sensor") \(sensor), \(cause.rawValue)")
        return NewEvent(AlarmOpened(alarm: id, fridge: fridge, sensor: sensor, cause: cause, excursion: excursion), at: t)
    }

    /// Closes the open alarms that match, oldest first.
    func closeAlarms(where match: (Alarm) -> Bool, reason: String, at t: Date, state s: inout State) -> [NewEvent] {
        var out: [NewEvent] = []
        for a in s.alarms.values.sorted(by: { $0.id < $1.id }) where match(a) {
            s.alarms[a.id] = nil
            out.append(NewEvent(AlarmClosed(alarm: a.id, fridge: a.fridge, sensor: a.sensor, reason: reason), at: t))
            log.notice("alarm \(a.id) closed: \(reason)")
        }
        return out
    }

    /// Turns what a monitor saw into ledger events, opening and closing alarms with their causes. An excursion
    /// that starts during a power cut or with the fridge's door open carries that cause on every event.
    func translate(_ events: [MonitorEvent], fridge: GatewayConfig.Fridge, at t: Date, state s: inout State) -> [NewEvent] {
        var out: [NewEvent] = []
        func state(_ e: Excursion, _ id: Int) -> ExcursionState { ExcursionState(e, id: id, fridge: fridge.id, cause: s.excursionCauses[id]) }
        for event in events {
            switch event {
            case .excursionOpened(let e):
                let id = s.nextExcursion
                s.nextExcursion += 1
                s.excursionIDs[e.sensor, default: [:]][e.side] = id
                s.excursionCauses[id] = s.site.cause(fridge: fridge.id, start: e.start)
                out.append(NewEvent(ExcursionOpened(state(e, id)), at: t))
                log.warning("excursion \(id) opened: fridge \(fridge.id), sensor \(e.sensor), \(e.side.rawValue) since \(RFC3339.format(e.start)), peak \(e.peak) °C"
                            + (s.excursionCauses[id].map { ", during a \($0 == .power ? "power cut" : "door opening")" } ?? ""))
                out.append(openAlarm(cause: .excursion, fridge: fridge.id, sensor: e.sensor, excursion: id, at: t, state: &s))
            case .excursionPeak(let e, let value, let at):
                guard let id = s.excursionIDs[e.sensor]?[e.side] else { continue }
                out.append(NewEvent(ExcursionPeak(state(e, id), valueC: value, at: at), at: t))
            case .excursionClosed(let e):
                guard let id = s.excursionIDs[e.sensor]?[e.side] else { continue }
                s.excursionIDs[e.sensor]?[e.side] = nil
                out.append(NewEvent(ExcursionClosed(state(e, id), end: e.end ?? t, durationSeconds: e.duration), at: t))
                s.excursionCauses[id] = nil
                log.notice("excursion \(id) closed after \(DurationText.describe(e.duration)): min \(e.min) °C, max \(e.max) °C")
                out += closeAlarms(where: { $0.excursion == id }, reason: "excursion \(id) ended", at: t, state: &s)
            case .noData(let sensor, let since):
                out.append(NewEvent(SensorNoData(sensor: sensor, fridge: fridge.id, since: since), at: t))
                out.append(openAlarm(cause: .noData, fridge: fridge.id, sensor: sensor, excursion: nil, at: t, state: &s))
            case .recovered(let sensor, let silent):
                out.append(NewEvent(SensorRecovered(sensor: sensor, fridge: fridge.id, silentSeconds: silent), at: t))
                out += closeAlarms(where: { $0.sensor == sensor && $0.cause == .noData }, reason: "sensor \(sensor) answers again", at: t, state: &s)
            }
        }
        return out
    }

    /// Rebuilds open excursions, open alarms and the id counters from the ledger: the typed events, folded.
    static func restore(into s: inout State, from reader: LedgerReader, config: GatewayConfig, log: Log) throws {
        let types = [EventType.excursionOpened, .excursionPeak, .excursionClosed, .alarmOpened, .alarmAcknowledged, .alarmClosed].map(\.rawValue)
        var open: [Int: Excursion] = [:]
        func note(_ x: ExcursionState, at: Date) {
            s.nextExcursion = max(s.nextExcursion, x.id + 1)
            s.excursionCauses[x.id] = x.cause
            open[x.id] = Excursion(sensor: x.sensor, side: x.side, start: x.start, min: x.minC, max: x.maxC, degreeMinutes: x.degreeMinutes,
                                   limitC: x.limitC, rule: x.rule, id: Int64(x.id), lastAt: at)
        }
        for e in try reader.events(types: types) {
            let at = e.at
            let typed: TypedEvent?
            do { typed = try e.typed() } catch {
                log.warning("ledger event \(e.seq): \(error); skipped while restoring alarms and excursions")
                continue
            }
            switch typed {
            case .excursionOpened(let b)?: note(b.excursion, at: at)
            case .excursionPeak(let b)?: note(b.excursion, at: at)
            case .excursionClosed(let b)?:
                open[b.excursion.id] = nil
                s.excursionCauses[b.excursion.id] = nil
                s.nextExcursion = max(s.nextExcursion, b.excursion.id + 1)
            case .alarmOpened(let b)?:
                s.nextAlarm = max(s.nextAlarm, b.alarm + 1)
                s.alarms[b.alarm] = Alarm(id: b.alarm, fridge: b.fridge, sensor: b.sensor, cause: b.cause, excursion: b.excursion, openedAt: at,
                                          acknowledged: false, lastNotified: at)
            case .alarmAcknowledged(let b)?: s.alarms[b.alarm]?.acknowledged = true
            case .alarmClosed(let b)?: s.alarms[b.alarm] = nil
            default: break
            }
        }
        for (id, e) in open {
            guard s.monitors[e.sensor] != nil else {
                log.warning("excursion \(id) on sensor \(e.sensor) is open in the ledger, but the sensor is no longer configured")
                continue
            }
            s.monitors[e.sensor]!.restore(e)
            s.excursionIDs[e.sensor, default: [:]][e.side] = id
            log.notice("excursion \(id) on \(e.sensor) continues from before the restart (since \(RFC3339.format(e.start)))")
        }
        for a in s.alarms.values where a.cause == .noData && s.monitors[a.sensor] != nil {
            s.monitors[a.sensor]!.restoreNoData()
        }
        try restoreSite(into: &s, from: reader, config: config, log: log)
    }
}
