import ColdChain
import FoundationEssentials
import Storage
import Control
import Synchronization

/// An alarm as the nurse sees it: opened by an excursion or by a silent sensor, acknowledged with a note,
/// closed when its cause ends.
public struct Alarm: Sendable, Equatable {
    public var id: Int
    public var fridge: String
    public var sensor: String
    public var cause: AlarmCause
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
        /// What could not be recorded while the ledger refused writes; recorded as `ledger.unrecorded` once it accepts.
        var unrecorded: UnrecordedTally?
        /// How many of the record clock's steps are in the ledger, and the forward shift applied to the times above.
        var clockSteps = 0
        var clockShift = 0.0
        /// Power sources and doors (SiteMonitor), and the cause each open excursion started with.
        var site: SiteMonitor
        var excursionCauses: [Int: ExcursionCause] = [:]
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
    let listeners = Mutex<[Int: @Sendable (HubNews) -> Void]>([:])
    let nextListener = Mutex(0)
    /// The daemon's clock, whose steps the hub records and takes out of its intervals; nil in tests of the rules.
    let recordClock: RecordClock?

    public init(config: GatewayConfig, ledger: Ledger, reader: LedgerReader, log: Log, now: Date, recordClock: RecordClock? = nil) throws {
        self.config = config
        self.ledger = ledger
        self.log = log
        self.recordClock = recordClock
        var s = State(site: SiteMonitor(settings: Self.siteSettings(config)))
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

    /// Calls `listener` with every event the hub records, as stored and as its type, until `removeListener`.
    public func addListener(_ listener: @escaping @Sendable (LedgerEvent, TypedEvent) -> Void) -> Int {
        addNewsListener { news in if case .recorded(let e, let typed) = news { listener(e, typed) } }
    }

    /// Calls `listener` with every event recorded and with every one the ledger refused (the watch stream tells
    /// the nurse that a scan was not recorded).
    public func addNewsListener(_ listener: @escaping @Sendable (HubNews) -> Void) -> Int {
        let id = nextListener.withLock { $0 += 1; return $0 }
        listeners.withLock { $0[id] = listener }
        return id
    }

    public func removeListener(_ id: Int) { _ = listeners.withLock { $0.removeValue(forKey: id) } }

    func publish(_ news: [HubNews]) {
        let ls = listeners.withLock { Array($0.values) }
        for n in news { for l in ls { l(n) } }
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
                if case .value(let hv)? = humidity { h = hv }
                new.append(NewEvent(Reading.measured(sensor: sensor, fridge: fridge.id, celsius: c, humidity: h), at: t))
                s.lastReading[sensor] = (t, c, h)
                s.lastFault[sensor] = nil
                monitorEvents = m.observe(c, at: t)
            case .fault(let reason):
                if s.lastFault[sensor] != reason { log.warning("sensor \(sensor): probe fault: \(reason)") }
                s.lastFault[sensor] = reason
                new.append(NewEvent(ProbeFault(sensor: sensor, fridge: fridge.id, reason: reason), at: t))
                monitorEvents = m.observeFault(at: t)
            }
            s.monitors[sensor] = m
            new += translate(monitorEvents, fridge: fridge, at: t, state: &s)
            return new
        }
    }

    /// Time passing: raises no_data for sensors that have gone silent, and power and door alarms past their delay.
    /// Called every few seconds.
    public func tick(at now: Date) {
        commit { s in
            var new: [NewEvent] = []
            for (sensor, var m) in s.monitors {
                let events = m.tick(now)
                s.monitors[sensor] = m
                if !events.isEmpty, let fridge = fridgeOf[sensor] { new += translate(events, fridge: fridge, at: now, state: &s) }
            }
            let site = s.site.tick(now)
            if !site.isEmpty { new += translate(site, at: now, state: &s) }
            return new
        }
    }

    /// Records a bus's health for `status`.
    public func reportBus(_ bus: String, _ update: (inout BusHealth) -> Void) {
        state.withLock { s in update(&s.busHealth[bus, default: BusHealth()]) }
    }

    /// Appends events made by another hub (scans, holds) in the same order as this hub's, and tells listeners.
    /// `make` computes the events from that hub's state without changing it; `apply` folds what was written into it,
    /// under the same lock, so the next `make` sees it. When the append fails, `apply` never runs.
    @discardableResult
    public func commitExternal(_ make: () -> [NewEvent], apply: ([Written]) -> Void = { _ in }) -> Result<[LedgerEvent], LedgerRefusal> {
        commit({ _ in make() }, then: apply)
    }

    /// Switches the fridge's alarm output on for a moment (a refused scan), where the output allows it.
    public func pulse(fridge: String, seconds: Double, from now: Date) {
        state.withLock { $0.pulses[fridge] = now.addingTimeInterval(seconds) }
    }

    /// Tells listeners of an event the ledger refused: it exists nowhere else.
    func publishNotRecorded(_ events: [NewEvent], reason: String) {
        publish(events.compactMap { e in e.typed.map { .notRecorded(e, $0, reason: reason) } })
    }

    /// Computes a change on a copy of the state, appends its events, and only then makes the copy the state: memory
    /// changes only by what was written. (Before, with the disk full, `fridges` showed readings the ledger did not
    /// hold and `inventory` 3,000 doses against 192 recorded scan-ins.) A refused append leaves the state as it was,
    /// counts what was lost, and reports it in a `ledger.unrecorded` event with the next append that succeeds.
    /// The lock is held across the append, so the ledger's order is the order in which the state changed.
    @discardableResult
    func commit(_ change: (inout State) -> [NewEvent], then apply: ([Written]) -> Void = { _ in }) -> Result<[LedgerEvent], LedgerRefusal> {
        var recorded: [Written] = []
        let outcome: Result<[LedgerEvent], LedgerRefusal> = state.withLock { s in
            var next = s
            // The clock's steps first: recorded, and the shift applied, before anything is measured at the new time.
            var new = clockSteps(&next)
            new += change(&next)
            guard !new.isEmpty else { s = next; return .success([]) }
            let lost = next.unrecorded
            if let lost { new.insert(lost.event(until: new[0].at), at: 0) }
            do {
                let written = try ledger.appendBlocking(new)
                if let lost { log.notice("ledger: writing again; recorded what was lost since \(RFC3339.format(lost.since)) (\(lost.summary))") }
                next.unrecorded = nil
                s = next
                recorded = zip(written, new).compactMap { e, n in n.typed.map { Written(event: e, typed: $0) } }
                apply(recorded)
                return .success(written)
            } catch {
                let reason = ledger.writeFailure?.error ?? "\(error)"
                if s.unrecorded == nil { log.error("ledger: cannot write: \(reason); nothing changes until it can (status shows it)") }
                s.unrecorded = (s.unrecorded ?? UnrecordedTally(since: new[0].at, error: reason)).counting(new.dropFirst(lost == nil ? 0 : 1))
                return .failure(LedgerRefusal(reason: reason, events: Array(new.dropFirst(lost == nil ? 0 : 1))))
            }
        }
        switch outcome {
        case .success: publish(recorded.map { .recorded($0.event, $0.typed) })
        case .failure(let refusal): publishNotRecorded(refusal.events, reason: refusal.reason)
        }
        return outcome
    }
}

