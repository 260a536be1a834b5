import ColdChain
import FoundationEssentials
import Glibc
import POSIX

/// The daily backup (GSP appendix 3: 按日备份, data neither lost nor changed): a copy of the ledger in another
/// folder, extended with the events since its head. The ledger is append-only, so each day costs that day's events,
/// not a copy of years. Every run checks the copy before and after:
/// - before: its head must be an event of this ledger (same sequence number, same hash); a copy that is not (another
///   gateway's file, a damaged one, a ledger restored from an older copy) is kept aside under a dated name and a new
///   full copy is written (the `keep` newest set-aside copies stay);
/// - while copying: each new event's hash is recomputed and linked to the one before, from the copy's old head;
/// - a rolling slice of the copy's older events: their hashes recomputed from their content, linked, and equal to the
///   ledger's, so that every event of the copy is checked again at least once every `roundRuns` runs (30: a month
///   of daily runs); a slice that does not hold sets the copy aside, with where it differed;
/// - after: the copy's head is the ledger's head as read for this run, and SQLite's `integrity_check` is ok (on a
///   new copy, and once per round, when the slice starts again from event 1).
/// Found by the second hardening run: one event's body changed in the copy (its hash left) was extended and recorded
/// as `backup.completed`, since only the head was compared; and the nightly `integrity_check` of the whole copy made a
/// day's backup take 158 ms at one day of history and 33.8 s at five years. `coldchainctl verify --ledger COPY` walks
/// the whole chain of a copy at any time.
public enum LedgerBackup {
    public struct Outcome: Sendable {
        /// The copy as `backup.completed` records it (its fields are defined once, there).
        public var completed: BackupCompleted
        /// Where a copy that did not match the ledger was moved, and why.
        public var setAside: (file: String, reason: String)?
    }

    /// A backup that did not complete, in words for the person who has to fix it.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Events read and written per transaction: a bounded amount of memory whatever the ledger's age.
    static let batch = 10_000
    /// Runs in which the rolling check covers the whole copy once.
    public static let roundRuns: Int64 = 30

