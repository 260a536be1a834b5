import ColdChain
import Control
import FoundationEssentials
import POSIX
import Storage
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

/// The gateway's recorded state and its recorder: every sensor's monitor, the open excursions and alarms, power and
/// doors, the record clock's steps, and the stock, holds and scanner modes (`ScanHub.State`).
///
/// Inputs (readings, time passing, scans, acknowledgements, holds, power and door changes) are changes: functions of
/// the state that return the events they make. The recorder runs every change waiting, in arrival order, on a working
/// copy of the state, writes all their events in one transaction (group commit), and only then makes the copy the
/// state and tells listeners: state follows the record, and a refused append changes nothing. Queries read the state
/// under a lock that is never held across the disk, so `status` does not wait for an fsync (it waited 190 ms on a
/// 300 ms-fsync SD card, and the poller took 3 readings of 8 due: coldchain-bench slowdisk). Its state is rebuilt
/// from the ledger at start, so an excursion open before a power cut is still the same excursion after it.
public final class MonitorHub: Sendable {
    struct State {
        var monitors: [String: SensorMonitor] = [:]
        var excursionIDs: [String: [ExcursionSide: Int]] = [:]   // sensor → side → excursion id
        var alarms: [Int: Alarm] = [:]                           // open alarms
        var nextExcursion = 1
        var nextAlarm = 1
        var lastReading: [String: (Date, Double, Double?)] = [:]
        var lastFault: [String: String] = [:]
        /// What could not be recorded while the ledger refused writes; recorded as `ledger.unrecorded` once it accepts.
        var unrecorded: UnrecordedTally?
        /// How many of the record clock's steps are in the ledger, and the forward shift applied to the times above.
        var clockSteps = 0
        var clockShift = 0.0
        /// Power sources and doors (SiteMonitor), and the cause each open excursion started with.
        var site: SiteMonitor
        var excursionCauses: [Int: ExcursionCause] = [:]
        /// Stock, holds, excursion spans and scanner modes: what a scan's verdict is judged on.
        var scans = ScanHub.State()
    }

    /// What is not recorded: bus health, output pulses, when each alarm was last repeated. Changed in place, outside
    /// the recorder (the recorder's working copy must never carry it back over a newer value).
    struct Live {
        var busHealth: [String: BusHealth] = [:]
        /// Output coil (`AlarmOutput.key`) → the verdict pattern it is signalling, from a monotonic start.
        var signals: [String: (pattern: SignalPattern, start: Double)] = [:]
        /// Bus → how to wake its poller early, for a pattern's first edge.
        var wakers: [String: @Sendable () -> Void] = [:]
        var repeatedAt: [Int: Date] = [:]   // alarm → last repeat to alarm_command
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
    /// The recorded state as the ledger holds it: replaced only by the recorder, after a successful append.
    let state: Mutex<State>
    let live = Mutex(Live())
    let recorder = Recorder()
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

