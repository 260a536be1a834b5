import ColdChain

/// `check`: the manual check as recorded, with the probe it was compared with.
public struct CheckReply: Codable, Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var fridge: String
    public var celsius: Double
    public var by: String
    public var probeSensor: String?
    public var probeCelsius: Double?
    public var probeAt: String?
    public var differenceC: Double?
    public var flagged: Bool

    enum CodingKeys: String, CodingKey {
        case seq, at, fridge, celsius = "c", by, probeSensor = "probe_sensor", probeCelsius = "probe_c", probeAt = "probe_at"
        case differenceC = "difference_c", flagged
    }

    public init(seq: Int64, at: String, _ b: InspectionRecorded) {
        self.seq = seq; self.at = at; fridge = b.fridge; celsius = b.celsius; by = b.by
        probeSensor = b.probeSensor; probeCelsius = b.probeCelsius; probeAt = b.probeAt.map { RFC3339.format($0) }
        differenceC = b.difference; flagged = b.flagged
    }
}
