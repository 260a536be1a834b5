import CSQLite

// SQLite copies bound text at once with this destructor, so Swift strings may be freed right after binding.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Finalized in deinit; owned by the `Database` that prepared it.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    unowned let database: Database

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw SQLiteError.from(rc, database.handle, sql: sql) }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Values a statement binds, in order of `?` placeholders.
    public enum Value: Sendable, Equatable {
        case null, integer(Int64), real(Double), text(String), blob([UInt8])
    }

    func bind(_ values: [Value]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let n): rc = sqlite3_bind_int64(handle, index, n)
            case .real(let d): rc = sqlite3_bind_double(handle, index, d)
            case .text(let s): rc = sqlite3_bind_text(handle, index, s, -1, SQLITE_TRANSIENT)
            case .blob(let b): rc = b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32(b.count), SQLITE_TRANSIENT) }
            }
            guard rc == SQLITE_OK else { throw SQLiteError.from(rc, database.handle, sql: sql) }
        }
    }

    /// Binds an integer to the `index`-th placeholder (1-based); for hot paths that skip `Value` arrays.
    public func bind(_ index: Int32, _ value: Int64) throws {
        let rc = sqlite3_bind_int64(handle, index, value)
        guard rc == SQLITE_OK else { throw SQLiteError.from(rc, database.handle, sql: sql) }
    }

    /// Binds text to the `index`-th placeholder (1-based); SQLite copies it.
    public func bind(_ index: Int32, _ text: String) throws {
        var s = text
        let rc = s.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        guard rc == SQLITE_OK else { throw SQLiteError.from(rc, database.handle, sql: sql) }
    }

    /// Steps a statement bound with `bind(_:_:)` to completion and resets it for the next use.
    public func executeBound() throws {
        defer { sqlite3_reset(handle) }
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { return }
            if rc != SQLITE_ROW { throw SQLiteError.from(rc, database.handle, sql: sql) }
        }
    }

    /// Runs the statement to completion, for INSERT, UPDATE and DDL.
    public func execute(_ values: [Value] = []) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { return }
            if rc != SQLITE_ROW { throw SQLiteError.from(rc, database.handle, sql: sql) }
        }
    }

    /// Runs a query and hands each row to `body`; rows are valid only inside the call.
    public func forEachRow(_ values: [Value] = [], _ body: (Row) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw SQLiteError.from(rc, database.handle, sql: sql) }
            try body(Row(handle: handle))
        }
    }

    /// The rows of a query, each mapped by `transform`.
    public func rows<T>(_ values: [Value] = [], _ transform: (Row) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEachRow(values) { out.append(try transform($0)) }
        return out
    }

    /// The first row of a query, mapped, or nil.
    public func first<T>(_ values: [Value] = [], _ transform: (Row) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw SQLiteError.from(rc, database.handle, sql: sql) }
        return try transform(Row(handle: handle))
    }
}

/// One result row, read by column index.
public struct Row {
    let handle: OpaquePointer
    public func int(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    public func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }
    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    public func string(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(handle, i) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
    public func optionalString(_ i: Int32) -> String? { isNull(i) ? nil : string(i) }
}