    /// A poll's outcome for `sensor`. Called on the bus's thread. `wait`: return once what it recorded is durable;
    /// the poller does not wait, so it keeps its cadence whatever the disk does (the reading keeps the time it was
    /// read at).
    public func record(sensor: String, at t: Date, temperature: ProbeValue, humidity: ProbeValue?, wait: Bool = true) {
        guard let fridge = fridgeOf[sensor] else { return }
        let log = self.log
        let change: @Sendable (inout State) -> [NewEvent] = { [self] s in
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
        if wait { commit(change) } else { submit(change) }
    }

    /// Time passing: raises no_data for sensors that have gone silent, and power and door alarms past their delay.
    /// Called every few seconds.
    public func tick(at now: Date) {
        commit { [self] s in
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
        live.withLock { l in update(&l.busHealth[bus, default: BusHealth()]) }
    }

    /// Appends events that change no recorded state (notify attempts, backups), in the ledger's one order, and tells
    /// listeners. Returns once they are durable.
    @discardableResult
    public func commitExternal(_ make: @escaping @Sendable () -> [NewEvent]) -> Result<[LedgerEvent], LedgerRefusal> {
        commit { _ in make() }
    }

    /// Signals a scan's verdict on the scanner's own output, else its fridge's alarm output, in the pattern of the
    /// verdict's class, where the output signals that class. Times are monotonic: a pattern lasts what it says
    /// whatever the wall clock does.
    public func signal(_ c: SignalClass, scanner: String, fridge: String, at now: Double = monotonicSeconds()) {
        let output = config.scanners.first { $0.id == scanner }?.output ?? config.fridges.first { $0.id == fridge }?.alarmOutput
        guard let output, let pattern = output.pattern(for: c) else { return }
        let wake = live.withLock { l in
            l.signals[output.key] = (pattern, now)
            return l.wakers[output.bus]
        }
        wake?()
    }

    /// A bus poller's way to be woken when one of its outputs starts a pattern.
    func onOutputSignal(bus: String, _ wake: @escaping @Sendable () -> Void) {
        live.withLock { $0.wakers[bus] = wake }
    }

    /// Tells listeners of an event the ledger refused: it exists nowhere else.
    func publishNotRecorded(_ events: [NewEvent], reason: String) {
        publish(events.compactMap { e in e.typed.map { .notRecorded(e, $0, reason: reason) } })
    }

    /// A change, run by the recorder in arrival order; returns once its events are durable (or refused). Blocking:
    /// call it from a thread or a queue of its own, never from the recorder (a listener).
    @discardableResult
    func commit(_ change: @escaping (inout State) -> [NewEvent]) -> Result<[LedgerEvent], LedgerRefusal> {
        let waited = CallerWaits(make: change)
        guard let outcome = recorder.wait({ done in submit({ s in waited.make(&s) }, done: done) }) else {
            log.error("recorder: a change submitted from the recorder itself would wait for itself; refused")
            return .failure(LedgerRefusal(reason: "internal: a change from the recorder's own thread", events: []))
        }
        return outcome
    }

    /// A change, run by the recorder in arrival order, without waiting for it; `done` hears its outcome (on the
    /// recorder's queue: quick, no I/O). Waits only while the recorder has `Recorder.maxWaiting` changes queued.
    func submit(_ change: @escaping @Sendable (inout State) -> [NewEvent],
                done: (@Sendable (Result<[LedgerEvent], LedgerRefusal>) -> Void)? = nil) {
        recorder.put(Recorder.Change(make: change, done: done)) { [self] batch in run(batch) }
    }

    /// One group commit, on the recorder's queue: every change of `batch` computed in order on a working copy of the
    /// state (each sees the ones before it), all their events appended in one transaction, then the copy made the
    /// state, each caller told and the listeners given what was written. When the append fails, the state is as it
    /// was (only the tally of what was lost grows), every caller hears the refusal, and the watch stream says "not
    /// recorded". The state's lock is held only to copy the state and to put the new one in place.
    func run(_ batch: [Recorder.Change]) {
        var next = state.withLock { $0 }
        // The clock's steps first: recorded, and the shift applied, before anything is measured at the new time.
        var new = clockSteps(&next)
        var spans: [Range<Int>] = []
        for change in batch {
            let start = new.count
            let made = change.make(&next)
            // What a scan's verdict is judged on follows every event, whichever change made it (an excursion of the
            // poller's, a hold of the platform's), so the next change in this batch sees it.
            for e in made { if let typed = e.typed { ScanHub.apply(typed, at: e.at, to: &next.scans) } }
            new += made
            spans.append(start..<new.count)
        }
        guard !new.isEmpty else {
            next.scans.recentlyOut = [:]
            state.withLock { $0 = next }
            for c in batch { c.done?(.success([])) }
            return
        }
        let lost = next.unrecorded
        let offset = lost == nil ? 0 : 1
        if let lost { new.insert(lost.event(until: new[0].at), at: 0) }
        do {
            let written = try ledger.appendBlocking(new)
            if let lost { log.notice("ledger: writing again; recorded what was lost since \(RFC3339.format(lost.since)) (\(lost.summary))") }
            next.unrecorded = nil
            next.scans.recentlyOut = [:]
            state.withLock { $0 = next }
            // Listeners first, as when each caller published its own events: a caller that returns has been heard.
            publish(zip(written, new).compactMap { e, n in n.typed.map { .recorded(e, $0) } })
            for (c, span) in zip(batch, spans) {
                c.done?(.success(Array(written[(span.lowerBound + offset)..<(span.upperBound + offset)])))
            }
        } catch {
            let reason = ledger.writeFailure?.error ?? "\(error)"
            let attempted = Array(new.dropFirst(offset))
            let first = state.withLock { s -> Bool in
                let first = s.unrecorded == nil
                s.unrecorded = (s.unrecorded ?? UnrecordedTally(since: attempted[0].at, error: reason)).counting(attempted)
                return first
            }
            if first { log.error("ledger: cannot write: \(reason); nothing changes until it can (status shows it)") }
            publishNotRecorded(attempted, reason: reason)
            for (c, span) in zip(batch, spans) {
                c.done?(.failure(LedgerRefusal(reason: reason, events: Array(new[(span.lowerBound + offset)..<(span.upperBound + offset)]))))
            }
        }
    }
}

/// A change whose caller waits until the recorder has run it (`commit`), so it may capture the caller's locals
/// (the hold it made, the refusal it found). Guard: the caller blocks on the semaphore that `done` signals after
/// `make` has run, so `make` and what it captures are never used by two threads at once.
private struct CallerWaits: @unchecked Sendable {
    let make: (inout MonitorHub.State) -> [NewEvent]
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
