import ColdChain

/// One line of the `watch` stream: an event the gateway recorded, or one the ledger refused (no id, no seq).
public struct WatchLine: Codable, Sendable, Equatable {
    public var event: WatchEvent
    public init(event: WatchEvent) { self.event = event }
}

public struct WatchEvent: Codable, Sendable, Equatable {
    /// The platform's id of a recorded event.
    public var id: String?
    public var seq: Int64?
    public var at: String
    public var type: String
    /// The body as recorded (one definition: the event's type in ColdChain/Events reads it, `typed`).
    public var body: JSONValue
    public var recorded: Bool
    /// Why it was not recorded.
    public var error: String?
    /// What the gateway knows beside the record: a scanned product's name from the catalogue (`name`).
    public var notes: [String: String]?

    public init(id: String?, seq: Int64?, at: String, type: String, body: JSONValue, recorded: Bool, error: String?,
                notes: [String: String]? = nil) {
        self.id = id; self.seq = seq; self.at = at; self.type = type; self.body = body; self.recorded = recorded; self.error = error
        self.notes = notes
    }

    /// The body as its type; nil for a type this build does not know or a body that does not fit it.
    public var typed: TypedEvent? { (try? TypedEvent(type: type, body: body)) ?? nil }
}
