import ColdChain
import Dispatch
import Glibc
import FoundationEssentials
import Synchronization

/// The append-only, hash-chained event ledger, with one writer.
///
/// Appends from any thread or task are queued and written by one serial queue. Whatever has queued up while the
/// previous commit was syncing goes into the next transaction together (group commit), so each append still
/// returns only once its event is durable (`synchronous=FULL`) without paying one fsync per event.
public final class Ledger: @unchecked Sendable {
    // `db` and `head` are touched only on `queue`; `pending` and `published` are guarded by their mutexes.
    private let queue = DispatchQueue(label: "coldchain.ledger.writer")
    private let db: Database
    private var head: (seq: Int64, hash: String)
    /// The newest event's time: no event is stamped earlier (see `write`).
    private var headAt: Date
    private let pending = Mutex<[Request]>([])
    private let published: Mutex<Int64>
    /// Told after each commit, on the writer's queue: they must only signal (the MQTT uplink's wake-up), never block.
    private let appendObservers = Mutex<[@Sendable () -> Void]>([])
    private let isClosed = Mutex(false)
    private let failure = Mutex<LedgerWriteFailure?>(nil)
    /// The uplink cursor as last written: read by `status` and `outbox` without the writer's queue, which may be
    /// in an fsync (a `status` waited 200 ms behind a 300 ms fsync for it).
    private let cursor: Mutex<(seq: Int64, hash: String?, unreadable: String?)>
    public let path: String

    /// Most events written in one transaction, so one commit never holds a caller for long.
    static let maxGroup = 5000

    struct Request {
        var events: [NewEvent]
        var done: @Sendable (Result<[LedgerEvent], Error>) -> Void
    }

    /// Opens (creating and migrating) the ledger at `path`; a derived index an upgrade added is filled before it
    /// returns, with `progress` told each step (once per upgrade: minutes on years of history).
    public init(path: String, progress: (String) -> Void = { _ in }) throws {
        self.path = path
        // Created 0640 before SQLite sees it: SQLite would make it 0644 (less the umask), and gives the -wal and
        // -shm files the mode of the database file. Under systemd the unit's UMask does the same; by hand it did not.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        if fd >= 0 { Glibc.close(fd) }
        db = try Database(path: path)
        try LedgerSchema.migrator.migrate(db) { progress("ledger: upgrading the file (\($0))") }
        try LedgerIndexBuild.run(db, progress: progress)
        let last = try db.statement("SELECT seq, hash, at FROM events ORDER BY seq DESC LIMIT 1").first { ($0.int(0), $0.string(1), $0.string(2)) }
        head = last.map { ($0.0, $0.1) } ?? (0, LedgerHash.genesis)
        headAt = last.flatMap { RFC3339.parse($0.2) } ?? .distantPast
        published = Mutex(head.seq)
        // An unreadable cursor is not a reason to refuse to record: the uplink stops on it and says why (read as 0
        // it would mean "send everything again").
        do {
            let c = try db.statement("SELECT seq, hash FROM uplink_cursor WHERE id = 1").first { ($0.int(0), $0.optionalString(1)) }
            cursor = Mutex((c?.0 ?? 0, c?.1, nil))
        } catch {
            cursor = Mutex((0, nil, "\(error)"))
        }
    }

    /// The sequence number of the newest durable event (0 when empty).
    public var headSequence: Int64 { published.withLock { $0 } }

    /// Calls `observer` after every commit of new events, on the writer's queue; it must return at once (signal a
    /// waiting task, no I/O). One per reader that follows the ledger (the MQTT uplink), for the ledger's life.
    public func onAppend(_ observer: @escaping @Sendable () -> Void) {
        appendObservers.withLock { $0.append(observer) }
    }

    /// Set while appends fail (disk full, I/O error), from the first failure on; cleared by the next success.
    public var writeFailure: LedgerWriteFailure? { failure.withLock { $0 } }

    private func noteFailure(_ error: Error, at: Date) {
        failure.withLock { f in
            if f == nil { f = LedgerWriteFailure(since: at, error: error) } else { f?.error = LedgerWriteFailure.describe(error) }
        }
    }

