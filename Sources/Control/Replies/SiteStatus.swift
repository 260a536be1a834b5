import ColdChain

/// A power source in `status`: a UPS through NUT or a mains input.
public struct PowerStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case online, onBattery = "on_battery", unknown }
    public var source: String
    public var state: State
    /// Since when it is in this state (or unknown); nil before the first read.
    public var since: String?
    public var batteryLow: Bool
    public var charge: Double?
    public var runtimeSeconds: Double?
    /// Why it cannot be read, while unknown.
    public var error: String?
    /// The last state known, while unknown.
    public var lastKnown: State?

    enum CodingKeys: String, CodingKey {
        case source, state, since, charge, error
        case batteryLow = "battery_low", runtimeSeconds = "runtime_s", lastKnown = "last_known"
    }

    public init(source: String, state: State, since: String?, batteryLow: Bool, charge: Double?, runtimeSeconds: Double?,
                error: String?, lastKnown: State?) {
        self.source = source; self.state = state; self.since = since; self.batteryLow = batteryLow; self.charge = charge
        self.runtimeSeconds = runtimeSeconds; self.error = error; self.lastKnown = lastKnown
    }
}

/// A door switch in `status`.
public struct DoorStatus: Codable, Sendable, Equatable {
    public var input: String
    public var fridge: String
    /// Nil until its first debounced read.
    public var open: Bool?
    public var since: String?
    public init(input: String, fridge: String, open: Bool?, since: String?) {
        self.input = input; self.fridge = fridge; self.open = open; self.since = since
    }
}
