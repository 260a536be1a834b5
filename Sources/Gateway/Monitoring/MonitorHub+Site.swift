import ColdChain
import Control
import FoundationEssentials
import Storage

extension MonitorHub {
    /// The site rule's settings from the config: the power alarm's delay, each fridge's door alarm delay.
    static func siteSettings(_ config: GatewayConfig) -> SiteMonitor.Settings {
        SiteMonitor.Settings(powerAlarmAfter: config.power.alarmAfter,
                             doorAlarmAfter: Dictionary(uniqueKeysWithValues: config.fridges.compactMap { f in f.alarm.doorOpenAfter.map { (f.id, $0) } }))
    }

    /// One read of a power source (the UPS service, a mains input's poller). `wait`: return once what it recorded
    /// is durable (a poller does not wait).
    public func recordPower(source: String, fridge: String? = nil, _ reading: SiteMonitor.PowerReading, at t: Date, wait: Bool = true) {
        let change: @Sendable (inout State) -> [NewEvent] = { [self] s in
            let events = s.site.observePower(source: source, fridge: fridge, reading, at: t)
            return translate(events, at: t, state: &s)
        }
        if wait { commit(change) } else { submit(change) }
    }

    /// A door's debounced state (its first read, or a change).
    public func recordDoor(input: String, fridge: String, open: Bool, at t: Date, wait: Bool = true) {
        let change: @Sendable (inout State) -> [NewEvent] = { [self] s in
            let events = s.site.observeDoor(input: input, fridge: fridge, open: open, at: t)
            return translate(events, at: t, state: &s)
        }
        if wait { commit(change) } else { submit(change) }
    }

    /// Turns what the site rule saw into ledger events, opening and closing power and door alarms.
    func translate(_ events: [SiteMonitor.Event], at t: Date, state s: inout State) -> [NewEvent] {
        var out: [NewEvent] = []
        for event in events {
            switch event {
            case .powerLost(let f):
                log.warning("power: \(f.source) lost mains power" + (f.status.map { " (ups.status \($0.escapedForTerminal))" } ?? ""))
                out.append(NewEvent(PowerLost(f), at: t))
            case .powerRestored(let f, let off):
                log.notice("power: \(f.source) back on mains after \(DurationText.describe(off))")
                out.append(NewEvent(PowerRestored(f, offSeconds: off), at: t))
            case .batteryLow(let f):
                log.warning("power: \(f.source) battery low" + (f.runtimeSeconds.map { ", about \(DurationText.describe($0)) left" } ?? "")
                            + "; the gateway expects to go down")
                out.append(NewEvent(PowerBatteryLow(f), at: t))
            case .powerUnknown(let source, let error):
                log.warning("power: \(source) cannot be read: \(error.escapedForTerminal)")
                out.append(NewEvent(PowerUnknown(source: source, error: error), at: t))
            case .powerKnown(let f, let online, let unknown):
                log.notice("power: \(f.source) readable again after \(DurationText.describe(unknown)); \(online ? "on mains" : "on battery")")
                out.append(NewEvent(PowerKnown(f, online: online, unknownSeconds: unknown), at: t))
            case .doorOpened(let input, let fridge):
                log.info("door \(input) of fridge \(fridge) opened")
                out.append(NewEvent(DoorOpened(input: input, fridge: fridge), at: t))
            case .doorClosed(let input, let fridge, let open):
                log.info("door \(input) of fridge \(fridge) closed after \(DurationText.describe(open))")
                out.append(NewEvent(DoorClosed(input: input, fridge: fridge, openSeconds: open), at: t))
            case .raiseAlarm(let cause, let source, let fridge):
                out.append(openAlarm(cause: cause, fridge: fridge ?? Alarm.everyFridge, sensor: source, excursion: nil, at: t, state: &s))
            case .endAlarm(let cause, let source, let reason):
                out += closeAlarms(where: { $0.cause == cause && $0.sensor == source }, reason: reason, at: t, state: &s)
            }
        }
        return out
    }

