import ColdChain

extension LedgerReader {
    /// The scan that put each dose now in stock into its fridge, oldest first: what the scan hub restores at start
    /// (from the `stock` table; the cost is what is in the fridges, not every scan ever recorded).
    public func stockScans() throws -> [LedgerEvent] {
        try db.statement("""
            SELECT e.seq, e.at, e.type, e.body, e.prev_hash, e.hash FROM stock s JOIN events e ON e.seq = s.seq ORDER BY e.seq
            """).rows([], Self.event)
    }

    /// Whether `dose` has ever been taken out of a fridge (by the dose index). With the dose not in stock, it is
    /// what makes a scan-out `already_out` rather than `not_in_stock`.
    public func hasGoneOut(dose: String) throws -> Bool {
        try db.statement("""
            SELECT 1 FROM events
            WHERE \(LedgerSchema.scanDose) = ? AND type = '\(LedgerSchema.scanType)'
                  AND json_extract(body, '$.\(Scan.Key.moved)') AND json_extract(body, '$.\(Scan.Key.direction)') IS NOT '\(Scan.Key.into)'
            LIMIT 1
            """).first([.text(dose)]) { _ in true } ?? false
    }

    /// The last two scans that moved `dose`, oldest first (by the dose index): its last stay, from the scan that
    /// brought it in to the one that took it out. What a scan-in of a dose not in stock asks: how it left.
    public func lastMovements(dose: String) throws -> [LedgerEvent] {
        try db.statement("""
            SELECT seq, at, type, body, prev_hash, hash FROM events
            WHERE \(LedgerSchema.scanDose) = ? AND type = '\(LedgerSchema.scanType)' AND json_extract(body, '$.\(Scan.Key.moved)')
            ORDER BY seq DESC LIMIT 2
            """).rows([.text(dose)], Self.event).reversed()
    }
}
