import ColdChain

/// A simulated fridge probe's life: temperature over time, with faults, silences and Modbus exceptions.
///
/// ```json5
/// { units: [ { unit: 1, profile: "generic-int16-x10", humidity: 45, noise_c: 0.1,
///              timeline: [ { at: "0s", c: 5 }, { at: "1m", c: 11 }, { at: "5m", c: 5 } ],
///              episodes: [ { from: "6m", to: "7m", fault: true }, { from: "8m", to: "9m", silent: true } ] } ],
///   loop: "10m" }
/// ```
/// Between timeline points the temperature moves linearly (slow warming, a door-open spike); after the last
/// point it stays. `loop` restarts the story.
public struct Scenario: Sendable, Equatable {
    public struct Point: Sendable, Equatable { public var at: Double; public var c: Double }
    public struct Episode: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case fault, silent, exception(Int) }
        public var from: Double
        public var to: Double
        public var kind: Kind
    }
    public struct Unit: Sendable, Equatable {
        public var unit: Int
        public var profile: String
        public var humidity: Double?
        public var noiseC: Double
        public var timeline: [Point]
        public var episodes: [Episode]
        /// Digital inputs (a door switch, a mains relay): each bit takes `on` from `at` until its next point.
        public var inputs: [InputPoint] = []
    }
    public struct InputPoint: Sendable, Equatable { public var at: Double; public var address: Int; public var on: Bool }
    public enum Answer: Sendable, Equatable { case value(c: Double, h: Double?), fault, silent, exception(Int) }

    public var units: [Unit]
    public var loop: Double?

    /// What unit `u` answers `elapsed` seconds into the scenario (noise excluded: it is the caller's).
    public func answer(unit u: Int, elapsed: Double) -> Answer? {
        guard let unit = units.first(where: { $0.unit == u }) else { return nil }
        let t = loop.map { elapsed.truncatingRemainder(dividingBy: $0) } ?? elapsed
        for e in unit.episodes where t >= e.from && t < e.to {
            switch e.kind {
            case .fault: return .fault
            case .silent: return .silent
            case .exception(let code): return .exception(code)
            }
        }
        return .value(c: Self.interpolate(unit.timeline, at: t), h: unit.humidity)
    }

    /// Bit `address` of unit `u` at `elapsed`: the newest point at or before it.
    public func bit(unit u: Int, address: Int, elapsed: Double) -> Bool {
        let t = loop.map { elapsed.truncatingRemainder(dividingBy: $0) } ?? elapsed
        return units.first { $0.unit == u }?.inputs.last { $0.address == address && $0.at <= t }?.on ?? false
    }

    static func interpolate(_ points: [Point], at t: Double) -> Double {
        guard let first = points.first else { return 5 }
        if t <= first.at { return first.c }
        for (a, b) in zip(points, points.dropFirst()) where t < b.at {
            return a.c + (b.c - a.c) * (t - a.at) / max(b.at - a.at, 0.001)
        }
        return points.last!.c
    }

    /// Validates a scenario document; problems go to `root.problems` with their key paths.
    public static func decode(_ root: ConfigNode) -> Scenario? {
        guard let o = root.object(allowed: ["units", "loop", "description"]) else { return nil }
        if let d = o.child("description") { _ = d.string }
        let loop = o.has("loop") ? o.duration("loop", in: 1...(365 * 86400)) : nil
        var units: [Unit] = []
        for n in o.array("units", required: true) {
            guard let u = n.object(allowed: ["unit", "profile", "humidity", "noise_c", "timeline", "episodes", "inputs"]) else { continue }
            let unit = u.integer("unit", in: 1...247)
            let profile = u.string("profile", required: false) ?? "generic-int16-x10"
            let humidity = u.has("humidity") ? u.number("humidity", in: 0...100) : nil
            let noise = u.number("noise_c", in: 0...5, default: 0) ?? 0
            var timeline: [Point] = []
            for p in u.array("timeline", required: true) {
                guard let po = p.object(allowed: ["at", "c"]), let at = po.duration("at", in: 0...(365 * 86400)),
                      let c = po.number("c", in: -60...100) else { continue }
                if let last = timeline.last, at < last.at { p.problem("timeline points must be in time order") }
                timeline.append(Point(at: at, c: c))
            }
            var episodes: [Episode] = []
            for e in u.array("episodes") {
                guard let eo = e.object(allowed: ["from", "to", "fault", "silent", "exception"]),
                      let from = eo.duration("from", in: 0...(365 * 86400)), let to = eo.duration("to", in: 0...(365 * 86400)) else { continue }
                let kind: Episode.Kind
                if eo.bool("fault", default: false) { kind = .fault }
                else if eo.bool("silent", default: false) { kind = .silent }
                else if let code = eo.has("exception") ? eo.integer("exception", in: 1...11) : nil { kind = .exception(code) }
                else { e.problem("an episode is fault: true, silent: true or exception: CODE"); continue }
                episodes.append(Episode(from: from, to: to, kind: kind))
            }
            var inputs: [InputPoint] = []
            for p in u.array("inputs") {
                guard let po = p.object(allowed: ["at", "address", "on"]), let at = po.duration("at", in: 0...(365 * 86400)),
                      let address = po.integer("address", in: 0...65535) else { continue }
                if let last = inputs.last, at < last.at { p.problem("input points must be in time order") }
                inputs.append(InputPoint(at: at, address: address, on: po.bool("on", default: true)))
            }
            if let unit {
                units.append(Unit(unit: unit, profile: profile, humidity: humidity ?? nil, noiseC: noise, timeline: timeline, episodes: episodes,
                                  inputs: inputs))
            }
        }
        guard !root.problems.hasErrors else { return nil }
        return Scenario(units: units, loop: loop ?? nil)
    }
}
