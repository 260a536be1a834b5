import FoundationEssentials

/// `reading`: one valid reading of a probe (°C to 0.01, relative humidity to 0.1 %).
public struct Reading: EventBody {
    public static let type = EventType.reading
    public var typed: TypedEvent { .reading(self) }
    public var sensor: String
    /// Absent only in bodies written by tests and tools before readings carried their fridge.
    public var fridge: String?
    public var celsius: Double
    public var humidity: Double?
    public init(sensor: String, fridge: String?, celsius: Double, humidity: Double?) {
        self.sensor = sensor; self.fridge = fridge; self.celsius = celsius; self.humidity = humidity
    }
    /// Rounds as recorded: the record keeps what a probe can resolve, not the float noise of its scaling.
    public static func measured(sensor: String, fridge: String, celsius: Double, humidity: Double?) -> Reading {
        Reading(sensor: sensor, fridge: fridge, celsius: (celsius * 100).rounded() / 100, humidity: humidity.map { ($0 * 10).rounded() / 10 })
    }
    /// The body's keys, also read by the ledger's readings index (Storage/LedgerSchema).
    public enum Key {
        public static let sensor = "sensor", fridge = "fridge", celsius = "c", humidity = "h"
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set(Key.sensor, sensor); w.set(Key.fridge, fridge); w.set(Key.celsius, celsius); w.set(Key.humidity, humidity)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(sensor: try r.string(Key.sensor), fridge: try r.optionalString(Key.fridge), celsius: try r.double(Key.celsius),
                  humidity: try r.optionalDouble(Key.humidity))
    }
}

/// `probe.fault`: the probe answered, with a value that means it is broken.
public struct ProbeFault: EventBody {
    public static let type = EventType.probeFault
    public var typed: TypedEvent { .probeFault(self) }
    public var sensor: String
    public var fridge: String
    public var reason: String
    public init(sensor: String, fridge: String, reason: String) { self.sensor = sensor; self.fridge = fridge; self.reason = reason }
    public var json: JSONValue { ["sensor": .string(sensor), "fridge": .string(fridge), "reason": .string(reason)] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(sensor: try r.string("sensor"), fridge: try r.string("fridge"), reason: try r.string("reason"))
    }
}

/// `sensor.no_data`: no valid reading since `since`, for longer than the rule's comm_loss_after.
public struct SensorNoData: EventBody {
    public static let type = EventType.sensorNoData
    public var typed: TypedEvent { .sensorNoData(self) }
    public var sensor: String
    public var fridge: String
    public var since: Date
    public init(sensor: String, fridge: String, since: Date) { self.sensor = sensor; self.fridge = fridge; self.since = since }
    public var json: JSONValue { ["sensor": .string(sensor), "fridge": .string(fridge), "since": .string(RFC3339.format(since))] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(sensor: try r.string("sensor"), fridge: try r.string("fridge"), since: try r.date("since"))
    }
}

/// `sensor.recovered`: valid readings again after `silentSeconds` without.
public struct SensorRecovered: EventBody {
    public static let type = EventType.sensorRecovered
    public var typed: TypedEvent { .sensorRecovered(self) }
    public var sensor: String
    public var fridge: String
    public var silentSeconds: Double
    public init(sensor: String, fridge: String, silentSeconds: Double) {
        self.sensor = sensor; self.fridge = fridge; self.silentSeconds = silentSeconds.rounded()
    }
    public var json: JSONValue { ["sensor": .string(sensor), "fridge": .string(fridge), "silent_s": .number(silentSeconds)] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(sensor: try r.string("sensor"), fridge: try r.string("fridge"), silentSeconds: try r.double("silent_s"))
    }
}

/// What every excursion event says of the excursion as it stands.
public struct ExcursionState: Sendable, Equatable {
    public var id: Int
    public var fridge: String
    public var sensor: String
    public var side: ExcursionSide
    public var rule: String
    public var limitC: Double
    public var start: Date
    public var minC: Double
    public var maxC: Double
    public var degreeMinutes: Double
    /// A power cut or an open door it started during; nil when neither (and in excursions recorded before causes).
    public var cause: ExcursionCause?

    public init(id: Int, fridge: String, sensor: String, side: ExcursionSide, rule: String, limitC: Double, start: Date,
                minC: Double, maxC: Double, degreeMinutes: Double, cause: ExcursionCause? = nil) {
        self.id = id; self.fridge = fridge; self.sensor = sensor; self.side = side; self.rule = rule; self.limitC = limitC
        self.start = start; self.minC = minC; self.maxC = maxC; self.degreeMinutes = degreeMinutes; self.cause = cause
    }

