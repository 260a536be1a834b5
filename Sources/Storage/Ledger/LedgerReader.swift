import ColdChain
import FoundationEssentials

/// A read connection to the ledger, separate from the writer so queries never wait for commits (WAL).
/// Not Sendable: a reader is opened, used and closed where the query runs.
public final class LedgerReader {
    let db: Database

    public init(path: String) throws {
        db = try Database(path: path, options: .init(readOnly: true))
    }

    init(database: Database) { db = database }

    public func close() { db.close() }

    static func event(_ r: Row) -> LedgerEvent {
        LedgerEvent(seq: r.int(0), recordedAt: r.string(1), type: r.string(2), body: r.string(3), prevHash: r.string(4), hash: r.string(5))
    }

    /// Events after `seq`, in order, at most `limit`.
    public func events(after seq: Int64, limit: Int) throws -> [LedgerEvent] {
        try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .rows([.integer(seq), .integer(Int64(limit))], Self.event)
    }

    public func event(seq: Int64) throws -> LedgerEvent? {
        try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE seq = ?").first([.integer(seq)], Self.event)
    }

    /// Events of the given types, oldest first.
    public func events(types: [String], after seq: Int64 = 0, limit: Int = 1_000_000) throws -> [LedgerEvent] {
        let marks = types.map { _ in "?" }.joined(separator: ",")
        return try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE type IN (\(marks)) AND seq > ? ORDER BY seq LIMIT ?")
            .rows(types.map { .text($0) } + [.integer(seq), .integer(Int64(limit))], Self.event)
    }

    /// The newest `limit` events of the given types, oldest first.
    public func latest(types: [String], limit: Int) throws -> [LedgerEvent] {
        let marks = types.map { _ in "?" }.joined(separator: ",")
        return try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE type IN (\(marks)) ORDER BY seq DESC LIMIT ?")
            .rows(types.map { .text($0) } + [.integer(Int64(limit))], Self.event).reversed()
    }

    public func count() throws -> Int64 { try db.scalarInt("SELECT count(*) FROM events") ?? 0 }

    /// `PRAGMA integrity_check`: "ok", or SQLite's list of what is damaged.
    public func integrityCheck() throws -> String {
        try db.statement("PRAGMA integrity_check").rows { $0.string(0) }.joined(separator: "; ")
    }
}
