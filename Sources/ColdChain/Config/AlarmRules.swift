/// How a fridge's readings become excursions and alarms: a preset (`gsp`, `who-pqs`), explicit limits, or both.
public struct AlarmRules: Sendable, Equatable {
    /// One side of the range: beyond `limitC` for `delay` seconds opens an excursion.
    public struct Limit: Sendable, Equatable {
        public var limitC: Double
        /// True where the rule says "at or beyond" (WHO PQS freeze: at or below -0.5 °C).
        public var inclusive: Bool
        public var delay: Double
        public init(limitC: Double, inclusive: Bool, delay: Double) { self.limitC = limitC; self.inclusive = inclusive; self.delay = delay }
    }

    /// Time above `aboveC` adding up to `total` within a sliding `window`.
    public struct Cumulative: Sendable, Equatable {
        public var aboveC: Double
        public var total: Double
        public var window: Double
        public init(aboveC: Double, total: Double, window: Double) { self.aboveC = aboveC; self.total = total; self.window = window }
    }

    /// The preset the rules started from, or "explicit"; recorded on every excursion.
    public var name: String
    public var high: Limit?
    public var low: Limit?
    public var warnHighC: Double?
    public var warnLowC: Double?
    public var hysteresisC: Double
    public var commLossAfter: Double
    /// How often `alarm_command` is run again while an alarm stays open; nil for never.
    public var repeatEvery: Double?
    public var cumulative: [Cumulative]
    /// How long a door of the fridge may stand open before its alarm; nil for never (WHO E006 logs door openings;
    /// five minutes is the common default of fridge controllers).
    public var doorOpenAfter: Double? = 300

    /// GSP appendix 3: 2–8 °C, confirm delay 5 min, pre-warning at 2.5 and 7.5 °C.
    public static let gsp = AlarmRules(
        name: "gsp", high: Limit(limitC: 8.0, inclusive: false, delay: 300),
        low: Limit(limitC: 2.0, inclusive: false, delay: 300), warnHighC: 7.5, warnLowC: 2.5,
        hysteresisC: 0, commLossAfter: 300, repeatEvery: 1800, cumulative: [])

    /// WHO PQS E006: heat above +8 °C for 10 h continuously; freeze at or below -0.5 °C for 60 min.
    public static let whoPQS = AlarmRules(
        name: "who-pqs", high: Limit(limitC: 8.0, inclusive: false, delay: 36000),
        low: Limit(limitC: -0.5, inclusive: true, delay: 3600), warnHighC: nil, warnLowC: nil,
        hysteresisC: 0, commLossAfter: 300, repeatEvery: 1800, cumulative: [])

    public static let presets: [String: AlarmRules] = ["gsp": gsp, "who-pqs": whoPQS]

    static let keys = ["preset", "low_c", "high_c", "delay", "low_delay", "high_delay", "hysteresis_c", "warn_low_c",
                       "warn_high_c", "comm_loss_after", "repeat", "cumulative", "door_open_after"]

    /// Reads `alarm: { preset: "gsp", ...overrides }`; without a preset, `low_c` and `high_c` are required.
    static func decode(_ o: ConfigObject) -> AlarmRules? {
        var rules: AlarmRules
        if let presetName = o.choice("preset", presets.keys.sorted(), default: "") {
            if presetName.isEmpty {
                rules = AlarmRules(name: "explicit", high: nil, low: nil, warnHighC: nil, warnLowC: nil,
                                   hysteresisC: 0, commLossAfter: 300, repeatEvery: 1800, cumulative: [])
                if !o.has("low_c") && !o.has("high_c") {
                    o.node.problem("give a preset (\"gsp\" or \"who-pqs\") or at least one of low_c and high_c")
                }
            } else {
                rules = presets[presetName]!
                if o.fields.count > 1 { rules.name = presetName + "+overrides" }
            }
        } else {
            return nil
        }
        let before = o.node.problems.list.count
        let delay = o.duration("delay", in: 0...(30 * 86400), default: -1)
        if let v = o.number("high_c", in: -80...80, default: .nan), !v.isNaN {
            rules.high = Limit(limitC: v, inclusive: false, delay: rules.high?.delay ?? 300)
        }
        if let v = o.number("low_c", in: -80...80, default: .nan), !v.isNaN {
            rules.low = Limit(limitC: v, inclusive: false, delay: rules.low?.delay ?? 300)
        }
        if let d = delay, d >= 0 { rules.high?.delay = d; rules.low?.delay = d }
        if let d = o.duration("high_delay", in: 0...(30 * 86400), default: -1), d >= 0 { rules.high?.delay = d }
        if let d = o.duration("low_delay", in: 0...(30 * 86400), default: -1), d >= 0 { rules.low?.delay = d }
        if let v = o.number("warn_high_c", in: -80...80, default: .nan), !v.isNaN { rules.warnHighC = v }
        if let v = o.number("warn_low_c", in: -80...80, default: .nan), !v.isNaN { rules.warnLowC = v }
        if let v = o.number("hysteresis_c", in: 0...5, default: rules.hysteresisC) { rules.hysteresisC = v }
        if let v = o.duration("comm_loss_after", in: 10...86400, default: rules.commLossAfter) { rules.commLossAfter = v }
        if let c = o.child("repeat") {
            if c.value == .null || c.value == .bool(false) { rules.repeatEvery = nil }
            else if let v = o.duration("repeat", in: 60...86400) { rules.repeatEvery = v }
        }
        if let c = o.child("door_open_after") {
            if c.value == .null || c.value == .bool(false) { rules.doorOpenAfter = nil }
            else if let v = o.duration("door_open_after", in: 0...86400) { rules.doorOpenAfter = v }
        }
        let cumulative = o.array("cumulative")
        if !cumulative.isEmpty { rules.cumulative = [] }
        for n in cumulative {
            guard let c = n.object(allowed: ["above_c", "total", "window"]) else { continue }
            if let a = c.number("above_c", in: -80...80), let t = c.duration("total", in: 60...(365 * 86400)),
               let w = c.duration("window", in: 60...(365 * 86400)) {
                if t > w { c.child("total")!.problem("total \(DurationText.describe(t)) is longer than its window \(DurationText.describe(w))") }
                rules.cumulative.append(Cumulative(aboveC: a, total: t, window: w))
            }
        }
        if let lo = rules.low?.limitC, let hi = rules.high?.limitC, lo >= hi {
            o.node.problem("low_c \(JSONValue.number(lo).serialized) must be below high_c \(JSONValue.number(hi).serialized)")
        }
        if let w = rules.warnHighC, let hi = rules.high?.limitC, w > hi {
            o.node.problem("warn_high_c must not be above high_c")
        }
        if let w = rules.warnLowC, let lo = rules.low?.limitC, w < lo {
            o.node.problem("warn_low_c must not be below low_c")
        }
        return o.node.problems.list.count == before ? rules : nil
    }
}
