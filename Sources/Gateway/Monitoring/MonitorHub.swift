import ColdChain
import FoundationEssentials
import Storage
import Synchronization

/// An alarm as the nurse sees it: opened by an excursion or by a silent sensor, acknowledged with a note,
/// closed when its cause ends.
public struct Alarm: Sendable, Equatable {
    public var id: Int
    public var fridge: String
    public var sensor: String
    public var cause: String          // "excursion" or "no_data"
    public var excursion: Int?
    public var openedAt: Date
    public var acknowledged: Bool
    public var lastNotified: Date
}

/// Every sensor's monitor, the open excursions and alarms, and the ledger events they produce.
///
/// Bus threads hand it readings; it applies the fridge's rules, appends what happened to the ledger and tells
/// listeners (the watch stream, alarm outputs, alarm_command). Its state is rebuilt from the ledger at start,
/// so an excursion open before a power cut is still the same excursion after it.
public final class MonitorHub: Sendable {
    struct State {
        var monitors: [String: SensorMonitor] = [:]
        var excursionIDs: [String: [ExcursionSide: Int]] = [:]   // sensor → side → excursion id
        var alarms: [Int: Alarm] = [:]                           // open alarms
        var nextExcursion = 1
        var nextAlarm = 1
        var lastReading: [String: (Date, Double, Double?)] = [:]
        var lastFault: [String: String] = [:]
        var busHealth: [String: BusHealth] = [:]
        var pulses: [String: Date] = [:]    // fridge → alarm output on until
    }

    /// What a bus poller reports for `status`.
    public struct BusHealth: Sendable, Equatable {
        public var errors = 0
        public var lastError: String?
        public var backedOff: [String] = []
        public var connected = false
    }

    let config: GatewayConfig
    let ledger: Ledger
    let log: Log
    let state: Mutex<State>
    let fridgeOf: [String: GatewayConfig.Fridge]
    let listeners = Mutex<[Int: @Sendable (LedgerEvent) -> Void]>([:])
    let nextListener = Mutex(0)

    public init(config: GatewayConfig, ledger: Ledger, reader: LedgerReader, log: Log, now: Date) throws {
        self.config = config
        self.ledger = ledger
        self.log = log
        var s = State()
        var fridgeOf: [String: GatewayConfig.Fridge] = [:]
        for f in config.fridges {
            for sensor in f.sensors {
                fridgeOf[sensor.id] = f
                s.monitors[sensor.id] = SensorMonitor(sensor: sensor.id, rules: f.alarm, startedAt: now)
            }
        }
        self.fridgeOf = fridgeOf
        try Self.restore(into: &s, from: reader, config: config, log: log)
        state = Mutex(s)
    }

    // MARK: listeners

    /// Calls `listener` with every event the hub records, until `removeListener`.
    public func addListener(_ listener: @escaping @Sendable (LedgerEvent) -> Void) -> Int {
        let id = nextListener.withLock { $0 += 1; return $0 }
        listeners.withLock { $0[id] = listener }
        return id
    }

    public func removeListener(_ id: Int) { _ = listeners.withLock { $0.removeValue(forKey: id) } }

    func publish(_ events: [LedgerEvent]) {
        let ls = listeners.withLock { Array($0.values) }
        for e in events { for l in ls { l(e) } }
    }

    // MARK: input from the buses

    /// A poll's outcome for `sensor`. Called on the bus's thread; returns once what it recorded is durable.
    public func record(sensor: String, at t: Date, temperature: ProbeValue, humidity: ProbeValue?) {
        guard let fridge = fridgeOf[sensor] else { return }
        commit { s in
            var new: [NewEvent] = []
            var m = s.monitors[sensor]!
            var monitorEvents: [MonitorEvent]
            switch temperature {
            case .value(let c):
                var h: Double?
                var body: JSONValue = ["sensor": .string(sensor), "fridge": .string(fridge.id), "c": .number((c * 100).rounded() / 100)]
                if case .value(let hv)? = humidity { h = hv; body = body.merging(["h": .number((hv * 10).rounded() / 10)]) }
                new.append(NewEvent(.reading, at: t, body: body))
                s.lastReading[sensor] = (t, c, h)
                s.lastFault[sensor] = nil
                monitorEvents = m.observe(c, at: t)
            case .fault(let reason):
                if s.lastFault[sensor] != reason { log.warning("sensor \(sensor): probe fault: \(reason)") }
                s.lastFault[sensor] = reason
                new.append(NewEvent(.probeFault, at: t, body: ["sensor": .string(sensor), "fridge": .string(fridge.id), "reason": .string(reason)]))
                monitorEvents = m.observeFault(at: t)
            }
            s.monitors[sensor] = m
            new += translate(monitorEvents, fridge: fridge, at: t, state: &s)
            return new
        }
    }

    /// Time passing: raises no_data for sensors that have gone silent. Called every few seconds.
    public func tick(at now: Date) {
        commit { s in
            var new: [NewEvent] = []
            for (sensor, var m) in s.monitors {
                let events = m.tick(now)
                s.monitors[sensor] = m
                if !events.isEmpty, let fridge = fridgeOf[sensor] { new += translate(events, fridge: fridge, at: now, state: &s) }
            }
            return new
        }
    }

    /// Records a bus's health for `status`.
    public func reportBus(_ bus: String, _ update: (inout BusHealth) -> Void) {
        state.withLock { s in update(&s.busHealth[bus, default: BusHealth()]) }
    }

    /// Appends events made by another hub (scans, holds) in the same order as this hub's, and tells listeners.
    @discardableResult
    public func commitExternal(_ make: () -> [NewEvent]) -> [LedgerEvent] {
        commit { _ in make() }
    }

    /// Switches the fridge's alarm output on for a moment (a refused scan), where the output allows it.
    public func pulse(fridge: String, seconds: Double, from now: Date) {
        state.withLock { $0.pulses[fridge] = now.addingTimeInterval(seconds) }
    }

    /// Applies a change under the lock and appends its events before releasing it, so the ledger's order is the
    /// order in which the state changed.
    @discardableResult
    func commit(_ change: (inout State) -> [NewEvent]) -> [LedgerEvent] {
        let written: [LedgerEvent] = state.withLock { s in
            let new = change(&s)
            guard !new.isEmpty else { return [] }
            do { return try ledger.appendBlocking(new) } catch {
                log.error("cannot record \(new.map(\.type).joined(separator: ", ")): \(error)")
                return []
            }
        }
        publish(written)
        return written
    }
}

extension JSONValue {
    func merging(_ other: [String: JSONValue]) -> JSONValue {
        guard case .object(var o) = self else { return self }
        for (k, v) in other { o[k] = v }
        return .object(o)
    }
}
