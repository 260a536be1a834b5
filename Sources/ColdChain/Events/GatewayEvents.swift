import FoundationEssentials

/// `gateway.started`: the daemon is running, which gateway and which build.
public struct GatewayStarted: EventBody {
    public static let type = EventType.gatewayStarted
    public var typed: TypedEvent { .gatewayStarted(self) }
    public var gateway: String
    public var site: String
    public var version: String
    public var pid: Int
    public init(gateway: String, site: String, version: String, pid: Int) {
        self.gateway = gateway; self.site = site; self.version = version; self.pid = pid
    }
    public var json: JSONValue {
        ["gateway": .string(gateway), "site": .string(site), "version": .string(version), "pid": .number(Double(pid))]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(gateway: try r.string("gateway"), site: try r.string("site"), version: try r.string("version"), pid: try r.int("pid"))
    }
}

/// `gateway.stopped`: a clean stop, why, and how long the run lasted.
public struct GatewayStopped: EventBody {
    public static let type = EventType.gatewayStopped
    public var typed: TypedEvent { .gatewayStopped(self) }
    public var reason: String
    public var uptimeSeconds: Double
    public init(reason: String, uptimeSeconds: Double) { self.reason = reason; self.uptimeSeconds = uptimeSeconds.rounded() }
    public var json: JSONValue { ["reason": .string(reason), "uptime_s": .number(uptimeSeconds)] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(reason: try r.string("reason"), uptimeSeconds: try r.double("uptime_s"))
    }
}

/// `gateway.gap`: a period with no record, found at start (the previous run ended by a crash or a power cut).
public struct GatewayGap: EventBody {
    public static let type = EventType.gatewayGap
    public var typed: TypedEvent { .gatewayGap(self) }
    public var from: Date
    public var to: Date
    public var seconds: Double
    public var previousEnd: String
    public var lastSeq: Int
    public init(from: Date, to: Date, seconds: Double, previousEnd: String, lastSeq: Int) {
        self.from = from; self.to = to; self.seconds = seconds.rounded(); self.previousEnd = previousEnd; self.lastSeq = lastSeq
    }
    public var json: JSONValue {
        ["from": .string(RFC3339.format(from)), "to": .string(RFC3339.format(to)), "seconds": .number(seconds),
         "previous_end": .string(previousEnd), "last_seq": .number(Double(lastSeq))]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(from: try r.date("from"), to: try r.date("to"), seconds: try r.double("seconds"), previousEnd: try r.string("previous_end"),
                  lastSeq: try r.int("last_seq"))
    }
}

/// `config.loaded`: which configuration the run uses (its file and SHA-256) and what it declares.
public struct ConfigLoaded: EventBody {
    public static let type = EventType.configLoaded
    public var typed: TypedEvent { .configLoaded(self) }
    public var file: String
    public var sha256: String
    public var fridges: [String]
    public var sensors: Int
    public var scanners: Int
    /// The platform URL; written as null when none is configured (as it always was).
    public var platform: String?
    public init(file: String, sha256: String, fridges: [String], sensors: Int, scanners: Int, platform: String?) {
        self.file = file; self.sha256 = sha256; self.fridges = fridges; self.sensors = sensors; self.scanners = scanners; self.platform = platform
    }
    public var json: JSONValue {
        ["file": .string(file), "sha256": .string(sha256), "fridges": .array(fridges.map { .string($0) }),
         "sensors": .number(Double(sensors)), "scanners": .number(Double(scanners)), "platform": platform.map { .string($0) } ?? .null]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(file: try r.string("file"), sha256: try r.string("sha256"), fridges: try r.strings("fridges"), sensors: try r.int("sensors"),
                  scanners: try r.int("scanners"), platform: try r.optionalString("platform"))
    }
}