    /// From the monitor's excursion, rounded as recorded (0.01 °C, 0.1 °C·min).
    public init(_ e: Excursion, id: Int, fridge: String, cause: ExcursionCause? = nil) {
        func r(_ v: Double, _ places: Double = 100) -> Double { (v * places).rounded() / places }
        self.init(id: id, fridge: fridge, sensor: e.sensor, side: e.side, rule: e.rule, limitC: r(e.limitC), start: e.start,
                  minC: r(e.min), maxC: r(e.max), degreeMinutes: r(e.degreeMinutes, 10), cause: cause)
    }

    /// The temperature furthest out of range: the minimum of a low excursion, the maximum otherwise.
    public var peakC: Double { side == .low ? minC : maxC }

    /// The key of the excursion's id in every excursion event (the ledger's queries read it too).
    public enum Key { public static let id = "excursion" }

    /// The fields every excursion event writes (keyed as in the ledger).
    public var fields: [String: JSONValue] {
        var o: [String: JSONValue] = [
            Key.id: .number(Double(id)), "fridge": .string(fridge), "sensor": .string(sensor), "side": .string(side.rawValue),
            "rule": .string(rule), "limit_c": .number(limitC), "start": .string(RFC3339.format(start)), "min_c": .number(minC),
            "max_c": .number(maxC), "degree_minutes": .number(degreeMinutes)]
        if let cause { o["cause"] = .string(cause.rawValue) }
        return o
    }

    /// Reads what `fields` wrote (as every excursion event holds it).
    public init(fields: JSONValue) throws(EventBodyError) { try self.init(try BodyReader(fields, .excursionOpened)) }

    init(_ r: BodyReader) throws(EventBodyError) {
        self.init(id: try r.int(Key.id), fridge: try r.string("fridge"), sensor: try r.string("sensor"), side: try r.enumValue("side"),
                  rule: try r.string("rule"), limitC: try r.double("limit_c"), start: try r.date("start"), minC: try r.double("min_c"),
                  maxC: try r.double("max_c"), degreeMinutes: try r.double("degree_minutes"),
                  cause: r.has("cause") ? try r.enumValue("cause") as ExcursionCause : nil)
    }
}

/// `excursion.opened`: its rule held for its delay; `start` is back-dated to the first offending reading.
public struct ExcursionOpened: EventBody {
    public static let type = EventType.excursionOpened
    public var typed: TypedEvent { .excursionOpened(self) }
    public var excursion: ExcursionState
    public init(_ excursion: ExcursionState) { self.excursion = excursion }
    public var json: JSONValue { .object(excursion.fields) }
    public init(json: JSONValue) throws(EventBodyError) { self.init(try ExcursionState(try BodyReader(json, Self.type))) }
}

/// `excursion.peak`: a new extreme (each 0.5 °C beyond the last), `valueC` read at `at`.
public struct ExcursionPeak: EventBody {
    public static let type = EventType.excursionPeak
    public var typed: TypedEvent { .excursionPeak(self) }
    public var excursion: ExcursionState
    public var valueC: Double
    public var at: Date
    public init(_ excursion: ExcursionState, valueC: Double, at: Date) {
        self.excursion = excursion; self.valueC = (valueC * 100).rounded() / 100; self.at = at
    }
    public var json: JSONValue {
        var o = excursion.fields
        o["value_c"] = .number(valueC); o["at"] = .string(RFC3339.format(at))
        return .object(o)
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(try ExcursionState(r), valueC: try r.double("value_c"), at: try r.date("at"))
    }
}

/// `excursion.closed`: valid in-range readings again (past the hysteresis); its end and whole duration.
public struct ExcursionClosed: EventBody {
    public static let type = EventType.excursionClosed
    public var typed: TypedEvent { .excursionClosed(self) }
    public var excursion: ExcursionState
    public var end: Date
    public var durationSeconds: Double
    public init(_ excursion: ExcursionState, end: Date, durationSeconds: Double) {
        self.excursion = excursion; self.end = end; self.durationSeconds = durationSeconds.rounded()
    }
    public var json: JSONValue {
        var o = excursion.fields
        o["end"] = .string(RFC3339.format(end)); o["duration_s"] = .number(durationSeconds)
        return .object(o)
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(try ExcursionState(r), end: try r.date("end"), durationSeconds: try r.double("duration_s"))
    }
}

