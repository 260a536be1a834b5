import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

/// The daily backup: a checked copy, extended the next day by what is new; a folder that is missing or full fails
/// the backup, never the recording.
@Suite(.serialized) struct BackupTests {
    static func config(port: Int, backupDir: String) -> String {
        pollerConfig(port: port).replacingOccurrences(of: #"storage: { path: "ledger.sqlite" }"#,
                                                       with: #"storage: { path: "ledger.sqlite", backup: { dir: "\#(backupDir)", keep: 2 } }"#)
    }

    /// Two days of one sensor every minute before `end`, through the ledger's batch path.
    static func seed(_ path: String, end: Date) async throws {
        let ledger = try Ledger(path: path)
        defer { ledger.close() }
        var batch: [NewEvent] = []
        for m in 0..<2880 {
            batch.append(NewEvent(Reading.measured(sensor: "A", fridge: "F1", celsius: 5 + Double(m % 7) / 10, humidity: nil),
                                  at: end.addingTimeInterval(Double(m - 2880) * 60)))
        }
        _ = try await ledger.append(contentsOf: batch)
    }

    static func backups(_ d: InProcessDaemon) throws -> [TypedEvent] {
        try d.events().compactMap { e in
            switch try e.typed() {
            case .backupCompleted?, .backupFailed?: return try e.typed()
            default: return nil
            }
        }
    }

    static func probesServer() throws -> (ModbusServer, Probes) {
        let probes = Probes()
        probes.set(1, .celsius(5.0))
        probes.set(2, .celsius(5.5))
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        return (server, probes)
    }

    @Test func aBackupIsCheckedThenExtendedByWhatIsNew() async throws {
        let (server, _) = try Self.probesServer()
        defer { server.stop() }
        let dir = TempDir("cc-backup")
        let backupDir = dir.file("stick")
        mkdir(backupDir, 0o755)
        try await Self.seed(dir.file("ledger.sqlite"), end: Date())
        let d = try InProcessDaemon(dir: dir, configText: Self.config(port: server.port, backupDir: backupDir))
        try await d.waitReady()
        let socket = ["--socket", d.config.control.socket]

        let first = try await offPool { try run("coldchainctl", socket + ["backup", "now"]) }
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("full copy"), "\(first.out)")
        let copy = backupDir + "/gw-poll.sqlite"
        guard case .backupCompleted(let b1)? = try Self.backups(d).last else { Issue.record("no backup.completed"); return }
        #expect(b1.full && b1.file == copy && b1.copied == b1.headSeq && b1.headSeq > 2880)
        // The copy, checked as a person would: verify --ledger, anchored at the head the event recorded.
        let verified = try await offPool { try run("coldchainctl", ["verify", "--ledger", copy, "--anchor", "\(b1.headSeq):\(b1.headHash)"]) }
        #expect(verified.status == 0, "\(verified.out) \(verified.err)")

        // The next day: only what is new is copied (the backup event itself, readings polled since, a check).
        _ = try await offPool { try run("coldchainctl", socket + ["check", "F1", "--temp", "5.1", "--by", "Li"]) }
        let before = try LedgerReader(path: d.config.storage.path).count()
        let second = try await offPool { try run("coldchainctl", socket + ["backup", "now"]) }
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("extended"), "\(second.out)")
        guard case .backupCompleted(let b2)? = try Self.backups(d).last else { Issue.record("no second backup.completed"); return }
        #expect(!b2.full && b2.headSeq >= Int(before) && b2.copied == b2.headSeq - b1.headSeq, "\(b2)")
        #expect(b2.copied < 100, "a day's events, not the whole ledger again: \(b2.copied)")
        let copyReader = try LedgerReader(path: copy)
        #expect(try copyReader.verify().ok && copyReader.integrityCheck() == "ok")
        #expect(try copyReader.count() == Int64(b2.headSeq))
        #expect(try copyReader.event(seq: Int64(b2.headSeq))?.hash == b2.headHash)
        copyReader.close()

        // Status names the folder and the newest copy.
        guard case .ok(let status) = try await call(d.config.control.socket, ControlRequest(cmd: "status")) else { Issue.record("status"); return }
        #expect(status["backup"]?["last_head_seq"]?.intValue == b2.headSeq && status["backup"]?["dir"]?.stringValue == backupDir)
        #expect(status["problems"]?.arrayValue == [])
        #expect(await d.stop() == 0)
    }

    @Test func aMissingFolderOrAFullStickFailsTheBackupNotTheRecording() async throws {
        let (server, _) = try Self.probesServer()
        defer { server.stop() }
        let dir = TempDir("cc-backup-fail")
        let backupDir = dir.file("stick")
        try await Self.seed(dir.file("ledger.sqlite"), end: Date())
        let d = try InProcessDaemon(dir: dir, configText: Self.config(port: server.port, backupDir: backupDir))
        try await d.waitReady()
        let socket = ["--socket", d.config.control.socket]
        func readings() throws -> Int { try d.events().filter { $0.type == "reading" }.count }

        // The stick is not plugged in: the folder is not there.
        let missing = try await offPool { try run("coldchainctl", socket + ["backup", "now"]) }
        #expect(missing.status != 0 && missing.err.contains("is not there"), "\(missing.err)")
        guard case .backupFailed(let f1)? = try Self.backups(d).last else { Issue.record("no backup.failed"); return }
        #expect(f1.dir == backupDir && f1.error.contains("USB stick"))
        guard case .ok(let status) = try await call(d.config.control.socket, ControlRequest(cmd: "status")) else { Issue.record("status"); return }
        #expect(status["problems"]?.arrayValue?.first?.stringValue?.hasPrefix("backup: failed at") == true, "\(status["problems"] ?? .null)")

        // A stick with 64 KiB free (a small tmpfs) for a ledger of about a megabyte: the disk fills mid-copy.
        mkdir(backupDir, 0o755)
        let mounted = shell("mount -t tmpfs -o size=64k coldchain-test \(backupDir)")
        try #require(mounted.status == 0, "mounting a small tmpfs needs root: \(mounted.output)")
        defer { _ = shell("umount \(backupDir)") }
        let polled = try readings()
        let full = try await offPool { try run("coldchainctl", socket + ["backup", "now"]) }
        #expect(full.status != 0 && full.err.contains("disk full"), "\(full.err)")
        guard case .backupFailed(let f2)? = try Self.backups(d).last else { Issue.record("no second backup.failed"); return }
        #expect(f2.error.contains("disk full"), "\(f2.error)")
        // Recording went on through both: the poller's readings keep coming, a check is recorded.
        #expect(try await waitUntil(10) { try readings() > polled + 2 })
        let check = try await offPool { try run("coldchainctl", socket + ["check", "F1", "--temp", "5.0", "--by", "Li"]) }
        #expect(check.status == 0, "\(check.err)")
        #expect(try LedgerReader(path: d.config.storage.path).verify().ok)

        // Space again (the stick replaced): the next backup is a full, checked copy and the problem clears.
        _ = shell("umount \(backupDir)")
        let again = try await offPool { try run("coldchainctl", socket + ["backup", "now"]) }
        #expect(again.status == 0, "\(again.err)")
        guard case .ok(let after) = try await call(d.config.control.socket, ControlRequest(cmd: "status")) else { Issue.record("status"); return }
        #expect(after["problems"]?.arrayValue == [], "\(after["problems"] ?? .null)")
        #expect(await d.stop() == 0)
    }
}
