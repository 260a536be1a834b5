import ColdChain

/// An event as a command recorded it (`check`, `backup now`): the body's own keys (one definition, its type), its
/// `seq` and `at`, and `notes`, facts beside the record that are not part of it.
public struct Recorded<Body: EventBody>: Codable, Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var body: Body
    public var notes: [String: String]

    public init(seq: Int64, at: String, body: Body, notes: [String: String] = [:]) {
        self.seq = seq; self.at = at; self.body = body; self.notes = notes
    }

    enum Key: String, CodingKey { case seq, at, notes }

    public func encode(to encoder: Encoder) throws {
        var o = body.json.objectValue ?? [:]
        o[Key.seq.rawValue] = .number(Double(seq))
        o[Key.at.rawValue] = .string(at)
        if !notes.isEmpty { o[Key.notes.rawValue] = .object(notes.mapValues { .string($0) }) }
        var c = encoder.singleValueContainer()
        try c.encode(JSONValue.object(o))
    }

    public init(from decoder: Decoder) throws {
        let keyed = try decoder.container(keyedBy: Key.self)
        seq = try keyed.decode(Int64.self, forKey: .seq)
        at = try keyed.decode(String.self, forKey: .at)
        notes = try keyed.decodeIfPresent([String: String].self, forKey: .notes) ?? [:]
        body = try Body(json: try decoder.singleValueContainer().decode(JSONValue.self))
    }
}

/// `check`: the manual check as recorded.
public typealias CheckReply = Recorded<InspectionRecorded>

/// `backup now`: the copy as recorded; `notes["set_aside"]` and `["set_aside_reason"]` when a copy that did not match
/// the ledger was moved aside first.
public typealias BackupReply = Recorded<BackupCompleted>
