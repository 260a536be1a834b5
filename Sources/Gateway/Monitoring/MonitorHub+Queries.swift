import ColdChain
import Control
import Fieldbus
import FoundationEssentials
import POSIX
import Storage

extension MonitorHub {
    static func rounded(_ d: Double, _ places: Double = 100) -> Double { (d * places).rounded() / places }

    /// Acknowledges an alarm: the note is required and the peer's uid is recorded. An excursion behind it stays
    /// open until it ends; acknowledging only silences the local alarm output.
    public func acknowledge(alarm id: Int, note: String, uid: UInt32, by: String? = nil, at t: Date) -> Result<LedgerEvent, ControlFailure> {
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
            return [NewEvent(AlarmAcknowledged(alarm: id, fridge: a.fridge, sensor: a.sensor, note: trimmed, uid: Int(uid), by: by), at: t)]
        }
        if let failure { return .failure(failure) }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success(let written):
            guard let e = written.first else { return .failure(ControlFailure(.internal, "the ledger did not accept the acknowledgement")) }
            return .success(e)
        }
    }

    /// Whether each output coil should be on. A fridge's alarm output is steadily on while the fridge has an
    /// unacknowledged alarm (GSP's on-site alarm) and while the ledger cannot write (a data interruption alarms too,
    /// GSP appendix 3 art. 6: nothing is being recorded, and no alarm could be). A scan's verdict pattern plays over
    /// that: its on steps switch a quiet output on, and cut gaps into a steady one, so a refusal still shows while
    /// an alarm sounds. A scanner's own output (the desk's buzzer) has only the patterns.
    public func desiredOutputs(monotonic now: Double = monotonicSeconds()) -> [(bus: String, unit: Int, coil: Int, on: Bool)] {
        let alarms = state.withLock { Array($0.alarms.values) }
        let signals = live.withLock { l in
            for (k, run) in l.signals where run.pattern.isOn(at: now - run.start) == nil { l.signals[k] = nil }
            return l.signals
        }
        let notRecording = ledger.writeFailure != nil
        var outputs: [(output: GatewayConfig.AlarmOutput, steady: Bool)] = config.fridges.compactMap { f in
            f.alarmOutput.map { ($0, notRecording || alarms.contains { a in a.concerns(fridge: f.id) && !a.acknowledged }) }
        }
        for sc in config.scanners {
            guard let o = sc.output else { continue }
            outputs.append((o, false))
        }
        // One coil, one answer: a scanner may share its fridge's output.
        var steady: [String: Bool] = [:], order: [GatewayConfig.AlarmOutput] = []
        for (o, on) in outputs {
            if steady[o.key] == nil { order.append(o) }
            steady[o.key] = (steady[o.key] ?? false) || on
        }
        return order.map { o in
            let base = steady[o.key] ?? false
            let pattern = signals[o.key].flatMap { $0.pattern.isOn(at: now - $0.start) }
            return (o.bus, o.unit, o.coil, pattern.map { $0 != base } ?? base)
        }
    }

    /// The next moment (monotonic) an output of `bus` changes by a pattern's step; nil when none is playing.
    public func nextOutputEdge(bus: String, after now: Double = monotonicSeconds()) -> Double? {
        let keys = Set(config.fridges.compactMap(\.alarmOutput).filter { $0.bus == bus }.map(\.key)
                       + config.scanners.compactMap(\.output).filter { $0.bus == bus }.map(\.key))
        return live.withLock { l in
            keys.compactMap { k in l.signals[k].flatMap { run in run.pattern.nextEdge(after: now - run.start).map { run.start + $0 } } }.min()
        }
    }

    /// Readings and other events lost so far while the ledger refuses writes, for `status`.
    public var unrecordedSummary: String? { state.withLock { $0.unrecorded?.summary } }

    /// Alarms whose `repeat` interval has passed since they were last notified; marks them notified now.
    public func dueRepeats(at now: Date) -> [Alarm] {
        let open = state.withLock { $0.alarms }
        return live.withLock { l in
            var due: [Alarm] = []
            for id in Array(l.repeatedAt.keys) where open[id] == nil { l.repeatedAt[id] = nil }
            for (id, a) in open {
                let last = max(a.lastNotified, l.repeatedAt[id] ?? .distantPast)
                guard let every = repeatEvery(a), now.timeIntervalSince(last) >= every else { continue }
                l.repeatedAt[id] = now
                due.append(a)
            }
            return due.sorted { $0.id < $1.id }
        }
    }

    /// How often an alarm is repeated: its sensor's fridge's `repeat`; for a door, its fridge's; for a power alarm
    /// of every fridge, the shortest of theirs.
    func repeatEvery(_ a: Alarm) -> Double? {
        if let f = fridgeOf[a.sensor] { return f.alarm.repeatEvery }
        return config.fridges.filter { a.concerns(fridge: $0.id) }.compactMap(\.alarm.repeatEvery).min()
    }

    /// A sensor's last valid temperature (what an alarm's message says it reads now).
    public func lastCelsius(sensor: String) -> Double? { state.withLock { $0.lastReading[sensor]?.1 } }

    public var openAlarms: [Alarm] { state.withLock { $0.alarms.values.sorted { $0.id < $1.id } } }

    /// Each fridge's state, last temperature and open alarms, for `status` and `fridges`.
    /// `now`: a sensor whose newest reading is older than half its `comm_loss_after` is shown `stale` (a sensor
    /// silent for 55 s showed `ok` with its old value; `no_data` comes only at `comm_loss_after`).
    public func fridgeStatus(now: Date) -> [FridgeStatus] {
        state.withLock { s in
            config.fridges.map { f in
                let order: [SensorState] = [.unknown, .ok, .warning, .noData, .excursion]
                let states = f.sensors.map { s.monitors[$0.id]?.state ?? .unknown }
                let worst = states.max { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) } ?? .unknown
                let sensors = f.sensors.map { sensor in
                    let last = s.lastReading[sensor.id]
                    let state = s.monitors[sensor.id]?.state ?? .unknown
                    let stale = (state == .ok || state == .warning) && last.map { now.timeIntervalSince($0.0) > f.alarm.commLossAfter / 2 } == true
                    return SensorStatus(id: sensor.id, state: state, bus: sensor.bus, unit: sensor.unit,
                                        celsius: last.map { Self.rounded($0.1) }, humidity: last?.2.map { Self.rounded($0, 10) },
                                        at: last.map { RFC3339.format($0.0) }, fault: s.lastFault[sensor.id], stale: stale ? true : nil)
                }
                let latest = f.sensors.compactMap { s.lastReading[$0.id] }.max { $0.0 < $1.0 }
                let stale = (worst == .ok || worst == .warning) && sensors.contains { $0.stale == true }
                return FridgeStatus(id: f.id, name: f.name, state: worst, alarmRule: f.alarm.name, sensors: sensors,
                                    alarms: s.alarms.values.filter { $0.concerns(fridge: f.id) }.sorted { $0.id < $1.id }.map(\.summary),
                                    celsius: latest.map { Self.rounded($0.1) }, at: latest.map { RFC3339.format($0.0) }, stale: stale ? true : nil)
            }
        }
    }

    public func busStatus() -> [BusStatus] {
        live.withLock { l in
            config.buses.map { b in
                let h = l.busHealth[b.id] ?? BusHealth()
                return BusStatus(id: b.id, endpoint: ModbusEndpoint(b.transport).description, connected: h.connected, errors: h.errors,
                                 backedOff: h.backedOff, lastError: h.lastError)
            }
        }
    }
}

extension Alarm {
    public var summary: AlarmSummary {
        AlarmSummary(id: id, fridge: fridge, sensor: sensor, cause: cause, openedAt: RFC3339.format(openedAt), acknowledged: acknowledged,
                     excursion: excursion)
    }
}
