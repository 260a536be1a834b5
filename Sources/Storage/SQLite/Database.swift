import CSQLite
import FoundationEssentials

/// One SQLite connection. Not thread-safe, so not Sendable (as GRDB's `Database`): a connection is made and used on
/// one thread or serial queue; what crosses threads is its owner (`Ledger`, whose queue serializes it).
public final class Database {
    let handle: OpaquePointer
    public let path: String
    private var statements: [String: Statement] = [:]
    private var closed = false

    public struct Options: Sendable {
        public var readOnly = false
        /// `FULL` makes a commit durable before it returns (the ledger's rule); `NORMAL` for scratch databases.
        public var synchronous = "FULL"
        public var busyTimeoutMillis: Int32 = 5000
        /// SQLITE_OPEN_NOFOLLOW: a path that is a symbolic link is refused (a backup copy must never write through one).
        public var noFollow = false
        /// SQLite's `immutable=1`: no locks, no journal, no -shm: a file nobody writes (a copy on a stick, read-only
        /// media). Implies read-only.
        public var immutable = false
        public init(readOnly: Bool = false, synchronous: String = "FULL", noFollow: Bool = false, immutable: Bool = false) {
            self.readOnly = readOnly || immutable; self.synchronous = synchronous; self.noFollow = noFollow; self.immutable = immutable
        }
    }

    /// Opens (creating, unless read-only) the database at `path` in WAL mode.
    ///
    /// The corresponding C function is sqlite3_open_v2(3).
    public init(path: String, options: Options = Options()) throws {
        var db: OpaquePointer?
        let flags = (options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | (options.noFollow ? SQLITE_OPEN_NOFOLLOW : 0) | (options.immutable ? SQLITE_OPEN_URI : 0)
        // A URI's path is percent-encoded where SQLite would read '?', '#' or '%' as its own.
        let name = options.immutable ? "file:" + Self.uriPath(path) + "?immutable=1" : path
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError.from(rc, db, sql: nil)
            sqlite3_close_v2(db)
            throw SQLiteError(code: error.code, message: "cannot open \(path): \(error.message)")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMillis)
        if !options.readOnly {
            try execute("PRAGMA journal_mode=WAL")
        }
        try execute("PRAGMA synchronous=\(options.synchronous)")
    }

    static func uriPath(_ path: String) -> String {
        var out = ""
        for b in path.utf8 {
            switch b {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x20, 0x7F...:
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return out
    }

    /// Finalizes cached statements and closes the connection; safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    deinit { close() }

    /// Runs one or more SQL statements that return no rows we need.
    ///
    /// The corresponding C function is sqlite3_exec(3).
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A prepared statement for `sql`, prepared once and reused (statements are cached by their SQL text).
    public func statement(_ sql: String) throws -> Statement {
        if let s = statements[sql] { return s }
        let s = try Statement(database: self, sql: sql)
        statements[sql] = s
        return s
    }

    var statementCacheCount: Int { statements.count }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // The rollback's own failure (e.g. none active after SQLite rolled back by itself) must not hide the cause.
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The single value of a one-row, one-column query.
    public func scalarInt(_ sql: String, _ values: [Statement.Value] = []) throws -> Int64? {
        try statement(sql).first(values) { $0.isNull(0) ? nil : $0.int(0) } ?? nil
    }

    public func scalarString(_ sql: String, _ values: [Statement.Value] = []) throws -> String? {
        try statement(sql).first(values) { $0.optionalString(0) } ?? nil
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
}
