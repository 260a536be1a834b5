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
}
