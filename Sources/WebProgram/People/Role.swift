/// What a person may do on the web screen, each role including the one before it.
enum Role: String, CaseIterable, Sendable, Comparable {
    /// Sees the pages.
    case viewer
    /// Also uses the desk page.
    case nurse
    /// Also acknowledges alarms, records checks, assesses excursions, runs a backup and the notify tests.
    case technician

    static func < (a: Role, b: Role) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    var chinese: String {
        switch self {
        case .viewer: "查看"
        case .nurse: "护士"
        case .technician: "技术员"
        }
    }
}
