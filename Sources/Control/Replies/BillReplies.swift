import ColdChain

/// `receive import`: what one part of a bill did.
public struct BillPartReply: Codable, Sendable, Equatable {
    public var bill: String
    public var part: Int
    public var parts: Int
    /// Lines recorded from this part.
    public var recorded: Int
    /// This part was on record already (the import was sent again): nothing new was written.
    public var alreadyRecorded: Bool
    /// Lines the gateway refused, with their rows and why (on another open bill, a bad code).
    public var refused: [Catalogue.Refusal]
    public var seq: Int64?

    enum CodingKeys: String, CodingKey { case bill, part, parts, recorded, alreadyRecorded = "already_recorded", refused, seq }
    public init(bill: String, part: Int, parts: Int, recorded: Int, alreadyRecorded: Bool, refused: [Catalogue.Refusal], seq: Int64?) {
        self.bill = bill; self.part = part; self.parts = parts; self.recorded = recorded; self.alreadyRecorded = alreadyRecorded
        self.refused = refused; self.seq = seq
    }
}

extension Catalogue.Refusal: Codable {
    enum CodingKeys: String, CodingKey { case row, reason }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(row: try c.decode(Int.self, forKey: .row), reason: try c.decode(String.self, forKey: .reason))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(row, forKey: .row); try c.encode(reason, forKey: .reason)
    }
}

/// `receive status`: one open bill as it stands.
public struct BillStatus: Codable, Sendable, Equatable {
    public var bill: String
    public var sender: String
    public var date: String
    public var parts: Int
    public var partsReceived: Int
    public var expected: Int
    public var scanned: Int
    public var missing: Int
    public var unexpected: Int
    /// The first of each, in the bill's order and the scans' (at most `listed`).
    public var missingDoses: [String]
    public var unexpectedDoses: [String]
    public static let listed = 50

    enum CodingKeys: String, CodingKey {
        case bill, sender, date, parts, expected, scanned, missing, unexpected
        case partsReceived = "parts_received", missingDoses = "missing_doses", unexpectedDoses = "unexpected_doses"
    }
    public init(_ b: OpenBill) {
        bill = b.id; sender = b.sender; date = b.date; parts = b.parts; partsReceived = b.partsReceived.count; expected = b.lines.count
        scanned = b.scanned.count
        let m = b.missing
        missing = m.count; unexpected = b.unexpected.count
        missingDoses = Array(m.prefix(Self.listed)); unexpectedDoses = Array(b.unexpected.prefix(Self.listed))
    }
}

/// `receive close`: the bill's closing, as recorded.
public typealias BillClosedReply = Recorded<BillClosed>
