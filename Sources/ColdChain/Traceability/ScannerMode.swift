/// What a scan means at a scanner: doses received into the fridge, given to patients, sent elsewhere, or destroyed.
/// Set in the config per scanner and switched by command cards; the raw value is what scan events record.
public enum ScannerMode: String, Sendable, CaseIterable, Codable {
    case `in`, out, transfer, discard

    /// Scans in this mode take doses out of stock (all but `in`).
    public var isOut: Bool { self != .in }

    /// What the mode's command card tells the nurse.
    public var meaning: String {
        switch self {
        case .in: "receive doses into the fridge"
        case .out: "doses given to patients"
        case .transfer: "doses sent elsewhere"
        case .discard: "doses destroyed (expired, damaged)"
        }
    }
}
