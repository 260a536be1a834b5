import FoundationEssentials

/// Which level of people must be told what, and when: a pure rule over open alarms and an injected time, like
/// `SensorMonitor`. An alarm still unacknowledged `after` a level's delay tells that level; levels told are
/// reminded every `repeat`; an acknowledgement stops the escalation and tells those already told, as does the close.
public struct Escalation: Sendable, Equatable {
    public struct Alarm: Sendable, Equatable {
        public var id: Int
        public var cause: AlarmCause
        public var fridge: String
        public var sensor: String
        public var openedAt: Date
        public init(id: Int, cause: AlarmCause, fridge: String, sensor: String, openedAt: Date) {
            self.id = id; self.cause = cause; self.fridge = fridge; self.sensor = sensor; self.openedAt = openedAt
        }
    }

    /// What a notice says: a new alarm (level 0), a level reached, a reminder, who acknowledged, the end; a test; a
    /// summary of notices folded by the hour's bound (NoticeBudget).
    public enum Kind: String, Sendable, CaseIterable, Codable { case opened, escalated, reminder, acknowledged, closed, test, summary }

    public struct Notice: Sendable, Equatable {
        public var alarm: Int
        /// The level's index (0 first).
        public var level: Int
        public var kind: Kind
        public var channels: [String]
        public init(alarm: Int, level: Int, kind: Kind, channels: [String]) {
            self.alarm = alarm; self.level = level; self.kind = kind; self.channels = channels
        }
    }

    public struct Tracked: Sendable, Equatable {
        public var alarm: Alarm
        /// Levels told, with when they were last told (for reminders).
        public var told: [Int: Date] = [:]
        public var acknowledged = false
    }

    public let plan: NotifyPlan
    public private(set) var alarms: [Int: Tracked] = [:]

    public init(plan: NotifyPlan) { self.plan = plan }

    /// An alarm opened; its first levels are due at the next `due`.
    public mutating func opened(_ a: Alarm) {
        if alarms[a.id] == nil { alarms[a.id] = Tracked(alarm: a) }
    }

    /// An alarm the ledger says is open, with the levels already told and whether it was acknowledged.
    public mutating func restore(_ a: Alarm, told: [Int: Date], acknowledged: Bool) {
        alarms[a.id] = Tracked(alarm: a, told: told, acknowledged: acknowledged)
    }

    /// The notices due at `now`: levels whose delay has passed (in order), reminders to levels told.
    public mutating func due(_ now: Date) -> [Notice] {
        var out: [Notice] = []
        for id in alarms.keys.sorted() {
            guard var t = alarms[id], !t.acknowledged else { continue }
            let levels = plan.levels(for: t.alarm.cause)
            for (i, level) in levels.enumerated() where t.told[i] == nil && now.timeIntervalSince(t.alarm.openedAt) >= level.after {
                t.told[i] = now
                out.append(Notice(alarm: id, level: i, kind: i == 0 ? .opened : .escalated, channels: level.to))
            }
            if let every = plan.repeatEvery {
                for (i, last) in t.told.sorted(by: { $0.key < $1.key }) where i < levels.count && now.timeIntervalSince(last) >= every {
                    t.told[i] = now
                    out.append(Notice(alarm: id, level: i, kind: .reminder, channels: levels[i].to))
                }
            }
            alarms[id] = t
        }
        return out
    }

    /// Acknowledged: no further levels or reminders; those already told hear who did it.
    public mutating func acknowledged(alarm id: Int) -> [Notice] {
        guard var t = alarms[id], !t.acknowledged else { return [] }
        t.acknowledged = true
        alarms[id] = t
        return notices(t, kind: .acknowledged)
    }

    /// Closed: those already told hear the end; the alarm is forgotten.
    public mutating func closed(alarm id: Int) -> [Notice] {
        guard let t = alarms.removeValue(forKey: id) else { return [] }
        return notices(t, kind: .closed)
    }

    private func notices(_ t: Tracked, kind: Kind) -> [Notice] {
        let levels = plan.levels(for: t.alarm.cause)
        return t.told.keys.sorted().filter { $0 < levels.count }.map { Notice(alarm: t.alarm.id, level: $0, kind: kind, channels: levels[$0].to) }
    }

    /// The system clock stepped forward by `delta` (RecordClock): not time the alarm waited.
    public mutating func clockStepped(by delta: Double) {
        guard delta > 0 else { return }
        for id in Array(alarms.keys) {
            alarms[id]!.alarm.openedAt.addTimeInterval(delta)
            for (i, d) in alarms[id]!.told { alarms[id]!.told[i] = d.addingTimeInterval(delta) }
        }
    }
}

/// China CDC's buckets for how long an alarm took to be handled.
public enum HandlingBucket: String, Sendable, CaseIterable, Codable {
    case within30 = "<=30m", within60 = "<=60m", within120 = "<=120m", over120 = ">120m"
    public init(seconds: Double) {
        switch seconds {
        case ...1800: self = .within30
        case ...3600: self = .within60
        case ...7200: self = .within120
        default: self = .over120
        }
    }
}
