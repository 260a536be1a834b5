import FoundationEssentials

/// What a power source said when its state changed: which source, the fridge it feeds (a mains input may name one;
/// a UPS feeds them all), and what a UPS reported (its raw `ups.status`, battery charge in %, runtime in seconds).
public struct PowerFacts: Sendable, Equatable {
    /// "ups:NAME" for a UPS through NUT, "input:ID" for a mains-present input.
    public var source: String
    public var fridge: String?
    public var status: String?
    public var charge: Double?
    public var runtimeSeconds: Double?
    public init(source: String, fridge: String? = nil, status: String? = nil, charge: Double? = nil, runtimeSeconds: Double? = nil) {
        self.source = source; self.fridge = fridge; self.status = status; self.charge = charge; self.runtimeSeconds = runtimeSeconds
    }

    /// The body key every power event names its source by (the ledger's restore groups by it).
    public enum Key { public static let source = "source" }

    var writer: BodyWriter {
        var w = BodyWriter()
        w.set(Key.source, source); w.set("fridge", fridge); w.set("ups_status", status); w.set("charge", charge)
        w.set("runtime_s", runtimeSeconds)
        return w
    }

    init(_ r: BodyReader) throws(EventBodyError) {
        self.init(source: try r.string(Key.source), fridge: try r.optionalString("fridge"), status: try r.optionalString("ups_status"),
                  charge: try r.optionalDouble("charge"), runtimeSeconds: try r.optionalDouble("runtime_s"))
    }
}

/// `power.lost`: mains power is off (a UPS on battery, `OB`; a mains input off). GSP appendix 3 art. 6 asks for an
/// alarm on a power interruption, not only on temperature.
public struct PowerLost: EventBody {
    public static let type = EventType.powerLost
    public var typed: TypedEvent { .powerLost(self) }
    public var facts: PowerFacts
    public init(_ facts: PowerFacts) { self.facts = facts }
    public var json: JSONValue { facts.writer.json }
    public init(json: JSONValue) throws(EventBodyError) { self.init(try PowerFacts(try BodyReader(json, Self.type))) }
}

/// `power.restored`: mains power is back (`OL`), after `off_s` seconds without it.
public struct PowerRestored: EventBody {
    public static let type = EventType.powerRestored
    public var typed: TypedEvent { .powerRestored(self) }
    public var facts: PowerFacts
    public var offSeconds: Double
    public init(_ facts: PowerFacts, offSeconds: Double) { self.facts = facts; self.offSeconds = max(0, offSeconds.rounded()) }
    public var json: JSONValue {
        var w = facts.writer
        w.set("off_s", offSeconds)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(try PowerFacts(r), offSeconds: try r.double("off_s"))
    }
}

/// `power.battery_low`: the UPS says its battery is low (`LB`): the gateway expects to go down, so the gap that
/// follows in the record is explained (the next start's `gateway.gap` says `previous_end: "battery_low"`).
public struct PowerBatteryLow: EventBody {
    public static let type = EventType.powerBatteryLow
    public var typed: TypedEvent { .powerBatteryLow(self) }
    public var facts: PowerFacts
    public init(_ facts: PowerFacts) { self.facts = facts }
    public var json: JSONValue {
        var w = facts.writer
        w.set("expect_down", true)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) { self.init(try PowerFacts(try BodyReader(json, Self.type))) }
}

/// `power.unknown`: the power source cannot be read (upsd unreachable, the UPS's driver lost, the input's bus
/// down): the record says so rather than stay silent.
public struct PowerUnknown: EventBody {
    public static let type = EventType.powerUnknown
    public var typed: TypedEvent { .powerUnknown(self) }
    public var source: String
    public var error: String
    public init(source: String, error: String) { self.source = source; self.error = error }
    public var json: JSONValue { [PowerFacts.Key.source: .string(source), "error": .string(error)] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(source: try r.string(PowerFacts.Key.source), error: try r.string("error"))
    }
}

/// `power.known`: the source can be read again after `power.unknown`, with its state (`online`, `on_battery`) and
/// how long it was unknown. A change during that time follows as its own `power.lost` or `power.restored`.
public struct PowerKnown: EventBody {
    public static let type = EventType.powerKnown
    public var typed: TypedEvent { .powerKnown(self) }
    public var facts: PowerFacts
    public var online: Bool
    public var unknownSeconds: Double
    public init(_ facts: PowerFacts, online: Bool, unknownSeconds: Double) {
        self.facts = facts; self.online = online; self.unknownSeconds = max(0, unknownSeconds.rounded())
    }
    public var json: JSONValue {
        var w = facts.writer
        w.set("online", online); w.set("unknown_s", unknownSeconds)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(try PowerFacts(r), online: try r.bool("online"), unknownSeconds: try r.double("unknown_s"))
    }
}

/// `door.opened`: a fridge's door switch (a Modbus input, debounced) says open.
public struct DoorOpened: EventBody {
    public static let type = EventType.doorOpened
    public var typed: TypedEvent { .doorOpened(self) }
    public var input: String
    public var fridge: String
    public init(input: String, fridge: String) { self.input = input; self.fridge = fridge }
    /// The body key every door event names its input by (the ledger's restore groups by it).
    public enum Key { public static let input = "input" }
    public var json: JSONValue { [Key.input: .string(input), "fridge": .string(fridge)] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(input: try r.string(Key.input), fridge: try r.string("fridge"))
    }
}

/// `door.closed`: the door is shut again after `open_s` seconds.
public struct DoorClosed: EventBody {
    public static let type = EventType.doorClosed
    public var typed: TypedEvent { .doorClosed(self) }
    public var input: String
    public var fridge: String
    public var openSeconds: Double
    public init(input: String, fridge: String, openSeconds: Double) {
        self.input = input; self.fridge = fridge; self.openSeconds = max(0, openSeconds.rounded())
    }
    public var json: JSONValue {
        [DoorOpened.Key.input: .string(input), "fridge": .string(fridge), "open_s": .number(openSeconds)]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(input: try r.string(DoorOpened.Key.input), fridge: try r.string("fridge"), openSeconds: try r.double("open_s"))
    }
}
