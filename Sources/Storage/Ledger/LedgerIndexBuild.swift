import ColdChain

/// Fills a derived index over events written before the index existed (a ledger from an older gateway), in
/// steps of `step` events, each its own transaction, with progress: an interrupted build resumes where it stopped.
/// New events are indexed by the trigger from the moment the migration ran, so the build covers `upto` at most.
enum LedgerIndexBuild {
    static let step: Int64 = 250_000

    static func run(_ db: Database, progress: (String) -> Void) throws {
        let pending: (Int64, Int64)? = try db.statement("SELECT done, upto FROM index_build WHERE name = 'readings'")
            .first([]) { row in (row.int(0), row.int(1)) }
        guard let (done, upto) = pending else { return }
        var at = done
        if at < upto { progress("ledger: building the readings index over \(upto) events (once, after an upgrade)") }
        let fill = try db.statement("""
            INSERT OR IGNORE INTO readings(\(LedgerSchema.readingColumns))
            SELECT \(LedgerSchema.readingValues(seq: "seq", at: "at", body: "body"))
            FROM events WHERE type = '\(LedgerSchema.readingType)' AND seq > ? AND seq <= ? AND json_valid(body)
            """)
        let mark = try db.statement("UPDATE index_build SET done = ? WHERE name = 'readings'")
        while at < upto {
            let next = min(at + step, upto)
            try db.transaction {
                try fill.execute([.integer(at), .integer(next)])
                try mark.execute([.integer(next)])
            }
            at = next
            let percent = at * 100 / max(upto, 1)
            progress("ledger: readings index \(percent)% (\(at) of \(upto) events)")
        }
        try db.execute("DELETE FROM index_build WHERE name = 'readings'")
    }
}
