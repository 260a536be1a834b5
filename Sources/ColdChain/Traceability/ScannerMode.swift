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

    /// The same for the nurse, in Chinese: the card's large words.
    public var chineseMeaning: String {
        switch self {
        case .in: "入库：疫苗放入冰箱"
        case .out: "接种：疫苗已使用"
        case .transfer: "调出：疫苗送往他处"
        case .discard: "报废：疫苗销毁（过期、损坏）"
        }
    }
}
