import ColdChain
import Foundation
@testable import Storage
import Testing
import TestSupport

func event(_ i: Int, at: Date = Date(timeIntervalSince1970: 1_795_000_000)) -> NewEvent {
    NewEvent(.reading, at: at.addingTimeInterval(Double(i)), body: ["sensor": "F1-air", "c": .number(4.0 + Double(i % 40) / 10), "i": .number(Double(i))])
}

@Suite struct LedgerTests {
    @Test func appendsFormAVerifiableChain() async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        var last: LedgerEvent?
        for i in 1...20 {
            let e = try await ledger.append(event(i))
            #expect(e.seq == Int64(i))
            #expect(e.prevHash == (last?.hash ?? LedgerHash.genesis))
            #expect(e.id(gateway: "gw-1") == "gw-1:\(i)")
            last = e
        }
        #expect(ledger.headSequence == 20)
        ledger.close()
        let reader = try LedgerReader(path: dir.file("l.sqlite"))
        let report = try reader.verify()
        #expect(report == VerifyReport(checked: 20, headSequence: 20, headHash: last!.hash, brokenAt: nil, reason: nil))
        let stored = try reader.events(after: 0, limit: 100)
        #expect(stored.count == 20)
        #expect(stored[4].recordedAt == "2026-11-18T11:06:45.000Z")
        #expect(stored[4].at == RFC3339.parse("2026-11-18T11:06:45.000Z"))
        #expect(stored[4].bodyValue["i"] == 5)
    }

    @Test func reopeningContinuesTheChain() async throws {
        let dir = TempDir()
        do {
            let l = try Ledger(path: dir.file("l.sqlite"))
            try await l.append(contentsOf: (1...3).map { event($0) })
            l.close()
        }
        let l = try Ledger(path: dir.file("l.sqlite"))
        let e = try await l.append(event(4))
        #expect(e.seq == 4)
        l.close()
        #expect(try LedgerReader(path: dir.file("l.sqlite")).verify().ok)
    }

    @Test func concurrentWritersGetContiguousSequences() async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<8 {
                group.addTask {
                    var mine: [Int64] = []
                    for i in 0..<50 { mine.append(try await ledger.append(event(w * 1000 + i)).seq) }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await s in group {
                #expect(s == s.sorted(), "one writer's events stay in its own order")
                all += s
            }
            return all
        }
        #expect(seqs.sorted() == Array(1...400))
        ledger.close()
        #expect(try LedgerReader(path: dir.file("l.sqlite")).verify().ok)
    }

    @Test func blockingAppendFromAPlainThread() throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        let written = try ledger.appendBlocking([event(1), event(2)])
        #expect(written.map(\.seq) == [1, 2])
        ledger.close()
        #expect(throws: SQLiteError.self) { try ledger.appendBlocking([event(3)]) }
    }

    @Test func triggersRefuseUpdateAndDelete() async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        try await ledger.append(event(1))
        ledger.close()
        let db = try Database(path: dir.file("l.sqlite"))
        for sql in ["UPDATE events SET body = '{}' WHERE seq = 1", "DELETE FROM events WHERE seq = 1"] {
            let error = try #require(throws: SQLiteError.self) { try db.execute(sql) }
            #expect(error.message.contains("append-only"))
            #expect(error.sql == sql)
            #expect(error.code == 1811)  // SQLITE_CONSTRAINT_TRIGGER
        }
        #expect(try db.scalarInt("SELECT count(*) FROM events") == 1)
    }

    @Test(arguments: [
        ("UPDATE events SET body = '{\"c\":11.0}' WHERE seq = 5", Int64(5), "content does not match its hash"),
        ("DELETE FROM events WHERE seq = 7", Int64(8), "event(s) 7…7 are missing"),
        ("UPDATE events SET prev_hash = hash WHERE seq = 3", Int64(3), "prev_hash does not match"),
    ])
    func verifyNamesTheFirstBrokenLink(tamper: String, brokenAt: Int64, reason: String) async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        try await ledger.append(contentsOf: (1...10).map { event($0) })
        ledger.close()
        let db = try Database(path: dir.file("l.sqlite"))
        try db.execute("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete")
        try db.execute(tamper)
        db.close()
        let report = try LedgerReader(path: dir.file("l.sqlite")).verify()
        #expect(!report.ok)
        #expect(report.brokenAt == brokenAt)
        #expect(report.reason?.contains(reason) == true, "\(String(describing: report.reason))")
    }

    /// A time that is not RFC 3339, written with every later hash recomputed: the chain holds, the time does not.
    /// Readers see the distant past for it (not "now", which would put a forged event in today's record).
    @Test func verifyNamesATimeThatIsNotATime() async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        try await ledger.append(contentsOf: (1...4).map { event($0) })
        ledger.close()
        let reader = try LedgerReader(path: dir.file("l.sqlite"))
        var events = try reader.events(after: 0, limit: 10)
        reader.close()
        let db = try Database(path: dir.file("l.sqlite"))
        try db.execute("DROP TRIGGER events_no_update")
        events[2].recordedAt = "last Tuesday"
        var prev = events[1].hash
        for i in 2..<events.count {
            let h = LedgerHash.compute(prev: prev, seq: events[i].seq, at: events[i].recordedAt, type: events[i].type, body: events[i].body)
            try db.execute("UPDATE events SET at = '\(events[i].recordedAt)', prev_hash = '\(prev)', hash = '\(h)' WHERE seq = \(events[i].seq)")
            prev = h
        }
        db.close()
        let again = try LedgerReader(path: dir.file("l.sqlite"))
        #expect(try again.event(seq: 3)?.at == .distantPast)
        let report = try again.verify()
        #expect(report.brokenAt == 3)
        #expect(report.reason == "its time 'last Tuesday' is not an RFC 3339 time", "\(String(describing: report.reason))")
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        let dir = TempDir()
        let db = try Database(path: dir.file("x.sqlite"))
        let e = try #require(throws: SQLiteError.self) { try db.statement("SELECT nope FROM nowhere") }
        #expect(e.code == 1)
        #expect(e.message.contains("no such table"))
        #expect(e.sql == "SELECT nope FROM nowhere")
        #expect(e.description.contains("SQL logic error"))
    }

    @Test func transactionRollsBackOnThrow() throws {
        struct Boom: Error {}
        let dir = TempDir()
        let db = try Database(path: dir.file("x.sqlite"))
        try db.execute("CREATE TABLE t(x)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.statement("INSERT INTO t VALUES (1)").execute()
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        #expect(db.statementCacheCount > 0)
    }

    @Test func migrationsRunOnceAndRefuseANewerDatabase() throws {
        let dir = TempDir()
        let db = try Database(path: dir.file("m.sqlite"))
        let m = Migrator([.init("one", "CREATE TABLE a(x)"), .init("two", "CREATE TABLE b(x)")])
        #expect(try m.migrate(db) == ["one", "two"])
        #expect(try m.migrate(db) == [])
        let longer = Migrator(m.migrations + [.init("three", "CREATE TABLE c(x)")])
        #expect(try longer.migrate(db) == ["three"])
        let e = try #require(throws: SQLiteError.self) { try m.migrate(db) }
        #expect(e.message.contains("newer version"))
        let failing = Migrator(longer.migrations + [.init("bad", "CREATE TABLE a(x)")])
        #expect(throws: SQLiteError.self) { try failing.migrate(db) }
        #expect(try db.scalarInt("SELECT count(*) FROM schema_migrations WHERE name = 'bad'") == 0)
    }

    /// A full disk: SQLite's own SQLITE_FULL, provoked by capping the database's pages. The append fails with a
    /// typed error, nothing already written is lost, and the ledger works again once there is room.
    @Test func fullDiskFailsCleanlyAndRecovers() async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        try await ledger.append(contentsOf: (1...10).map { event($0) })
        let pages = ledger.withDatabaseForTesting { db in try! db.scalarInt("PRAGMA page_count")! }
        ledger.withDatabaseForTesting { db in _ = try? db.scalarInt("PRAGMA max_page_count = \(pages)") }
        let big = (0..<200).map { i in NewEvent(type: "reading", at: Date(), bodyJSON: "{\"pad\":\"\(String(repeating: "x", count: 2000))\",\"i\":\(i)}") }
        let error = await #expect(throws: SQLiteError.self) { try await ledger.append(contentsOf: big) }
        #expect(error?.isDiskFull == true, "\(String(describing: error))")
        #expect(ledger.headSequence == 10)
        ledger.withDatabaseForTesting { db in _ = try? db.scalarInt("PRAGMA max_page_count = 1073741823") }
        let next = try await ledger.append(event(11))
        #expect(next.seq == 11)
        ledger.close()
        let report = try LedgerReader(path: dir.file("l.sqlite")).verify()
        #expect(report.ok && report.checked == 11 && report.headSequence == 11 && report.headHash == next.hash)
    }

    @Test func heartbeatIsKept() async throws {
        let dir = TempDir()
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        #expect(try ledger.lastHeartbeat() == nil)
        try await ledger.writeHeartbeat(at: Date(timeIntervalSince1970: 1_795_000_000))
        try await ledger.writeHeartbeat(at: Date(timeIntervalSince1970: 1_795_000_030))
        #expect(try ledger.lastHeartbeat() == Date(timeIntervalSince1970: 1_795_000_030))
        #expect(try ledger.lastEvent() == nil)
    }

    /// The ledger holds who scanned what and when: not for every local user to read.
    @Test func ledgerFilesAreCreatedReadableByOwnerAndGroupOnly() async throws {
        let dir = TempDir()
        let old = umask(0o022)
        defer { umask(old) }
        let ledger = try Ledger(path: dir.file("l.sqlite"))
        try await ledger.append(NewEvent(.reading, at: Date(), body: ["c": 5.0]))
        for suffix in ["", "-wal", "-shm"] {
            var st = stat()
            #expect(stat(dir.file("l.sqlite") + suffix, &st) == 0, "l.sqlite\(suffix) exists")
            #expect(st.st_mode & 0o777 == 0o640, "l.sqlite\(suffix): \(String(st.st_mode & 0o777, radix: 8))")
        }
        ledger.close()
    }
}