    /// Rebuilds each power source's and door's last recorded state, and whether its alarm is open (the alarms
    /// themselves were restored already). Three and one grouped queries through the type index.
    static func restoreSite(into s: inout State, from reader: LedgerReader, config: GatewayConfig, log: Log) throws {
        func latest(_ types: [EventType], per key: String) throws -> [String: (TypedEvent, Date)] {
            var out: [String: (TypedEvent, Date)] = [:]
            for e in try reader.latestEvents(types: types, per: key) {
                guard let typed = try? e.typed() else { continue }
                let at = e.at
                switch typed {
                case .powerLost(let b): out[b.facts.source] = (typed, at)
                case .powerRestored(let b): out[b.facts.source] = (typed, at)
                case .powerBatteryLow(let b): out[b.facts.source] = (typed, at)
                case .powerUnknown(let b): out[b.source] = (typed, at)
                case .powerKnown(let b): out[b.facts.source] = (typed, at)
                case .doorOpened(let b): out[b.input] = (typed, at)
                case .doorClosed(let b): out[b.input] = (typed, at)
                default: continue
                }
            }
            return out
        }
        let cuts = try latest([.powerLost, .powerRestored], per: PowerFacts.Key.source)
        let low = try latest([.powerBatteryLow, .powerRestored], per: PowerFacts.Key.source)
        let unknown = try latest([.powerUnknown, .powerKnown], per: PowerFacts.Key.source)
        func alarmOpen(_ cause: AlarmCause, _ source: String) -> Bool { s.alarms.values.contains { $0.cause == cause && $0.sensor == source } }
        for (source, (typed, at)) in cuts {
            let online: Bool
            if case .powerLost = typed { online = false } else { online = true }
            var batteryLow = false
            if case .powerBatteryLow? = low[source]?.0 { batteryLow = true }
            var unknownSince: Date?
            if let (u, uAt) = unknown[source], case .powerUnknown = u { unknownSince = uAt }
            s.site.restorePower(source: source, online: online, since: at, batteryLow: batteryLow, unknownSince: unknownSince,
                                alarmOpen: alarmOpen(.power, source))
            if !online { log.notice("power: \(source) was off at the last record (since \(RFC3339.format(at)))") }
        }
        let fridgeOfDoor = Dictionary(config.inputs.compactMap { i in i.fridge.map { (i.id, $0) } }, uniquingKeysWith: { a, _ in a })
        for (input, (typed, at)) in try latest(EventType.door, per: DoorOpened.Key.input) {
            guard let fridge = fridgeOfDoor[input] else { continue }
            var open = false
            if case .doorOpened = typed { open = true }
            s.site.restoreDoor(input: input, fridge: fridge, open: open, since: at, alarmOpen: alarmOpen(.door, input))
        }
    }

    /// The site's power sources and doors, for `status`.
    public func siteStatus() -> (power: [PowerStatus], doors: [DoorStatus]) {
        let site = state.withLock { $0.site }
        var sources = Set(site.power.keys)
        if let nut = config.power.nut { sources.insert(nut.source) }
        for i in config.inputs where i.kind == .mains { sources.insert(i.powerSource) }
        let power = sources.sorted().map { source -> PowerStatus in
            guard let p = site.power[source] else {
                return PowerStatus(source: source, state: .unknown, since: nil, batteryLow: false, charge: nil, runtimeSeconds: nil,
                                   error: "not read yet", lastKnown: nil)
            }
            let known: PowerStatus.State? = p.online.map { $0 ? .online : .onBattery }
            let state = p.unknownSince != nil ? .unknown : (known ?? .unknown)
            return PowerStatus(source: source, state: state, since: RFC3339.format(p.unknownSince ?? p.since), batteryLow: p.batteryLow,
                               charge: state == .unknown ? nil : p.facts?.charge, runtimeSeconds: state == .unknown ? nil : p.facts?.runtimeSeconds,
                               error: p.error,
                               lastKnown: state == .unknown ? known : nil)
        }
        let doors = config.inputs.filter { $0.kind == .door }.map { i in
            let d = site.doors[i.id]
            return DoorStatus(input: i.id, fridge: i.fridge ?? "", open: d?.open, since: d.map { RFC3339.format($0.since) })
        }
        return (power, doors)
    }
}

extension Alarm {
    /// The `fridge` of an alarm that concerns every fridge: a UPS's power alarm.
    public static let everyFridge = "*"

    /// Whether this alarm concerns `fridge` (its alarm output, its list).
    public func concerns(fridge f: String) -> Bool { fridge == f || fridge == Self.everyFridge }
}
