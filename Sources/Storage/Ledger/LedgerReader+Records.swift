import ColdChain
import FoundationEssentials

extension LedgerReader {
    /// The newest event recorded before `t` (by its time; events are appended in time order), by binary search on
    /// the sequence number: about 22 reads at five years, whatever the ledger's age.
    public func lastEvent(before t: Date) throws -> (seq: Int64, hash: String)? {
        let stamp = RFC3339.format(t)
        let at = try db.statement("SELECT at, hash FROM events WHERE seq = ?")
        guard var hi = try db.scalarInt("SELECT max(seq) FROM events"), hi >= 1 else { return nil }
        var lo: Int64 = 0   // invariant: event lo is before t (0: none), events after hi are not
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            // A missing row (a gap in the sequence) counts as "not before", so the search stays total.
            let before = try at.first([.integer(mid)]) { $0.string(0) < stamp } ?? false
            if before { lo = mid } else { hi = mid - 1 }
        }
        guard lo >= 1 else { return nil }
        return try at.first([.integer(lo)]) { (lo, $0.string(1)) }
    }

    /// The newest event of each excursion (opened, peak or closed: it says how the excursion stands), oldest
    /// excursion first. SQLite picks them, so only one body per excursion is decoded, however many peaks it had.
    public func latestExcursionEvents() throws -> [LedgerEvent] {
        try latestEvents(types: [EventType.excursionOpened, .excursionPeak, .excursionClosed], per: ExcursionState.Key.id)
    }

    /// The newest event of the given types for each value of the body's `key` (an excursion's id, a door's input,
    /// a power source), oldest first: what each one last said, through the type index, whatever the ledger's age.
    public func latestEvents(types: [EventType], per key: String) throws -> [LedgerEvent] {
        let marks = types.map { _ in "?" }.joined(separator: ",")
        return try db.statement("""
            SELECT seq, at, type, body, prev_hash, hash FROM events WHERE seq IN (
                SELECT max(seq) FROM events WHERE type IN (\(marks)) AND json_valid(body)
                GROUP BY json_extract(body, ?))
            ORDER BY seq
            """).rows(types.map { .text($0.rawValue) } + [.text("$." + key)], Self.event)
    }

    /// Events of the given types with sequence numbers in `seqs`, oldest first, through the type index.
    public func events(types: [String], in seqs: ClosedRange<Int64>) throws -> [LedgerEvent] {
        let marks = types.map { _ in "?" }.joined(separator: ",")
        return try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE type IN (\(marks)) AND seq BETWEEN ? AND ? ORDER BY seq")
            .rows(types.map { .text($0) } + [.integer(seqs.lowerBound), .integer(seqs.upperBound)], Self.event)
    }
}
