import ColdChain
import Control
import Fieldbus
import FoundationEssentials
import Storage

extension MonitorHub {
    static func iso(_ d: Date) -> JSONValue { .string(RFC3339.format(d)) }
    static func num(_ d: Double, _ places: Double = 100) -> JSONValue { .number((d * places).rounded() / places) }

    /// Acknowledges an alarm: the note is required and the peer's uid is recorded. An excursion behind it stays
    /// open until it ends; acknowledging only silences the local alarm output.
    public func acknowledge(alarm id: Int, note: String, uid: UInt32, at t: Date) -> Result<LedgerEvent, ControlFailure> {
        let trimmed = note.trimmingWhitespace
        guard !trimmed.isEmpty else { return .failure(ControlFailure(.invalidArgument, "a note is required: say what was done (--note TEXT)")) }
        var failure: ControlFailure?
        let outcome = commit { s in
            guard var a = s.alarms[id] else {
                let open = s.alarms.keys.sorted().map(String.init).joined(separator: ", ")
                failure = ControlFailure(.notFound, "no open alarm \(id)" + (open.isEmpty ? " (no alarm is open)" : "; open: \(open)"))
                return []
            }
            guard !a.acknowledged else {
                failure = ControlFailure(.conflict, "alarm \(id) is already acknowledged")
                return []
            }
            a.acknowledged = true
            s.alarms[id] = a
            return [NewEvent(AlarmAcknowledged(alarm: id, fridge: a.fridge, sensor: a.sensor, note: trimmed, uid: Int(uid)), at: t)]
        }
        if let failure { return .failure(failure) }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success(let written):
            guard let e = written.first else { return .failure(ControlFailure(.internal, "the ledger did not accept the acknowledgement")) }
            return .success(e)
        }
    }

    /// Whether each alarm output should be on: while its fridge has an unacknowledged alarm (GSP's on-site alarm),
    /// and while the ledger cannot write (a data interruption alarms too, GSP appendix 3 art. 6: nothing is being
    /// recorded, and no alarm could be). A refused scan's pulse counts too, where the output has `pulse_on_refusal`.
    public func desiredOutputs(at now: Date = Date()) -> [(bus: String, unit: Int, coil: Int, on: Bool)] {
        let (alarms, pulses) = state.withLock { (Array($0.alarms.values), $0.pulses) }
        let notRecording = ledger.writeFailure != nil
        return config.fridges.compactMap { f in
            f.alarmOutput.map { o in
                let pulsing = o.pulseOnRefusal && (pulses[f.id].map { now < $0 } ?? false)
                return (o.bus, o.unit, o.coil, notRecording || pulsing || alarms.contains { $0.fridge == f.id && !$0.acknowledged })
            }
        }
    }

    /// Readings and other events lost so far while the ledger refuses writes, for `status`.
    public var unrecordedSummary: String? { state.withLock { $0.unrecorded?.summary } }

    /// Alarms whose `repeat` interval has passed since they were last notified; marks them notified now.
    public func dueRepeats(at now: Date) -> [Alarm] {
        state.withLock { s in
            var due: [Alarm] = []
            for (id, a) in s.alarms {
                guard let every = fridgeOf[a.sensor]?.alarm.repeatEvery, now.timeIntervalSince(a.lastNotified) >= every else { continue }
                s.alarms[id]?.lastNotified = now
                due.append(a)
            }
            return due.sorted { $0.id < $1.id }
        }
    }

    public var openAlarms: [Alarm] { state.withLock { $0.alarms.values.sorted { $0.id < $1.id } } }

    /// Each fridge's state, last temperature and open alarms, for `status` and `fridges`.
    public func fridgeStatus() -> [JSONValue] {
        state.withLock { s in
            config.fridges.map { f in
                let order: [SensorState] = [.unknown, .ok, .warning, .noData, .excursion]
                let states = f.sensors.map { s.monitors[$0.id]?.state ?? .unknown }
                let worst = states.max { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! } ?? .unknown
                let sensors: [JSONValue] = f.sensors.map { sensor in
                    var o: [String: JSONValue] = ["id": .string(sensor.id), "state": .string((s.monitors[sensor.id]?.state ?? .unknown).rawValue),
                                                  "bus": .string(sensor.bus), "unit": .number(Double(sensor.unit))]
                    if let (t, c, h) = s.lastReading[sensor.id] {
                        o["c"] = Self.num(c); o["at"] = Self.iso(t)
                        if let h { o["h"] = Self.num(h, 10) }
                    }
                    if let fault = s.lastFault[sensor.id] { o["fault"] = .string(fault) }
                    return .object(o)
                }
                let latest = f.sensors.compactMap { s.lastReading[$0.id] }.max { $0.0 < $1.0 }
                var o: [String: JSONValue] = [
                    "id": .string(f.id), "name": .string(f.name), "state": .string(worst.rawValue),
                    "alarm_rule": .string(f.alarm.name), "sensors": .array(sensors),
                    "alarms": .array(s.alarms.values.filter { $0.fridge == f.id }.sorted { $0.id < $1.id }.map(\.json)),
                ]
                if let latest { o["c"] = Self.num(latest.1); o["at"] = Self.iso(latest.0) }
                return .object(o)
            }
        }
    }

    public func busStatus() -> [JSONValue] {
        state.withLock { s in
            config.buses.map { b in
                let h = s.busHealth[b.id] ?? BusHealth()
                var o: [String: JSONValue] = ["id": .string(b.id), "endpoint": .string(ModbusEndpoint(b.transport).description),
                                              "connected": .bool(h.connected), "errors": .number(Double(h.errors)),
                                              "backed_off": .array(h.backedOff.map { .string($0) })]
                if let e = h.lastError { o["last_error"] = .string(e) }
                return .object(o)
            }
        }
    }
}

extension Alarm {
    public var json: JSONValue {
        var o: [String: JSONValue] = ["id": .number(Double(id)), "fridge": .string(fridge), "sensor": .string(sensor),
                                      "cause": .string(cause.rawValue), "opened_at": .string(RFC3339.format(openedAt)),
                                      "acknowledged": .bool(acknowledged)]
        if let excursion { o["excursion"] = .number(Double(excursion)) }
        return .object(o)
    }
}