    /// Copies the ledger at `source` into `dir/name.sqlite`. Blocking (seconds to minutes at first, then about a
    /// day's events); meant for a thread of its own. It opens its own read connection, so the ledger's writer
    /// never waits for it (WAL).
    /// `slice`: the older events to check this run (tests force one); nil: the copy's own plan.
    public static func run(source: String, dir: String, name: String, keep: Int, now: Date,
                           slice forced: ClosedRange<Int64>? = nil) throws(Failure) -> Outcome {
        let t0 = monotonicSeconds()
        if let problem = BackupTarget.problem(dir: dir, name: name, ledgerPath: source) { throw Failure(message: problem) }
        let file = dir + "/" + name + ".sqlite"
        do {
            let src = try Database(path: source, options: .init(readOnly: true))
            defer { src.close() }
            // One read transaction: the copy ends at the head as it was when the run began, whatever is appended meanwhile.
            try src.execute("BEGIN")
            defer { try? src.execute("COMMIT") }
            let head = try src.statement("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").first { ($0.int(0), $0.string(1)) }
                ?? (0, LedgerHash.genesis)

            var setAside: (String, String)?
            var dest: Database?, unusable: String?
            do { dest = try open(file) } catch { unusable = "SQLite cannot open it (\(error))" }
            var plan: ClosedRange<Int64>?, wrapped = false
            if let dest0 = dest { unusable = try mismatch(copy: dest0, source: src, head: head) }
            if let dest0 = dest, unusable == nil {
                (plan, wrapped, unusable) = try rollingCheck(copy: dest0, source: src, forced: forced)
            }
            if let mismatch = unusable {
                dest?.close()
                let aside = dir + "/" + name + "-set-aside-" + stamp(now) + ".sqlite"
                guard rename(file, aside) == 0 else {
                    throw Failure(message: "cannot move the old copy \(file) aside: \(String(cString: strerror(errno)))")
                }
                setAside = (aside, mismatch)
                prune(dir: dir, name: name, keep: keep)
                dest = nil
            }
            let full = dest == nil
            let copy = try dest ?? create(file)
            defer { copy.close() }
            let from = try copy.statement("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").first { ($0.int(0), $0.string(1)) }
                ?? (0, LedgerHash.genesis)
            var chain = ChainCheck(after: from.0, hash: from.1)
            var copied: Int64 = 0
            let read = try src.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
            let insert = try copy.statement("INSERT INTO events(seq, at, type, body, prev_hash, hash) VALUES (?,?,?,?,?,?)")
            while chain.next <= head.0 {
                let rows = try read.rows([.integer(chain.next - 1), .integer(head.0), .integer(Int64(batch))], LedgerReader.event)
                guard !rows.isEmpty else { break }
                try copy.transaction {
                    for e in rows {
                        if let broken = chain.check(e) {
                            throw Failure(message: "the ledger's event \(e.seq) does not verify (\(broken)); nothing after it was copied: run coldchainctl verify")
                        }
                        try insert.execute([.integer(e.seq), .text(e.recordedAt), .text(e.type), .text(e.body), .text(e.prevHash), .text(e.hash)])
                    }
                }
                copied += Int64(rows.count)
            }
            guard chain.next - 1 == head.0, chain.prev == head.1 else {
                throw Failure(message: "the copy ends at event \(chain.next - 1), not at the ledger's head \(head.0)")
            }
            // Not the record, but what a restored ledger needs so the uplink does not send everything again: how far
            // the platform had confirmed, when that is within the copy.
            if let cursor = try src.statement("SELECT seq, at, hash FROM uplink_cursor WHERE id = 1 AND seq <= ?")
                .first([.integer(head.0)], { ($0.int(0), $0.string(1), $0.optionalString(2)) }) {
                try copy.statement("INSERT OR REPLACE INTO uplink_cursor(id, seq, at, hash) VALUES (1, ?, ?, ?)")
                    .execute([.integer(cursor.0), .text(cursor.1), cursor.2.map { .text($0) } ?? .null])
            }
            // The rolling plan moves on only once the slice held; a new copy starts its first round after what it holds.
            let nextSlice = plan.map { $0.upperBound + 1 } ?? 1
            try copy.statement("CREATE TABLE IF NOT EXISTS backup_check(id INTEGER PRIMARY KEY CHECK (id = 1), next_seq INTEGER NOT NULL)").execute()
            try copy.statement("INSERT OR REPLACE INTO backup_check(id, next_seq) VALUES (1, ?)").execute([.integer(nextSlice)])
            if full || wrapped {
                let integrity = try copy.statement("PRAGMA integrity_check").rows { $0.string(0) }.joined(separator: "; ")
                guard integrity == "ok" else { throw Failure(message: "the copy \(file) fails SQLite's integrity check: \(integrity.truncated(300))") }
            }
            let completed = BackupCompleted(file: file, headSeq: Int(head.0), headHash: head.1, copied: Int(copied), full: full,
                                            bytes: Int(fileSize(at: file)), seconds: monotonicSeconds() - t0)
            return Outcome(completed: completed, setAside: setAside)
        } catch let f as Failure {
            throw f
        } catch {
            throw Failure(message: "\(file): \(LedgerWriteFailure.describe(error))")
        }
    }

    /// The copy at `file` opened for writing (nil when there is none); one that SQLite cannot read is a mismatch.
    static func open(_ file: String) throws -> Database? {
        guard access(file, F_OK) == 0 else { return nil }
        let db = try Database(path: file, options: .init(readOnly: false, noFollow: true))
        try db.execute("PRAGMA journal_mode=DELETE")
        return db
    }

    /// Why the copy cannot be extended from this ledger, or nil when its head is one of the ledger's events.
    static func mismatch(copy: Database, source: Database, head: (Int64, String)) throws -> String? {
        let tables = try? copy.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'")
        guard tables == 1 else { return "it is not a ledger" }
        guard let top = try? copy.statement("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").first([], { ($0.int(0), $0.string(1)) }) else {
            return try copy.scalarInt("SELECT count(*) FROM events") == 0 ? nil : "its events cannot be read"
        }
        guard top.0 <= head.0 else { return "it holds event \(top.0), beyond this ledger's head \(head.0)" }
        let here = try source.statement("SELECT hash FROM events WHERE seq = ?").first([.integer(top.0)]) { $0.string(0) }
        guard here == top.1 else { return "its event \(top.0) differs from this ledger's (another gateway's copy, or a ledger restored from an older one)" }
        do { try LedgerSchema.migrator.migrate(copy) } catch { return "its schema cannot be brought up to date: \(error)" }
        return nil
    }

