import ColdChain
import FoundationEssentials
import Storage

extension MonitorHub {
    static func iso(_ d: Date) -> JSONValue { .string(RFC3339.format(d)) }
    static func num(_ d: Double, _ places: Double = 100) -> JSONValue { .number((d * places).rounded() / places) }

    static func excursionBody(_ e: Excursion, id: Int, fridge: String) -> [String: JSONValue] {
        ["excursion": .number(Double(id)), "fridge": .string(fridge), "sensor": .string(e.sensor), "side": .string(e.side.rawValue),
         "rule": .string(e.rule), "limit_c": num(e.limitC), "start": iso(e.start), "min_c": num(e.min), "max_c": num(e.max),
         "degree_minutes": num(e.degreeMinutes, 10)]
    }

    /// Turns what a monitor saw into ledger events, opening and closing alarms with their causes.
    func translate(_ events: [MonitorEvent], fridge: GatewayConfig.Fridge, at t: Date, state s: inout State) -> [NewEvent] {
        var out: [NewEvent] = []
        func openAlarm(sensor: String, cause: AlarmCause, excursion: Int?) {
            let id = s.nextAlarm
            s.nextAlarm += 1
            s.alarms[id] = Alarm(id: id, fridge: fridge.id, sensor: sensor, cause: cause, excursion: excursion, openedAt: t,
                                 acknowledged: false, lastNotified: t)
            var body: [String: JSONValue] = ["alarm": .number(Double(id)), "fridge": .string(fridge.id), "sensor": .string(sensor),
                                             "cause": .string(cause.rawValue)]
            if let excursion { body["excursion"] = .number(Double(excursion)) }
            out.append(NewEvent(.alarmOpened, at: t, body: .object(body)))
            log.warning("alarm \(id) opened: fridge \(fridge.id), sensor \(sensor), \(cause)")
        }
        func closeAlarms(where match: (Alarm) -> Bool, reason: String) {
            for a in s.alarms.values.sorted(by: { $0.id < $1.id }) where match(a) {
                s.alarms[a.id] = nil
                out.append(NewEvent(.alarmClosed, at: t, body: ["alarm": .number(Double(a.id)), "fridge": .string(a.fridge),
                                                                "sensor": .string(a.sensor), "reason": .string(reason)]))
                log.notice("alarm \(a.id) closed: \(reason)")
            }
        }
        for event in events {
            switch event {
            case .excursionOpened(let e):
                let id = s.nextExcursion
                s.nextExcursion += 1
                s.excursionIDs[e.sensor, default: [:]][e.side] = id
                out.append(NewEvent(.excursionOpened, at: t, body: .object(Self.excursionBody(e, id: id, fridge: fridge.id))))
                log.warning("excursion \(id) opened: fridge \(fridge.id), sensor \(e.sensor), \(e.side.rawValue) since \(RFC3339.format(e.start)), peak \(e.peak) °C")
                openAlarm(sensor: e.sensor, cause: .excursion, excursion: id)
            case .excursionPeak(let e, let value, let at):
                guard let id = s.excursionIDs[e.sensor]?[e.side] else { continue }
                var body = Self.excursionBody(e, id: id, fridge: fridge.id)
                body["value_c"] = Self.num(value)
                body["at"] = Self.iso(at)
                out.append(NewEvent(.excursionPeak, at: t, body: .object(body)))
            case .excursionClosed(let e):
                guard let id = s.excursionIDs[e.sensor]?[e.side] else { continue }
                s.excursionIDs[e.sensor]?[e.side] = nil
                var body = Self.excursionBody(e, id: id, fridge: fridge.id)
                body["end"] = Self.iso(e.end ?? t)
                body["duration_s"] = .number(e.duration.rounded())
                out.append(NewEvent(.excursionClosed, at: t, body: .object(body)))
                log.notice("excursion \(id) closed after \(DurationText.describe(e.duration)): min \(e.min) °C, max \(e.max) °C")
                closeAlarms(where: { $0.excursion == id }, reason: "excursion \(id) ended")
            case .noData(let sensor, let since):
                out.append(NewEvent(.sensorNoData, at: t, body: ["sensor": .string(sensor), "fridge": .string(fridge.id), "since": Self.iso(since)]))
                openAlarm(sensor: sensor, cause: .noData, excursion: nil)
            case .recovered(let sensor, let silent):
                out.append(NewEvent(.sensorRecovered, at: t, body: ["sensor": .string(sensor), "fridge": .string(fridge.id),
                                                                    "silent_s": .number(silent.rounded())]))
                closeAlarms(where: { $0.sensor == sensor && $0.cause == .noData }, reason: "sensor \(sensor) answers again")
            }
        }
        return out
    }

    /// Rebuilds open excursions, open alarms and the id counters from the ledger.
    static func restore(into s: inout State, from reader: LedgerReader, config: GatewayConfig, log: Log) throws {
        let types = [EventType.excursionOpened, .excursionPeak, .excursionClosed, .alarmOpened, .alarmAcknowledged, .alarmClosed].map(\.rawValue)
        var open: [Int: Excursion] = [:]
        for e in try reader.events(types: types) {
            let b = e.bodyValue
            let at = RFC3339.parse(e.at) ?? Date()
            switch e.type {
            case EventType.excursionOpened.rawValue, EventType.excursionPeak.rawValue:
                guard let id = b["excursion"]?.intValue, let sensor = b["sensor"]?.stringValue,
                      let side = b["side"]?.stringValue.flatMap(ExcursionSide.init(rawValue:)),
                      let start = b["start"]?.stringValue.flatMap(RFC3339.parse) else { continue }
                s.nextExcursion = max(s.nextExcursion, id + 1)
                open[id] = Excursion(sensor: sensor, side: side, start: start, min: b["min_c"]?.doubleValue ?? 0,
                                     max: b["max_c"]?.doubleValue ?? 0, degreeMinutes: b["degree_minutes"]?.doubleValue ?? 0,
                                     limitC: b["limit_c"]?.doubleValue ?? 0, rule: b["rule"]?.stringValue ?? "", id: Int64(id), lastAt: at)
            case EventType.excursionClosed.rawValue:
                if let id = b["excursion"]?.intValue { open[id] = nil; s.nextExcursion = max(s.nextExcursion, id + 1) }
            case EventType.alarmOpened.rawValue:
                guard let id = b["alarm"]?.intValue, let cause = b["cause"]?.stringValue.flatMap(AlarmCause.init(rawValue:)) else {
                    log.warning("ledger event \(e.seq): an alarm.opened without a known cause; skipped")
                    continue
                }
                s.nextAlarm = max(s.nextAlarm, id + 1)
                s.alarms[id] = Alarm(id: id, fridge: b["fridge"]?.stringValue ?? "", sensor: b["sensor"]?.stringValue ?? "",
                                     cause: cause, excursion: b["excursion"]?.intValue, openedAt: at,
                                     acknowledged: false, lastNotified: at)
            case EventType.alarmAcknowledged.rawValue:
                if let id = b["alarm"]?.intValue { s.alarms[id]?.acknowledged = true }
            case EventType.alarmClosed.rawValue:
                if let id = b["alarm"]?.intValue { s.alarms[id] = nil }
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
    }
}
