import ColdChain
import Foundation
import Glibc
@testable import Storage
import Testing
import TestSupport

/// `verify --ledger COPY` reads a copy without writing to it, and says why when it cannot (hardening 2, minors:
/// "attempt to write a readonly database" during a rollback, "no such table: events" behind a planted journal link).
@Suite struct LedgerCopyTests {
    func copy(_ dir: TempDir) throws -> String {
        try LedgerBackupTests.ledger(dir.file("a.sqlite"), events: 500, salt: 4)
        let stick = dir.file("stick")
        mkdir(stick, 0o755)
        _ = try LedgerBackup.run(source: dir.file("a.sqlite"), dir: stick, name: "gw", keep: 2, now: Date(timeIntervalSince1970: 1_800_000_000))
        return stick + "/gw.sqlite"
    }

    func refusal(_ path: String) -> String? {
        do { _ = try LedgerCopy.verify(path: path, anchors: []); return nil } catch { return "\(error)" }
    }

    @Test func aGoodCopyVerifiesAndNothingIsWrittenBesideIt() throws {
        let dir = TempDir("cc-copy")
        let path = try copy(dir)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.file("stick")).sorted()
        let report = try LedgerCopy.verify(path: path, anchors: [])
        #expect(report.ok && report.headSequence == 500)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("stick")).sorted() == before, "no -shm, -wal or -journal")
    }

    /// A backup cut off in mid-write leaves a hot journal: made here by copying the file and its journal while a
    /// transaction that spilled to disk is open, as a power cut would leave them.
    @Test func aCopyWithAHotJournalIsNamedAsBeingRepaired() throws {
        let dir = TempDir("cc-copy-hot")
        let path = try copy(dir)
        let writer = try Database(path: path, options: .init(synchronous: "FULL"))
        try writer.execute("PRAGMA journal_mode=DELETE; PRAGMA cache_size=2; BEGIN IMMEDIATE; DELETE FROM backup_check; UPDATE events SET body = body WHERE 0;")
        try writer.execute("CREATE TABLE filler(x); INSERT INTO filler SELECT randomblob(4000) FROM events;")
        let cut = dir.file("cut")
        mkdir(cut, 0o755)
        for suffix in ["", "-journal"] {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: cut + "/gw.sqlite" + suffix)
        }
        try writer.execute("ROLLBACK")
        writer.close()
        let why = refusal(cut + "/gw.sqlite")
        #expect(why?.contains("the copy is being written or repaired") == true, "\(why ?? "read")")
        // The old way: a plain read-only open fails with SQLite's own words.
        #expect(throws: (any Error).self) { try LedgerReader(path: cut + "/gw.sqlite").verify() }
    }

    @Test func aJournalLinkAndAForeignFileAreNamed() throws {
        let dir = TempDir("cc-copy-link")
        let path = try copy(dir)
        symlink(dir.file("elsewhere"), path + "-journal")
        #expect(refusal(path)?.contains("gw.sqlite-journal is a symbolic link") == true, "\(refusal(path) ?? "read")")
        unlink(path + "-journal")
        let other = try Database(path: dir.file("other.sqlite"))
        try other.execute("CREATE TABLE t(x); PRAGMA journal_mode=DELETE")
        other.close()
        #expect(refusal(dir.file("other.sqlite"))?.contains("not a coldchain ledger") == true, "\(refusal(dir.file("other.sqlite")) ?? "read")")
        #expect(refusal(dir.file("missing.sqlite"))?.contains("No such file") == true)
    }
}
