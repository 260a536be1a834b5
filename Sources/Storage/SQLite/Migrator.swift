/// Named, append-only schema migrations, each applied once and recorded in `schema_migrations`.
///
/// A migration, once released, is never edited: a change to the schema is a new migration appended to the list.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public var name: String
        public var sql: String
        public init(_ name: String, _ sql: String) { self.name = name; self.sql = sql }
    }

    public var migrations: [Migration] = []
    public init(_ migrations: [Migration]) { self.migrations = migrations }

    /// Applies the migrations not yet recorded, each in its own transaction; returns the names applied.
    /// `willApply` hears each name first (one may read the whole file: seconds a year of history).
    @discardableResult
    public func migrate(_ db: Database, willApply: (String) -> Void = { _ in }) throws -> [String] {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)")
        let done = Set(try db.statement("SELECT name FROM schema_migrations").rows { $0.string(0) })
        let known = Set(migrations.map(\.name))
        if let unknown = done.subtracting(known).sorted().first {
            throw SQLiteError(code: 1, message: "the database was migrated by a newer version (it has migration '\(unknown)', unknown here); refusing to run an older gateway on it")
        }
        var applied: [String] = []
        for m in migrations where !done.contains(m.name) {
            if !done.isEmpty { willApply(m.name) }
            try db.transaction {
                try db.execute(m.sql)
                try db.statement("INSERT INTO schema_migrations(name, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
                    .execute([.text(m.name)])
            }
            applied.append(m.name)
        }
        return applied
    }
}
