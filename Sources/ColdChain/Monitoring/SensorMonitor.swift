import FoundationEssentials

/// Which rule an excursion broke.
public enum ExcursionSide: String, Sendable, Codable {
    case high, low, cumulative
}

/// An excursion as it stands: open (no `end`) or closed.
public struct Excursion: Sendable, Equatable {
    public var sensor: String
    public var side: ExcursionSide
    /// Back-dated to the first offending reading.
    public var start: Date
    public var end: Date?
    public var min: Double
    public var max: Double
    /// Degree-minutes beyond the limit (°C·min), integrated over the readings.
    public var degreeMinutes: Double
    public var limitC: Double
    public var rule: String
    /// The excursion's number in the ledger, once recorded.
    public var id: Int64?
    var lastPeak: Double
    var lastAt: Date
    var lastValue: Double
    /// Forward steps of the system clock while it was open: `start` stays as recorded, and the duration leaves
    /// them out (a one-day jump once turned an 8 s excursion into `1d20s`).
    var stepped: Double = 0

    public var duration: Double { (end ?? lastAt).timeIntervalSince(start) - stepped }
    /// The most extreme reading in the direction of the breach.
    public var peak: Double { side == .low ? min : max }

    public init(sensor: String, side: ExcursionSide, start: Date, end: Date? = nil, min: Double, max: Double,
                degreeMinutes: Double, limitC: Double, rule: String, id: Int64? = nil, lastAt: Date? = nil) {
        self.sensor = sensor; self.side = side; self.start = start; self.end = end; self.min = min; self.max = max
        self.degreeMinutes = degreeMinutes; self.limitC = limitC; self.rule = rule; self.id = id
        self.lastPeak = side == .low ? min : max
        self.lastAt = lastAt ?? start
        self.lastValue = side == .low ? min : max
    }
}

/// What the monitor wants recorded.
public enum MonitorEvent: Sendable, Equatable {
    case excursionOpened(Excursion)
    case excursionPeak(Excursion, value: Double, at: Date)
    case excursionClosed(Excursion)
    case noData(sensor: String, since: Date)
    case recovered(sensor: String, silentFor: Double)
}

/// A sensor's state as the technician sees it.
public enum SensorState: String, Sendable, Codable {
    case unknown, ok, warning, excursion
    case noData = "no_data"
}

/// Applies a fridge's alarm rules to one sensor's readings. Pure and clock-free: every call carries its time,
/// so hours of rules run in microseconds in tests.
///
/// Rules (DESIGN.md): an excursion opens when its rule has held for its delay, its start back-dated to the first
/// offending reading; it ends only on a valid reading back inside the range past the hysteresis, never because
/// data stopped; a data gap inside an excursion keeps it one excursion. No valid reading for `commLossAfter`
/// raises no_data once; the next valid reading recovers it.
public struct SensorMonitor: Sendable {
    public let sensor: String
    public let rules: AlarmRules
    public private(set) var open: [ExcursionSide: Excursion] = [:]
    private var pending: [ExcursionSide: Excursion] = [:]
    public private(set) var lastValid: (at: Date, value: Double)?
    private var silentSince: Date
    public private(set) var noDataRaised = false
    /// Intervals spent above each cumulative rule's threshold, newest last.
    private var above: [[(Date, Date)]]

    /// A new peak is recorded when it exceeds the last one by the probes' accuracy (±0.5 °C), not on every wiggle.
    public static let peakStep = 0.5

    public init(sensor: String, rules: AlarmRules, startedAt: Date) {
        self.sensor = sensor
        self.rules = rules
        silentSince = startedAt
        above = rules.cumulative.map { _ in [] }
    }

    /// Carries an excursion that was open before a restart, so a multi-day excursion stays one excursion.
    public mutating func restore(_ e: Excursion) { open[e.side] = e }

    /// Carries a no_data that was raised before a restart, so the next valid reading recovers it once.
    public mutating func restoreNoData() { noDataRaised = true }

    public var state: SensorState {
        if !open.isEmpty { return .excursion }
        if noDataRaised { return .noData }
        guard let v = lastValid?.value else { return .unknown }
        if let w = rules.warnHighC, v >= w { return .warning }
        if let w = rules.warnLowC, v <= w { return .warning }
        return .ok
    }

    /// The recorded time stepped forward by `seconds` (RecordClock): the times that measure intervals move with it,
    /// so the step counts as no time passed; what was recorded (an excursion's start) stays as it was.
    public mutating func clockStepped(by seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        if let v = lastValid { lastValid = (v.at.addingTimeInterval(seconds), v.value) }
        silentSince = silentSince.addingTimeInterval(seconds)
        above = above.map { $0.map { ($0.0.addingTimeInterval(seconds), $0.1.addingTimeInterval(seconds)) } }
        for side in open.keys { open[side]!.lastAt.addTimeInterval(seconds); open[side]!.stepped += seconds }
        for side in pending.keys { pending[side]!.lastAt.addTimeInterval(seconds); pending[side]!.stepped += seconds }
    }

    /// A probe answered with a fault value: it counts as no data, and changes no excursion.
    public mutating func observeFault(at t: Date) -> [MonitorEvent] { tick(t) }

