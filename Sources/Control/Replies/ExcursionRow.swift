import ColdChain

/// One excursion as `excursions` lists it: the fields its newest event wrote (one definition, `ExcursionState`),
/// with `id` for `excursion`, whether it is open, and its end and duration.
public struct ExcursionRow: Codable, Sendable, Equatable {
    public var excursion: ExcursionState
    public var open: Bool
    public var end: String?
    public var durationSeconds: Double

    public init(excursion: ExcursionState, open: Bool, end: String?, durationSeconds: Double) {
        self.excursion = excursion; self.open = open; self.end = end; self.durationSeconds = durationSeconds
    }

    enum Key: String, CodingKey { case id, state, end, durationSeconds = "duration_s" }

    public func encode(to encoder: Encoder) throws {
        var o = excursion.fields
        o["excursion"] = nil
        o[Key.id.rawValue] = .number(Double(excursion.id))
        o[Key.state.rawValue] = .string(open ? "open" : "closed")
        o[Key.end.rawValue] = end.map { .string($0) }
        o[Key.durationSeconds.rawValue] = .number(durationSeconds)
        var c = encoder.singleValueContainer()
        try c.encode(JSONValue.object(o))
    }

    public init(from decoder: Decoder) throws {
        let keyed = try decoder.container(keyedBy: Key.self)
        let id = try keyed.decode(Int.self, forKey: .id)
        let state = try keyed.decode(String.self, forKey: .state)
        guard state == "open" || state == "closed" else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: keyed, debugDescription: "'\(state)' is neither open nor closed")
        }
        open = state == "open"
        end = try keyed.decodeIfPresent(String.self, forKey: .end)
        durationSeconds = try keyed.decode(Double.self, forKey: .durationSeconds)
        guard case .object(var fields) = try decoder.singleValueContainer().decode(JSONValue.self) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: keyed, debugDescription: "not an object")
        }
        fields["excursion"] = .number(Double(id))
        excursion = try ExcursionState(fields: .object(fields))
    }
}
