/// A delivery bill being received against: its lines by dose, which of them were scanned in, and what was scanned in
/// on no bill while it was open. Built from `bill.received` and the scans after it; gone at `bill.closed`.
public struct OpenBill: Sendable, Equatable {
    public var id: String
    public var sender: String
    public var date: String
    public var parts: Int
    public var partsReceived: Set<Int> = []
    public var lines: [String: BillReceived.Line] = [:]
    public var scanned: Set<String> = []
    /// Doses scanned in on no open bill while this one was open, in scan order.
    public var unexpected: [String] = []

    public init(id: String, sender: String, date: String, parts: Int) {
        self.id = id; self.sender = sender; self.date = date; self.parts = parts
    }

    /// Every part has arrived.
    public var isComplete: Bool { partsReceived.count == parts }
    /// The lines never scanned in, in the bill's order.
    public var missing: [String] { lines.values.filter { !scanned.contains($0.dose) }.sorted { $0.row < $1.row }.map(\.dose) }

    /// The event that ends receiving against it.
    public func closed(automatic: Bool, by: String?, note: String?, uid: Int?) -> BillClosed {
        BillClosed(bill: id, expected: lines.count, scanned: scanned.count, missing: missing, unexpected: unexpected, automatic: automatic,
                   by: by, note: note, uid: uid)
    }
}