/// `ledger.unrecorded`: what was lost while the ledger refused writes, written once it accepts them again.
public struct LedgerUnrecorded: EventBody {
    public static let type = EventType.ledgerUnrecorded
    public var typed: TypedEvent { .ledgerUnrecorded(self) }
    public var from: Date
    public var to: Date
    public var error: String
    /// Readings lost, per sensor.
    public var readings: [String: Int]
    /// Other events lost, per type.
    public var events: [String: Int]
    public init(from: Date, to: Date, error: String, readings: [String: Int], events: [String: Int]) {
        self.from = from; self.to = to; self.error = error; self.readings = readings; self.events = events
    }
    public var seconds: Double { max(0, to.timeIntervalSince(from)).rounded() }
    public var json: JSONValue {
        ["from": .string(RFC3339.format(from)), "to": .string(RFC3339.format(to)), "seconds": .number(seconds), "error": .string(error),
         "readings": .object(readings.mapValues { .number(Double($0)) }), "readings_total": .number(Double(readings.values.reduce(0, +))),
         "events": .object(events.mapValues { .number(Double($0)) })]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(from: try r.date("from"), to: try r.date("to"), error: try r.string("error"), readings: try r.counts("readings"),
                  events: try r.counts("events"))
    }
}

/// `clock.behind`: the system clock read earlier than the time the record had reached (at start, or after a step
/// back). Recording went on from `recorded` plus the steady time elapsed, so the ledger's times never go backwards.
public struct ClockBehind: EventBody {
    public static let type = EventType.clockBehind
    public var typed: TypedEvent { .clockBehind(self) }
    public var system: Date
    public var recorded: Date
    public init(system: Date, recorded: Date) { self.system = system; self.recorded = recorded }
    public var behindSeconds: Double { recorded.timeIntervalSince(system) }
    public var json: JSONValue {
        ["system": .string(RFC3339.format(system)), "recorded": .string(RFC3339.format(recorded)), "behind_s": .number(behindSeconds.rounded())]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(system: try r.date("system"), recorded: try r.date("recorded"))
    }
}

/// `clock.corrected`: the system clock stepped forward by `offset_s` past the record's time (NTP after a stale boot,
/// a forward jump) or came back into line after `clock.behind`; recording follows it again from here. Intervals
/// (excursion delays, no-data, alarm repeats) do not count the step.
public struct ClockCorrected: EventBody {
    public static let type = EventType.clockCorrected
    public var typed: TypedEvent { .clockCorrected(self) }
    public var offsetSeconds: Double
    public var system: Date
    public var previous: Date
    public init(offsetSeconds: Double, system: Date, previous: Date) {
        self.offsetSeconds = (offsetSeconds * 1000).rounded() / 1000; self.system = system; self.previous = previous
    }
    public var json: JSONValue {
        ["offset_s": .number(offsetSeconds), "system": .string(RFC3339.format(system)), "previous": .string(RFC3339.format(previous))]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(offsetSeconds: try r.double("offset_s"), system: try r.date("system"), previous: try r.date("previous"))
    }
}

/// `clock.ahead`: the system clock stepped further forward than the record follows blindly (beyond `clock.max_step`,
/// or while the kernel said it was not synchronised). Recording goes on from `recorded` plus the steady time elapsed
/// until the clock comes back or is confirmed (`clock.corrected`).
public struct ClockAhead: EventBody {
    public static let type = EventType.clockAhead
    public var typed: TypedEvent { .clockAhead(self) }
    public var system: Date
    public var recorded: Date
    public init(system: Date, recorded: Date) { self.system = system; self.recorded = recorded }
    public var aheadSeconds: Double { system.timeIntervalSince(recorded) }
    public var json: JSONValue {
        ["system": .string(RFC3339.format(system)), "recorded": .string(RFC3339.format(recorded)), "ahead_s": .number(aheadSeconds.rounded())]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(system: try r.date("system"), recorded: try r.date("recorded"))
    }
}

extension ClockStep {
    /// The event that records this step.
    public var body: any EventBody {
        switch self {
        case .behind(let system, let recorded): ClockBehind(system: system, recorded: recorded)
        case .ahead(let system, let recorded): ClockAhead(system: system, recorded: recorded)
        case .corrected(let offset, let system, let previous): ClockCorrected(offsetSeconds: offset, system: system, previous: previous)
        }
    }
}