/// An event as the ledger stored it, with its typed body (what it was made from, not parsed back).
public struct Written: Sendable {
    public var event: LedgerEvent
    public var typed: TypedEvent
}

/// What listeners hear: an event the ledger holds, or one it refused, each with its typed body (ColdChain/Events).
public enum HubNews: Sendable {
    case recorded(LedgerEvent, TypedEvent)
    case notRecorded(NewEvent, TypedEvent, reason: String)
}

/// An append the ledger refused: why, and the events that were not recorded (nothing of them was applied).
public struct LedgerRefusal: Error, Sendable {
    public var reason: String
    public var events: [NewEvent]
    public var controlFailure: ControlFailure {
        ControlFailure(.notRecorded, "the ledger cannot write: \(reason); nothing was recorded or changed")
    }
}

/// Counts of what was not recorded while the ledger refused writes.
struct UnrecordedTally: Sendable {
    var since: Date
    var error: String
    var readings: [String: Int] = [:]
    var other: [String: Int] = [:]

    func counting<C: Collection>(_ events: C) -> UnrecordedTally where C.Element == NewEvent {
        var t = self
        for e in events {
            if e.type == Reading.type.rawValue, let sensor = e.sensorForTally { t.readings[sensor, default: 0] += 1 }
            else { t.other[e.type, default: 0] += 1 }
        }
        return t
    }

    var summary: String {
        let r = readings.values.reduce(0, +), o = other.values.reduce(0, +)
        return "\(r) reading(s) from \(readings.count) sensor(s), \(o) other event(s)"
    }

    func event(until: Date) -> NewEvent {
        NewEvent(LedgerUnrecorded(from: since, to: until, error: error, readings: readings, events: other), at: until)
    }
}

extension NewEvent {
    /// The sensor a reading came from (the tally counts readings per sensor).
    var sensorForTally: String? { (try? Reading(json: (try? JSONValue.parse(Data(body.utf8))) ?? .null))?.sensor }
}