    /// This run's slice of the copy's older events, checked: recomputed, linked, equal to the ledger's. Returns the
    /// slice, whether the plan came round to event 1 again (the run that also checks SQLite's integrity), and why the
    /// copy cannot be kept when the slice does not hold.
    static func rollingCheck(copy: Database, source: Database, forced: ClosedRange<Int64>?) throws -> (ClosedRange<Int64>?, Bool, String?) {
        guard let top = try copy.scalarInt("SELECT max(seq) FROM events"), top >= 1 else { return (nil, false, nil) }
        let planned = (try? copy.scalarInt("SELECT next_seq FROM backup_check WHERE id = 1")) ?? top + 1
        let size = max(1, (top + roundRuns - 1) / roundRuns)
        let wrapped = forced == nil && (planned > top || planned < 1)
        let from = forced?.lowerBound ?? (wrapped ? 1 : planned)
        let to = min(top, forced?.upperBound ?? (from + size - 1))
        guard from <= to else { return (nil, wrapped, nil) }
        let prev = from == 1 ? LedgerHash.genesis : try copy.statement("SELECT hash FROM events WHERE seq = ?").first([.integer(from - 1)]) { $0.string(0) }
        guard let prev else { return (from...to, wrapped, "its event \(from - 1) is missing") }
        var chain = ChainCheck(after: from - 1, hash: prev)
        let read = try copy.statement("SELECT seq, at, type, body, prev_hash, hash FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?")
        let theirs = try source.statement("SELECT seq, hash FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq")
        var at = from
        while at <= to {
            let rows = try read.rows([.integer(at), .integer(to), .integer(Int64(batch))], LedgerReader.event)
            guard let last = rows.last else { return (from...to, wrapped, "its events \(at)…\(to) are missing") }
            let ledger = Dictionary(uniqueKeysWithValues: try theirs.rows([.integer(at), .integer(last.seq)]) { ($0.int(0), $0.string(1)) })
            for e in rows {
                if let broken = chain.check(e) { return (from...to, wrapped, "its event \(e.seq) does not verify (\(broken)); found by the rolling check of events \(from)…\(to)") }
                if ledger[e.seq] != e.hash { return (from...to, wrapped, "its event \(e.seq) differs from this ledger's (rolling check of events \(from)…\(to))") }
            }
            at = last.seq + 1
        }
        return (from...to, wrapped, nil)
    }

    /// A new, empty copy with the ledger's schema (its indexes too, so a restored copy is ready to run on).
    /// Rollback journal, not WAL: the copy is one file a person can carry away, with no -wal beside it.
    static func create(_ file: String) throws -> Database {
        // O_EXCL|O_NOFOLLOW: a link planted since the check is refused, not written through.
        let fd = Glibc.open(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Failure(message: "cannot create \(file): \(String(cString: strerror(errno)))") }
        Glibc.close(fd)
        let db = try Database(path: file, options: .init(readOnly: false, noFollow: true))
        try db.execute("PRAGMA journal_mode=DELETE")
        try LedgerSchema.migrator.migrate(db)
        return db
    }

    /// Keeps the `keep` newest set-aside copies of `name` in `dir` (their names sort by the time they were set aside).
    static func prune(dir: String, name: String, keep: Int) {
        let prefix = name + "-set-aside-"
        guard let all = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        let aside = all.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".sqlite") }.sorted()
        for old in aside.dropLast(keep) { unlink(dir + "/" + old) }
    }

    static func stamp(_ t: Date) -> String {
        String(RFC3339.format(t).unicodeScalars.filter { $0 != "-" && $0 != ":" }.prefix(15)) + "Z"
    }
}
