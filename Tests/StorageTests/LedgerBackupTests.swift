import ColdChain
import Foundation
@testable import Storage
import Testing
import TestSupport

/// A copy in the backup folder that is not this ledger's (another gateway's, a damaged file, a ledger restored
/// from an older copy) is never extended: it is set aside under a dated name, the newest `keep` of those stay,
/// and a new full copy is written.
@Suite struct LedgerBackupTests {
    static func ledger(_ path: String, events: Int, salt: Double) throws {
        let l = try Ledger(path: path)
        defer { l.close() }
        _ = try l.appendBlocking((0..<events).map { i in
            NewEvent(Reading.measured(sensor: "A", fridge: "F1", celsius: salt + Double(i) / 100, humidity: nil),
                     at: Date(timeIntervalSince1970: 1_795_000_000 + Double(i) * 60))
        })
    }

    @Test func aCopyThatIsNotThisLedgersIsSetAsideAndReplaced() throws {
        let dir = TempDir("cc-backup-unit")
        let stick = dir.file("stick")
        mkdir(stick, 0o755)
        try Self.ledger(dir.file("a.sqlite"), events: 300, salt: 4)
        try Self.ledger(dir.file("b.sqlite"), events: 400, salt: 6)
        var t = Date(timeIntervalSince1970: 1_800_000_000)
        func backup(_ source: String) throws -> LedgerBackup.Outcome {
            t = t.addingTimeInterval(86_400)
            return try LedgerBackup.run(source: dir.file(source), dir: stick, name: "gw", keep: 2, now: t)
        }
        let a = try backup("a.sqlite")
        #expect(a.completed.full && a.completed.copied == 300 && a.setAside == nil)
        #expect(try backup("a.sqlite").completed.copied == 0, "nothing new: nothing copied")
        // Another ledger's copy under the same name: set aside, then a full copy of this one.
        let b = try backup("b.sqlite")
        #expect(b.completed.full && b.completed.copied == 400)
        #expect(b.setAside?.reason.contains("differs from this ledger's") == true, "\(String(describing: b.setAside))")
        // A file that is not a database at all.
        try Data("not a ledger".utf8).write(to: URL(fileURLWithPath: stick + "/gw.sqlite"))
        let c = try backup("b.sqlite")
        #expect(c.completed.full && c.setAside != nil, "\(String(describing: c.setAside))")
        // A copy ahead of the ledger (the ledger was restored from an older copy): set aside too.
        let d = try backup("a.sqlite")
        #expect(d.setAside?.reason.contains("event 400, beyond this ledger's head 300") == true, "\(String(describing: d.setAside))")
        let aside = try FileManager.default.contentsOfDirectory(atPath: stick).filter { $0.contains("set-aside") }
        #expect(aside.count == 2, "keep: 2 \(aside)")
        let reader = try LedgerReader(path: stick + "/gw.sqlite")
        defer { reader.close() }
        #expect(try reader.verify().ok && reader.count() == 300)
    }

    /// Links, foreign owners and system folders (hardening 2, finding 11): the copy as a link to another database,
    /// the folder as a link, a planted journal link. Each is refused with its cause named, and the link's target is
    /// left byte for byte as it was (before, 25,397 events went into a foreign database).
    @Test func aBackupNeverWritesThroughALink() throws {
        let dir = TempDir("cc-backup-link")
        let stick = dir.file("stick")
        mkdir(stick, 0o755)
        try Self.ledger(dir.file("a.sqlite"), events: 50, salt: 4)
        try Self.ledger(dir.file("foreign.sqlite"), events: 10, salt: 9)
        let foreign = try Data(contentsOf: URL(fileURLWithPath: dir.file("foreign.sqlite")))
        func backup() -> String? {
            do { _ = try LedgerBackup.run(source: dir.file("a.sqlite"), dir: stick, name: "gw", keep: 2, now: Date(timeIntervalSince1970: 1_800_000_000)); return nil }
            catch { return error.message }
        }
        symlink(dir.file("foreign.sqlite"), stick + "/gw.sqlite")
        #expect(backup()?.contains("gw.sqlite is a symbolic link") == true, "\(backup() ?? "ran")")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("foreign.sqlite"))) == foreign, "the link's target is untouched")
        unlink(stick + "/gw.sqlite")
        symlink(dir.file("elsewhere"), stick + "/gw.sqlite-journal")
        #expect(backup()?.contains("gw.sqlite-journal is a symbolic link") == true, "the real cause, not \"no such table\": \(backup() ?? "ran")")
        unlink(stick + "/gw.sqlite-journal")
        #expect(access(dir.file("elsewhere"), F_OK) != 0)
        symlink(stick, dir.file("stick-link"))
        let viaLink = try? LedgerBackup.run(source: dir.file("a.sqlite"), dir: dir.file("stick-link"), name: "gw", keep: 2, now: Date())
        #expect(viaLink == nil)
        #expect(BackupTarget.problem(dir: dir.file("stick-link"), name: "gw", ledgerPath: dir.file("a.sqlite"))?.contains("is a symbolic link") == true)
        #expect(BackupTarget.problem(dir: stick, name: "gw", ledgerPath: dir.file("a.sqlite"), owner: 4242)?.contains("belongs to uid") == true)
        #expect(BackupTarget.placeProblem(dir: "/usr/share", ledgerPath: dir.file("a.sqlite"))?.contains("a system folder") == true)
        symlink("/etc", dir.file("etc-link"))
        #expect(BackupTarget.placeProblem(dir: dir.file("etc-link"), ledgerPath: dir.file("a.sqlite"))?.contains("leads to /etc") == true)
        #expect(BackupTarget.placeProblem(dir: dir.path + "/.", ledgerPath: dir.file("a.sqlite"))?.contains("the ledger's own folder") == true)
        // With the links gone, it runs.
        #expect(backup() == nil)
    }
}