/// `alarm.opened`: an excursion or a silent sensor needs a person.
public struct AlarmOpened: EventBody {
    public static let type = EventType.alarmOpened
    public var typed: TypedEvent { .alarmOpened(self) }
    public var alarm: Int
    public var fridge: String
    public var sensor: String
    public var cause: AlarmCause
    public var excursion: Int?
    public init(alarm: Int, fridge: String, sensor: String, cause: AlarmCause, excursion: Int?) {
        self.alarm = alarm; self.fridge = fridge; self.sensor = sensor; self.cause = cause; self.excursion = excursion
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("alarm", alarm as Int?); w.set("fridge", fridge); w.set("sensor", sensor); w.set("cause", cause.rawValue)
        w.set("excursion", excursion)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(alarm: try r.int("alarm"), fridge: try r.string("fridge"), sensor: try r.string("sensor"), cause: try r.enumValue("cause"),
                  excursion: try r.optionalInt("excursion"))
    }
}

/// `alarm.acknowledged`: a person said what was done; their uid is recorded.
public struct AlarmAcknowledged: EventBody {
    public static let type = EventType.alarmAcknowledged
    public var typed: TypedEvent { .alarmAcknowledged(self) }
    public var alarm: Int
    public var fridge: String
    public var sensor: String
    public var note: String
    public var uid: Int
    /// Who acknowledged, by name (`ack --by`; else the account of `uid`): the record sheet shows a person, not a
    /// uid. Absent in events before it.
    public var by: String?
    public init(alarm: Int, fridge: String, sensor: String, note: String, uid: Int, by: String? = nil) {
        self.alarm = alarm; self.fridge = fridge; self.sensor = sensor; self.note = note; self.uid = uid; self.by = by
    }
    public var json: JSONValue {
        var o: [String: JSONValue] = ["alarm": .number(Double(alarm)), "fridge": .string(fridge), "sensor": .string(sensor), "note": .string(note),
                                      "uid": .number(Double(uid))]
        if let by { o["by"] = .string(by) }
        return .object(o)
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(alarm: try r.int("alarm"), fridge: try r.string("fridge"), sensor: try r.string("sensor"), note: try r.string("note"),
                  uid: try r.int("uid"), by: try r.optionalString("by"))
    }
}

/// `alarm.closed`: its cause ended.
public struct AlarmClosed: EventBody {
    public static let type = EventType.alarmClosed
    public var typed: TypedEvent { .alarmClosed(self) }
    public var alarm: Int
    public var fridge: String
    public var sensor: String
    public var reason: String
    public init(alarm: Int, fridge: String, sensor: String, reason: String) {
        self.alarm = alarm; self.fridge = fridge; self.sensor = sensor; self.reason = reason
    }
    public var json: JSONValue {
        ["alarm": .number(Double(alarm)), "fridge": .string(fridge), "sensor": .string(sensor), "reason": .string(reason)]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(alarm: try r.int("alarm"), fridge: try r.string("fridge"), sensor: try r.string("sensor"), reason: try r.string("reason"))
    }
}

/// `alarm.reminder`: sent to `alarm_command` every `repeat` while an alarm stays open; never recorded (the alarm's
/// own events are). It says the alarm as it stands.
public struct AlarmReminder: EventBody {
    public static let type = EventType.alarmReminder
    public var typed: TypedEvent { .alarmReminder(self) }
    public var alarm: Int
    public var fridge: String
    public var sensor: String
    public var cause: AlarmCause
    public var openedAt: Date
    public var acknowledged: Bool
    public var excursion: Int?
    public init(alarm: Int, fridge: String, sensor: String, cause: AlarmCause, openedAt: Date, acknowledged: Bool, excursion: Int?) {
        self.alarm = alarm; self.fridge = fridge; self.sensor = sensor; self.cause = cause; self.openedAt = openedAt
        self.acknowledged = acknowledged; self.excursion = excursion
    }
    // `id` (not `alarm`) and `opened_at`: the keys alarm_command has always been sent for a reminder.
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("id", alarm); w.set("fridge", fridge); w.set("sensor", sensor); w.set("cause", cause.rawValue); w.set("opened_at", openedAt)
        w.set("acknowledged", acknowledged); w.set("excursion", excursion)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(alarm: try r.int("id"), fridge: try r.string("fridge"), sensor: try r.string("sensor"), cause: try r.enumValue("cause"),
                  openedAt: try r.date("opened_at"), acknowledged: try r.bool("acknowledged"), excursion: try r.optionalInt("excursion"))
    }
}