    /// Appends one event; returns once it is durable.
    @discardableResult
    public func append(_ event: NewEvent) async throws -> LedgerEvent {
        try await append(contentsOf: [event])[0]
    }

    /// Appends events as one contiguous run of sequence numbers; returns once all are durable.
    @discardableResult
    public func append(contentsOf events: [NewEvent]) async throws -> [LedgerEvent] {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[LedgerEvent], Error>) in
            enqueue(Request(events: events, done: { c.resume(with: $0) }))
        }
    }

    /// The blocking form of `append`, for threads that are not async (bus pollers, the crash test's child).
    @discardableResult
    public func appendBlocking(_ events: [NewEvent]) throws -> [LedgerEvent] {
        let result = Mutex<Result<[LedgerEvent], Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        enqueue(Request(events: events, done: { r in result.withLock { $0 = r }; done.signal() }))
        done.wait()
        return try result.withLock { $0! }.get()
    }

    private func enqueue(_ request: Request) {
        if isClosed.withLock({ $0 }) {
            request.done(.failure(SQLiteError(code: 21, message: "the ledger is closed")))
            return
        }
        pending.withLock { $0.append(request) }
        queue.async { self.drain() }
    }

    private func drain() {
        while true {
            var batch: [Request] = []
            var count = 0
            pending.withLock { p in
                while let first = p.first, count == 0 || count + first.events.count <= Self.maxGroup {
                    batch.append(p.removeFirst()); count += first.events.count
                }
            }
            if batch.isEmpty { return }
            if case .failure = write(batch), batch.count > 1 {
                // One request's failure must not fail the others that happened to share its transaction.
                for r in batch { _ = write([r]) }
            }
        }
    }

    /// Writes the batch in one transaction. An event is never stamped earlier than the one before it: events are
    /// stamped by their producers just before they queue (a reading when taken, a notice attempt when made), and two
    /// producers can queue in the other order by a few milliseconds. The record's order is the ledger's, so the
    /// later-queued one takes its predecessor's time (the second hardening run found 31 notify events earlier than
    /// the event before them; `LedgerReader.lastEvent(before:)` bisects on time and needs this order too).
    private func write(_ batch: [Request]) -> Result<Void, Error> {
        var seq = head.seq, hash = head.hash, last = headAt
        var results: [[LedgerEvent]] = []
        do {
            let insert = try db.statement("INSERT INTO events(seq, at, type, body, prev_hash, hash) VALUES (?,?,?,?,?,?)")
            try db.transaction {
                for r in batch {
                    var written: [LedgerEvent] = []
                    written.reserveCapacity(r.events.count)
                    for e in r.events {
                        seq += 1
                        last = max(last, e.at)
                        let at = RFC3339.format(last)
                        let h = LedgerHash.compute(prev: hash, seq: seq, at: at, type: e.type, body: e.body)
                        try insert.bind(1, seq); try insert.bind(2, at); try insert.bind(3, e.type)
                        try insert.bind(4, e.body); try insert.bind(5, hash); try insert.bind(6, h)
                        try insert.executeBound()
                        written.append(LedgerEvent(seq: seq, recordedAt: at, type: e.type, body: e.body, prevHash: hash, hash: h))
                        hash = h
                    }
                    results.append(written)
                }
            }
        } catch {
            noteFailure(error, at: batch.first?.events.first?.at ?? Date())
            if batch.count == 1 { batch[0].done(.failure(error)) }
            return .failure(error)
        }
        failure.withLock { $0 = nil }
        head = (seq, hash)
        headAt = last
        published.withLock { $0 = seq }
        for (r, written) in zip(batch, results) { r.done(.success(written)) }
        for observe in appendObservers.withLock({ $0 }) { observe() }
        return .success(())
    }

    /// Records that the daemon is alive; a restart compares against it to find gaps.
    public func writeHeartbeat(at date: Date) async throws {
        let at = RFC3339.format(date)
        let pid = Int64(getpid())
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            queue.async {
                let result = Result {
                    try self.db.statement("INSERT INTO heartbeat(id, at, pid) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at, pid = excluded.pid")
                        .execute([.text(at), .integer(pid)])
                }
                if case .failure(let e) = result { self.noteFailure(e, at: date) }
                c.resume(with: result)
            }
        }
    }

    /// The sequence number up to which the platform has confirmed every event (0 when nothing was sent yet).
    /// Throws when it cannot be read: 0 would mean "send everything again".
    public func uplinkCursor() throws -> Int64 {
        let c = cursor.withLock { $0 }
        if let unreadable = c.unreadable { throw LedgerCursorUnreadable(description: unreadable) }
        return c.seq
    }

    /// The newest head the platform confirmed, as an anchor; nil before the first confirmation.
    public func confirmedHead() -> LedgerAnchor? {
        cursor.withLock { c in c.unreadable == nil ? c.hash.map { LedgerAnchor(seq: c.seq, hash: $0, source: "platform confirmed") } : nil }
    }

    /// Moves the uplink cursor to `seq`, whose hash the platform confirmed; durable when it returns, so a crash
    /// never forgets a confirmed batch.
    public func setUplinkCursor(_ seq: Int64, hash: String, at date: Date) async throws {
        let at = RFC3339.format(date)
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            queue.async {
                c.resume(with: Result {
                    try self.db.statement("INSERT INTO uplink_cursor(id, seq, at, hash) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, at = excluded.at, hash = excluded.hash")
                        .execute([.integer(seq), .text(at), .text(hash)])
                    self.cursor.withLock { $0 = (seq, hash, nil) }
                })
            }
        }
    }

    /// The last heartbeat written, nil when none was (blocking: from a thread; async code calls `newest()`). Throws when it cannot be read: nil would read as "a new
    /// ledger" and the gap since the last run would go unrecorded.
    public func lastHeartbeat() throws -> Date? {
        try queue.sync { try db.scalarString("SELECT at FROM heartbeat WHERE id = 1").flatMap(RFC3339.parse) }
    }

    /// The newest event, nil for an empty ledger; throws when it cannot be read (blocking: from a thread).
    public func lastEvent() throws -> LedgerEvent? {
        try queue.sync {
            try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events ORDER BY seq DESC LIMIT 1").first { LedgerReader.event($0) }
        }
    }

    /// The newest event and the last heartbeat, for async callers (the daemon's start): read on the writer's queue
    /// without a thread of the cooperative pool waiting for it.
    public func newest() async throws -> (event: LedgerEvent?, heartbeat: Date?) {
        try await withCheckedThrowingContinuation { c in
            queue.async {
                c.resume(with: Result {
                    (try self.db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events ORDER BY seq DESC LIMIT 1").first { LedgerReader.event($0) },
                     try self.db.scalarString("SELECT at FROM heartbeat WHERE id = 1").flatMap(RFC3339.parse))
                })
            }
        }
    }

    /// `close()` for async callers: the queued appends are written and the connection closed on the writer's queue
    /// (a slow disk's last commit takes its 300 ms there, not on a pool thread).
    public func finish() async {
        isClosed.withLock { $0 = true }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.async {
                self.drain()
                self.db.close()
                c.resume()
            }
        }
    }

    /// Runs `body` on the writer's connection, on the writer's queue; for tests that provoke failures.
    func withDatabaseForTesting<T>(_ body: (Database) -> T) -> T { queue.sync { body(db) } }

    /// Waits for queued appends, then closes the connection; later appends fail. Blocking: async code calls `finish()`.
    public func close() {
        isClosed.withLock { $0 = true }
        queue.sync {
            drain()
            db.close()
        }
    }
}

/// Why the ledger cannot write, and since when: shown at the top of `status`.
public struct LedgerWriteFailure: Sendable, Equatable {
    public var since: Date
    public var error: String

    init(since: Date, error: Error) { self.since = since; self.error = Self.describe(error) }

    /// "disk full" first, for the technician; SQLite's own words after it.
    static func describe(_ error: Error) -> String {
        guard let e = error as? SQLiteError else { return "\(error)" }
        switch e.primaryCode {
        case 13: return "disk full (\(e.message))"
        case 10: return "I/O error (\(e.message))"
        case 8: return "read-only (\(e.message))"
        default: return "SQLite error \(e.code): \(e.message)"
        }
    }
}

/// The uplink cursor could not be read when the ledger opened (its table damaged or missing).
public struct LedgerCursorUnreadable: Error, CustomStringConvertible {
    public var description: String
}
