import FoundationEssentials

/// The site's physical state as the record knows it: each power source (a UPS through NUT, a mains input) and each
/// door, and the alarms they call for. A pure rule, like `SensorMonitor`: observations and the time come in, the
/// events to record come out, so the same rule runs in the daemon and in tests with an injected clock.
public struct SiteMonitor: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// How long mains power may be off before its alarm (`power.alarm_after`; 0: at once).
        public var powerAlarmAfter: Double
        /// Each fridge's `door_open_after`; a fridge without one raises no door alarm.
        public var doorAlarmAfter: [String: Double]
        public init(powerAlarmAfter: Double, doorAlarmAfter: [String: Double]) {
            self.powerAlarmAfter = powerAlarmAfter; self.doorAlarmAfter = doorAlarmAfter
        }
    }

    /// What one read of a power source said.
    public enum PowerReading: Sendable, Equatable {
        case state(online: Bool, batteryLow: Bool, facts: PowerFacts)
        case unreadable(String)
    }

    public struct PowerSource: Sendable, Equatable {
        /// The last state read; nil until the first read (or a restored record).
        public var online: Bool?
        public var batteryLow = false
        /// When the current state began (the cut's start while `online` is false).
        public var since: Date
        /// While unreadable: since when, and why.
        public var unknownSince: Date?
        public var error: String?
        public var alarmOpen = false
        /// The last read's details (status, charge, runtime) for `status`.
        public var facts: PowerFacts?
        /// The fridge a mains input feeds; nil for every fridge.
        public var fridge: String?
        /// The last cut that ended, for an excursion's cause.
        public var lastCut: ClosedRange<Date>?
    }

    public struct Door: Sendable, Equatable {
        public var fridge: String
        public var open: Bool
        public var since: Date
        public var alarmOpen = false
        /// The last time it stood open, for an excursion's cause.
        public var lastOpen: ClosedRange<Date>?
    }

    public enum Event: Sendable, Equatable {
        case powerLost(PowerFacts)
        case powerRestored(PowerFacts, offSeconds: Double)
        case batteryLow(PowerFacts)
        case powerUnknown(source: String, error: String)
        case powerKnown(PowerFacts, online: Bool, unknownSeconds: Double)
        case doorOpened(input: String, fridge: String)
        case doorClosed(input: String, fridge: String, openSeconds: Double)
        /// An alarm to open: `fridge` nil means every fridge (a UPS feeds them all).
        case raiseAlarm(AlarmCause, source: String, fridge: String?)
        case endAlarm(AlarmCause, source: String, reason: String)
    }

    /// How far before an excursion's start a cut or an open door still counts as its cause. A fridge's air warms
    /// in minutes with the door open, but its load takes longer; a door shut two minutes before the probe crosses
    /// 8 °C is still why it crossed.
    public static let causeLookback: Double = 30 * 60

    public var settings: Settings
    public private(set) var power: [String: PowerSource] = [:]
    public private(set) var doors: [String: Door] = [:]

    public init(settings: Settings) { self.settings = settings }

    // MARK: power

    /// One read of `source` (for a mains input, `fridge` is the fridge it feeds, if one).
    public mutating func observePower(source: String, fridge: String? = nil, _ reading: PowerReading, at t: Date) -> [Event] {
        var p = power[source] ?? PowerSource(online: nil, since: t, fridge: fridge)
        p.fridge = fridge
        var out: [Event] = []
        switch reading {
        case .unreadable(let error):
            if p.unknownSince == nil {
                p.unknownSince = t
                out.append(.powerUnknown(source: source, error: error))
            }
            p.error = error
        case .state(let online, let batteryLow, let facts):
            if let unknownSince = p.unknownSince {
                out.append(.powerKnown(facts, online: online, unknownSeconds: t.timeIntervalSince(unknownSince)))
                p.unknownSince = nil
                p.error = nil
            }
            p.facts = facts
            switch (p.online, online) {
            case (true, false), (nil, false):
                p.online = false
                p.since = t
                out.append(.powerLost(facts))
                if settings.powerAlarmAfter <= 0 && !p.alarmOpen {
                    p.alarmOpen = true
                    out.append(.raiseAlarm(.power, source: source, fridge: fridge))
                }
            case (false, true):
                out.append(.powerRestored(facts, offSeconds: t.timeIntervalSince(p.since)))
                p.lastCut = min(p.since, t)...t
                p.online = true
                p.since = t
                p.batteryLow = false
                if p.alarmOpen {
                    p.alarmOpen = false
                    out.append(.endAlarm(.power, source: source, reason: "power restored"))
                }
            case (nil, true):
                // First sight of a source on mains is the normal state: nothing to record.
                p.online = true
                p.since = t
            default: break
            }
            if online { p.batteryLow = false }
            else if batteryLow && !p.batteryLow {
                p.batteryLow = true
                out.append(.batteryLow(facts))
            }
        }
        power[source] = p
        return out
    }

    // MARK: doors

    /// A door's debounced state changed (or was first read) at `t`.
    public mutating func observeDoor(input: String, fridge: String, open: Bool, at t: Date) -> [Event] {
        var d = doors[input] ?? Door(fridge: fridge, open: false, since: t)
        d.fridge = fridge
        let known = doors[input] != nil
        var out: [Event] = []
        if open && (!d.open || !known) {
            d.open = true
            d.since = t
            out.append(.doorOpened(input: input, fridge: fridge))
            if let after = settings.doorAlarmAfter[fridge], after <= 0, !d.alarmOpen {
                d.alarmOpen = true
                out.append(.raiseAlarm(.door, source: input, fridge: fridge))
            }
        } else if !open && d.open {
            out.append(.doorClosed(input: input, fridge: fridge, openSeconds: t.timeIntervalSince(d.since)))
            d.lastOpen = min(d.since, t)...t
            d.open = false
            d.since = t
            if d.alarmOpen {
                d.alarmOpen = false
                out.append(.endAlarm(.door, source: input, reason: "door \(input) closed"))
            }
        } else if !known {
            d.since = t
        }
        doors[input] = d
        return out
    }

    // MARK: time

    /// Time passing: alarms for a cut or an open door that has lasted past its delay.
    public mutating func tick(_ now: Date) -> [Event] {
        var out: [Event] = []
        for source in power.keys.sorted() {
            guard var p = power[source], p.online == false, !p.alarmOpen, now.timeIntervalSince(p.since) >= settings.powerAlarmAfter else { continue }
            p.alarmOpen = true
            power[source] = p
            out.append(.raiseAlarm(.power, source: source, fridge: p.fridge))
        }
        for input in doors.keys.sorted() {
            guard var d = doors[input], d.open, !d.alarmOpen, let after = settings.doorAlarmAfter[d.fridge],
                  now.timeIntervalSince(d.since) >= after else { continue }
            d.alarmOpen = true
            doors[input] = d
            out.append(.raiseAlarm(.door, source: input, fridge: d.fridge))
        }
        return out
    }

    /// The system clock stepped forward by `delta` seconds (RecordClock): the step is not time the power was off
    /// or the door open, so every start moves with it.
    public mutating func clockStepped(by delta: Double) {
        guard delta > 0 else { return }
        for k in Array(power.keys) {
            power[k]!.since.addTimeInterval(delta)
            power[k]!.unknownSince?.addTimeInterval(delta)
        }
        for k in Array(doors.keys) { doors[k]!.since.addTimeInterval(delta) }
    }

    // MARK: cause

    /// What an excursion of `fridge` that started at `start` started during: a cut of a source feeding it on at
    /// `start`, else a door of the fridge open then; failing both, a cut or an opening that ended within
    /// `causeLookback` before it (the cut first). What was going on at the start comes before what had just ended.
    public func cause(fridge: String, start: Date) -> ExcursionCause? {
        let window = start.addingTimeInterval(-Self.causeLookback)...start
        func overlaps(_ r: ClosedRange<Date>?) -> Bool { r.map { $0.overlaps(window) } ?? false }
        let feeds = power.values.filter { $0.fridge == nil || $0.fridge == fridge }
        let own = doors.values.filter { $0.fridge == fridge }
        if feeds.contains(where: { $0.online == false && $0.since <= start }) { return .power }
        if own.contains(where: { $0.open && $0.since <= start }) { return .door }
        if feeds.contains(where: { overlaps($0.lastCut) }) { return .power }
        if own.contains(where: { overlaps($0.lastOpen) }) { return .door }
        return nil
    }

    // MARK: restore

    /// The state the ledger last recorded for a power source (before the first read of this run).
    public mutating func restorePower(source: String, online: Bool, since: Date, batteryLow: Bool, unknownSince: Date?, alarmOpen: Bool) {
        power[source] = PowerSource(online: online, batteryLow: batteryLow, since: since, unknownSince: unknownSince,
                                    error: unknownSince == nil ? nil : "not read since the restart", alarmOpen: alarmOpen)
    }

    /// The state the ledger last recorded for a door.
    public mutating func restoreDoor(input: String, fridge: String, open: Bool, since: Date, alarmOpen: Bool) {
        doors[input] = Door(fridge: fridge, open: open, since: since, alarmOpen: alarmOpen)
    }
}