    /// A valid reading of `value` °C at `t`.
    public mutating func observe(_ value: Double, at t: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        if noDataRaised {
            noDataRaised = false
            events.append(.recovered(sensor: sensor, silentFor: t.timeIntervalSince(lastValid?.at ?? silentSince)))
        }
        for side in [ExcursionSide.high, .low] {
            guard let limit = side == .high ? rules.high : rules.low else { continue }
            events += step(side: side, limit: limit, value: value, at: t)
        }
        events += cumulative(value: value, at: t)
        lastValid = (t, value)
        silentSince = t
        return events
    }

    /// Time passing without readings: raises no_data once `commLossAfter` has gone by.
    public mutating func tick(_ now: Date) -> [MonitorEvent] {
        guard !noDataRaised, now.timeIntervalSince(silentSince) >= rules.commLossAfter else { return [] }
        noDataRaised = true
        return [.noData(sensor: sensor, since: lastValid?.at ?? silentSince)]
    }

    private func offends(_ v: Double, _ side: ExcursionSide, _ l: AlarmRules.Limit) -> Bool {
        switch side {
        case .high: return l.inclusive ? v >= l.limitC : v > l.limitC
        case .low: return l.inclusive ? v <= l.limitC : v < l.limitC
        case .cumulative: return false
        }
    }

    /// Degree-minutes beyond the limit since the previous reading; a gap counts at most `commLossAfter`, because
    /// what happened in a longer gap is unknown.
    private func degreeMinutes(_ side: ExcursionSide, limit: Double, from prev: (Date, Double), to t: Date) -> Double {
        let dt = Swift.min(t.timeIntervalSince(prev.0), rules.commLossAfter) / 60
        let beyond = side == .high ? prev.1 - limit : limit - prev.1
        return Swift.max(0, beyond) * Swift.max(0, dt)
    }

    private mutating func step(side: ExcursionSide, limit: AlarmRules.Limit, value v: Double, at t: Date) -> [MonitorEvent] {
        let bad = offends(v, side, limit)
        if var e = open[side] {
            e.degreeMinutes += degreeMinutes(side, limit: limit.limitC, from: (e.lastAt, e.lastValue), to: t)
            e.lastAt = t
            e.lastValue = v
            // Back inside only past the hysteresis; between the limit and the hysteresis band it stays open.
            let inside = !offends(side == .high ? v + rules.hysteresisC : v - rules.hysteresisC, side, limit)
            if inside {
                e.end = t
                open[side] = nil
                return [.excursionClosed(e)]
            }
            e.min = Swift.min(e.min, v)
            e.max = Swift.max(e.max, v)
            var events: [MonitorEvent] = []
            let further = side == .high ? v - e.lastPeak : e.lastPeak - v
            if further >= Self.peakStep {
                e.lastPeak = v
                events.append(.excursionPeak(e, value: v, at: t))
            }
            open[side] = e
            return events
        }
        guard bad else {
            pending[side] = nil  // a spike shorter than the delay leaves no excursion
            return []
        }
        var p = pending[side] ?? Excursion(sensor: sensor, side: side, start: t, min: v, max: v, degreeMinutes: 0,
                                           limitC: limit.limitC, rule: rules.name, lastAt: t)
        if pending[side] != nil {
            p.degreeMinutes += degreeMinutes(side, limit: limit.limitC, from: (p.lastAt, p.lastValue), to: t)
            p.min = Swift.min(p.min, v)
            p.max = Swift.max(p.max, v)
            p.lastAt = t
            p.lastValue = v
        }
        if t.timeIntervalSince(p.start) - p.stepped >= limit.delay {
            pending[side] = nil
            p.lastPeak = side == .high ? p.max : p.min
            open[side] = p
            return [.excursionOpened(p)]
        }
        pending[side] = p
        return []
    }

    private mutating func cumulative(value v: Double, at t: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        for (k, rule) in rules.cumulative.enumerated() {
            if let prev = lastValid, prev.value > rule.aboveC {
                let gapEnd = Swift.min(t, prev.at.addingTimeInterval(rules.commLossAfter))
                above[k].append((prev.at, gapEnd))
            }
            let windowStart = t.addingTimeInterval(-rule.window)
            above[k] = above[k].filter { $0.1 > windowStart }
            let total = above[k].reduce(0.0) { $0 + $1.1.timeIntervalSince(Swift.max($1.0, windowStart)) }
            if var e = open[.cumulative] {
                e.max = Swift.max(e.max, v); e.min = Swift.min(e.min, v); e.lastAt = t; e.lastValue = v
                if total < rule.total && v <= rule.aboveC {
                    e.end = t
                    open[.cumulative] = nil
                    events.append(.excursionClosed(e))
                } else {
                    open[.cumulative] = e
                }
            } else if total >= rule.total {
                let start = above[k].first.map { Swift.max($0.0, windowStart) } ?? t
                let e = Excursion(sensor: sensor, side: .cumulative, start: start, min: v, max: v,
                                  degreeMinutes: 0, limitC: rule.aboveC, rule: rules.name + " cumulative", lastAt: t)
                open[.cumulative] = e
                events.append(.excursionOpened(e))
            }
        }
        return events
    }
}
