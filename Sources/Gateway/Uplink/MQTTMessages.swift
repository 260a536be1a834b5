import ColdChain
import FoundationEssentials
import Storage

/// What an MQTT uplink publishes for one ledger event, in the configured format. Each event is exactly one message
/// whose PUBACK moves the cursor; ThingsBoard's format may put a device's `v1/gateway/connect` before it (once per
/// device and connection, not counted).
struct MQTTMessages {
    struct Message: Equatable {
        var topic: String
        var payload: [UInt8]
    }

    let mqtt: GatewayConfig.MQTT
    let gateway: String
    /// ThingsBoard devices announced on this connection (a new connection announces them again).
    private(set) var connected: Set<String> = []

    init(_ mqtt: GatewayConfig.MQTT, gateway: String) {
        self.mqtt = mqtt; self.gateway = gateway
    }

    var eventsTopic: String { mqtt.eventsTopic(gateway: gateway) }
    var holdsTopic: String { mqtt.holdsTopic(gateway: gateway) }

    mutating func newConnection() { connected = [] }

    /// The messages for `e`: an announcement first when ThingsBoard has not yet heard of its device on this
    /// connection, and last the event's own message.
    mutating func messages(for e: LedgerEvent, now: Date) -> (announce: Message?, event: Message) {
        switch mqtt.format {
        case .native:
            return (nil, Message(topic: eventsTopic, payload: NativeFormat.event(e, gateway: gateway)))
        case .epcis:
            // One document per event: the message's PUBACK is then the event's, as the cursor needs.
            return (nil, Message(topic: eventsTopic, payload: Array(EPCISFormat.document([e], gateway: gateway, now: now))))
        case .thingsboard:
            let (device, payload) = ThingsBoard.telemetry(e, gateway: gateway)
            guard let device else { return (nil, Message(topic: ThingsBoard.ownTelemetry, payload: payload)) }
            var announce: Message?
            if !connected.contains(device) {
                connected.insert(device)
                announce = Message(topic: ThingsBoard.connect, payload: Array((["device": .string(device), "type": "fridge"] as JSONValue).serialized.utf8))
            }
            return (announce, Message(topic: ThingsBoard.telemetry, payload: payload))
        }
    }
}

/// ThingsBoard's gateway API (thingsboard.io/docs/reference/gateway-mqtt-api): each fridge is a device named
/// `GATEWAY/FRIDGE`, announced on `v1/gateway/connect`, its telemetry on `v1/gateway/telemetry` as
/// `{"DEVICE": [{"ts": ms, "values": {...}}]}` with the event's own time. Events of no fridge (power, the gateway's own)
/// are the gateway device's telemetry, `v1/devices/me/telemetry`.
///
/// ThingsBoard keeps one value per device, key and ts, so a message sent again overwrites itself: that is its
/// de-duplication. Keys are therefore chosen never to collide between different events of one device in the same
/// millisecond: a reading's keys name its sensor (`temperature.SENSOR`), an excursion's and an alarm's are their
/// own (`excursion`, `alarm`, ...), and any other event is one key, its type, holding its body.
enum ThingsBoard {
    static let connect = "v1/gateway/connect"
    static let telemetry = GatewayConfig.MQTT.thingsBoardTelemetry
    static let ownTelemetry = "v1/devices/me/telemetry"

    static func device(gateway: String, fridge: String) -> String { "\(gateway)/\(fridge)" }

    /// The device (nil: the gateway itself) and the telemetry message.
    static func telemetry(_ e: LedgerEvent, gateway: String) -> (String?, [UInt8]) {
        let body = e.bodyValue
        var values: [String: JSONValue] = [:]
        switch try? e.typed() {
        case .reading(let r)?:
            values["temperature.\(r.sensor)"] = .number(r.celsius)
            if let h = r.humidity { values["humidity.\(r.sensor)"] = .number(h) }
        case .excursionOpened(let x)?: excursion(x.excursion, "opened", into: &values)
        case .excursionPeak(let x)?: excursion(x.excursion, "peak", into: &values)
        case .excursionClosed(let x)?:
            excursion(x.excursion, "closed", into: &values)
            values["excursion_duration_s"] = .number(x.durationSeconds)
        case .alarmOpened(let a)?:
            values["alarm"] = "opened"; values["alarm_id"] = .number(Double(a.alarm)); values["alarm_cause"] = .string(a.cause.rawValue)
        case .alarmAcknowledged(let a)?:
            values["alarm"] = "acknowledged"; values["alarm_id"] = .number(Double(a.alarm))
            if let by = a.by { values["alarm_acknowledged_by"] = .string(by) }
        case .alarmClosed?:
            values["alarm"] = "closed"; values["alarm_id"] = body["alarm"] ?? .null
        default:
            values[e.type] = body
        }
        let point: JSONValue = ["ts": .number(Double(millis(e.at))), "values": .object(values)]
        guard let fridge = body["fridge"]?.stringValue else { return (nil, Array(point.serialized.utf8)) }
        let device = device(gateway: gateway, fridge: fridge)
        return (device, Array(JSONValue.object([device: [point]]).serialized.utf8))
    }

    static func excursion(_ x: ExcursionState, _ state: String, into values: inout [String: JSONValue]) {
        values["excursion"] = .string(state)
        values["excursion_id"] = .number(Double(x.id))
        values["excursion_side"] = .string(x.side.rawValue)
        values["excursion_sensor"] = .string(x.sensor)
        values["excursion_peak_c"] = .number(x.peakC)
    }

    static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
}
