import CSQLite

/// A failed SQLite call: the result code, SQLite's own message, and the SQL that was running, if any.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_FULL`, `SQLITE_CONSTRAINT_TRIGGER`, ...).
    public var code: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code; self.message = message; self.sql = sql
    }

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { code & 0xff }
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }

    public var description: String {
        let name = String(cString: sqlite3_errstr(code))
        var text = "SQLite error \(code) (\(name)): \(message)"
        if let sql { text += " — while running: \(sql)" }
        return text
    }

    /// Builds the error for `code` from the connection's last message.
    static func from(_ code: Int32, _ db: OpaquePointer?, sql: String? = nil) -> SQLiteError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        return SQLiteError(code: extended, message: message, sql: sql)
    }
}