extension LedgerBackupTests {
    /// One old event changed in the copy, its hash left (hardening 2, finding 12: the next run extended it and recorded
    /// backup.completed). The slice that covers it finds it, the copy is set aside with where it differed, and a new
    /// full copy is written; the plan's own slices cover every event within `roundRuns` runs.
    @Test func aTamperedOldEventIsFoundByTheRollingCheck() throws {
        let dir = TempDir("cc-backup-roll")
        let stick = dir.file("stick")
        mkdir(stick, 0o755)
        try Self.ledger(dir.file("a.sqlite"), events: 3000, salt: 4)
        var t = Date(timeIntervalSince1970: 1_800_000_000)
        func backup(slice: ClosedRange<Int64>? = nil) throws -> LedgerBackup.Outcome {
            t = t.addingTimeInterval(86_400)
            return try LedgerBackup.run(source: dir.file("a.sqlite"), dir: stick, name: "gw", keep: 2, now: t, slice: slice)
        }
        #expect(try backup().completed.full)
        // The plan: 30 runs of 100 events cover the 3,000, each once.
        let copy = try Database(path: stick + "/gw.sqlite")
        var covered: [Int64] = []
        for _ in 0..<30 {
            _ = try backup()
            covered.append(try copy.scalarInt("SELECT next_seq FROM backup_check") ?? 0)
        }
        #expect(covered.prefix(3) == [101, 201, 301] && covered.last == 3001, "\(covered)")
        // Someone with the file changes event 1234's reading, keeping its hash.
        try copy.execute("DROP TRIGGER events_no_update")
        try copy.execute("UPDATE events SET body = replace(body, '\"c\":', '\"c\":1') WHERE seq = 1234")
        copy.close()
        #expect(try backup(slice: 1...1000).setAside == nil, "a slice that does not cover it")
        let found = try backup(slice: 1201...1300)
        #expect(found.setAside?.reason.contains("event 1234 does not verify") == true, "\(String(describing: found.setAside))")
        #expect(found.completed.full && found.completed.copied == 3000)
        let reader = try LedgerReader(path: stick + "/gw.sqlite")
        defer { reader.close() }
        #expect(try reader.verify().ok)
    }
}

extension Error {
    var message: String { (self as? LedgerBackup.Failure)?.message ?? "\(self)" }
}

extension LedgerBackupTests {
    /// Under the package's unit only /media, /mnt and /var/backups/coldchain are writable besides the daemon's own
    /// folders: a folder elsewhere is said with the drop-in that makes it writable, whatever the link leading there.
    @Test func aFolderTheUnitCannotWriteIsSaid() throws {
        let dir = TempDir("cc-unitplace")
        #expect(BackupTarget.unitProblem(dir: "/media/backup/coldchain") == nil)
        #expect(BackupTarget.unitProblem(dir: "/mnt/stick") == nil)
        #expect(BackupTarget.unitProblem(dir: "/var/backups/coldchain") == nil)
        let outside = BackupTarget.unitProblem(dir: "/srv/backup")
        #expect(outside?.contains("ReadWritePaths=/srv/backup") == true, "\(outside ?? "nil")")
        #expect(BackupTarget.unitProblem(dir: "/mediabackup") != nil, "a prefix of the name is not the folder")
        #expect(BackupTarget.unitProblem(dir: "/var/backups") != nil)
        // A link under /mnt that leads elsewhere: judged by where it leads too.
        let link = "/mnt/cc-unitplace-\(getpid())"
        guard symlink(dir.path, link) == 0 else { return }   // /mnt not writable here: the lexical cases above stand
        defer { unlink(link) }
        #expect(BackupTarget.unitProblem(dir: link) != nil)
    }
}
