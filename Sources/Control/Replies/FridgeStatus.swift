import ColdChain

/// `fridges` (and part of `status`): a fridge's worst sensor state, last temperature, sensors and open alarms.
public struct FridgeStatus: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var state: SensorState
    public var alarmRule: String
    public var sensors: [SensorStatus]
    public var alarms: [AlarmSummary]
    /// The newest reading of any of its sensors.
    public var celsius: Double?
    public var at: String?
    /// True when a sensor's newest reading is older than half its `comm_loss_after` while its state still says ok
    /// or warning: the value shown may no longer be the fridge's. Absent otherwise.
    public var stale: Bool?

    enum CodingKeys: String, CodingKey { case id, name, state, sensors, alarms, at, stale, alarmRule = "alarm_rule", celsius = "c" }

    public init(id: String, name: String, state: SensorState, alarmRule: String, sensors: [SensorStatus], alarms: [AlarmSummary],
                celsius: Double?, at: String?, stale: Bool? = nil) {
        self.id = id; self.name = name; self.state = state; self.alarmRule = alarmRule; self.sensors = sensors; self.alarms = alarms
        self.celsius = celsius; self.at = at; self.stale = stale
    }

    /// The state a person is shown: `stale` over ok or warning.
    public var shownState: String { stale == true ? "stale" : state.rawValue }
}

public struct SensorStatus: Codable, Sendable, Equatable {
    public var id: String
    public var state: SensorState
    public var bus: String
    public var unit: Int
    public var celsius: Double?
    public var humidity: Double?
    public var at: String?
    /// The last probe fault, until a good reading.
    public var fault: String?
    /// As the fridge's `stale`, for this sensor.
    public var stale: Bool?

    enum CodingKeys: String, CodingKey { case id, state, bus, unit, at, fault, stale, celsius = "c", humidity = "h" }

    public init(id: String, state: SensorState, bus: String, unit: Int, celsius: Double?, humidity: Double?, at: String?, fault: String?,
                stale: Bool? = nil) {
        self.id = id; self.state = state; self.bus = bus; self.unit = unit; self.celsius = celsius; self.humidity = humidity
        self.at = at; self.fault = fault; self.stale = stale
    }

    public var shownState: String { stale == true ? "stale" : state.rawValue }
}

/// An open alarm as `status`, `fridges` and `alarm_command`'s reminder show it.
public struct AlarmSummary: Codable, Sendable, Equatable {
    public var id: Int
    public var fridge: String
    public var sensor: String
    public var cause: AlarmCause
    public var openedAt: String
    public var acknowledged: Bool
    public var excursion: Int?

    enum CodingKeys: String, CodingKey { case id, fridge, sensor, cause, acknowledged, excursion, openedAt = "opened_at" }

    public init(id: Int, fridge: String, sensor: String, cause: AlarmCause, openedAt: String, acknowledged: Bool, excursion: Int?) {
        self.id = id; self.fridge = fridge; self.sensor = sensor; self.cause = cause; self.openedAt = openedAt
        self.acknowledged = acknowledged; self.excursion = excursion
    }
}
