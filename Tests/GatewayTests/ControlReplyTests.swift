import ColdChain
import Control
import Foundation
@testable import Gateway
import Storage
import Glibc
import Testing
import TestSupport

/// Each reply is one type in Control/Replies, written by the daemon and read by coldchainctl, so a renamed key is a
/// compile error in the renderer, not a `?`. What can still go wrong is the hand-written coding of the replies that
/// embed an event body (excursions, scans) or write nulls (lookup), and the verify report: a reply the daemon builds,
/// with every optional field present somewhere, must read back as its type and write again key for key.
@Suite struct ControlReplyTests {
    /// The daemon's reply of `reply`, read as `T` and written again.
    func roundTrips<T: Codable>(_ reply: ControlReply, as type: T.Type, _ what: String) throws {
        guard case .ok(let value) = reply else { Issue.record("\(what): \(reply)"); return }
        let typed = try value.decode(T.self)
        #expect(try JSONValue(encoding: typed) == value, "\(what) loses or changes keys when read as \(T.self)")
        // The tree is encoded straight from the type; JSONEncoder's text, parsed, is the same tree.
        #expect(try JSONValue.parse(JSONEncoder().encode(typed)) == value, "\(what): the tree encoder and JSONEncoder differ")
    }

    @Test func everyReplyReadsBackAsItsTypeKeyForKey() async throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        // A backup folder holding a file that is not a ledger: the backup sets it aside (the reply's notes).
        mkdir(f.dir.file("stick"), 0o755)
        f.dir.write("stick/gw-test-01.sqlite", "not a ledger")
        let backups = try Backups(settings: .init(dir: f.dir.file("stick"), keep: 1, at: 150), config: f.config, hub: f.hub, reader: reader,
                                  log: Log(collect: { _ in }))
        reader.close()
        let now = f.t0.addingTimeInterval(30 * 60)
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(now), backups: backups)
        // Doses in and one out, an excursion that closes and one that stays open with its alarm acknowledged, a
        // noisy scanner line, a hold: every optional field of every reply is present somewhere.
        for n in 1...3 { #expect(scans.record(scanner: "desk", bytes: DiskFullTests.dose(n), at: f.t0) != nil) }
        f.feed(11.0, minutes: 8, from: 0)
        f.feed(5.0, minutes: 2, from: 8)
        f.hub.record(sensor: "F1-air", at: f.t0.addingTimeInterval(10 * 60), temperature: .fault("probe open"), humidity: nil)
        f.feed(12.0, minutes: 8, from: 11)
        f.feed(12.8, minutes: 2, from: 19)   // a new peak: the open excursion's newest event is excursion.peak
        let alarm = try #require(f.hub.openAlarms.first)
        _ = f.hub.acknowledge(alarm: alarm.id, note: "door shut", uid: 1000, at: now)
        for k in 0..<40 { scans.record(scanner: "desk", bytes: Array("noise \(k)".utf8), at: f.t0.addingTimeInterval(Double(k) / 10)) }
        let hold = try await commands.addHold(.init(gtin: "09506000134352", product: nil, lot: "L1", code: nil, reason: "recall"), peer: PeerInfo(pid: 1, uid: 0, gid: 0))
        let excursionRows: ControlReply = try await commands.excursions(openOnly: false)
        guard case .ok(.array(let rows)) = excursionRows else { Issue.record("excursions: \(excursionRows)"); return }
        #expect(rows.count == 2 && Set(rows.map { $0["state"] }) == ["open", "closed"], "\(rows)")
        // Each row is its excursion's newest event, as a fold over every excursion event finds it.
        var newest: [Int: ExcursionState] = [:]
        for e in try LedgerReader(path: f.config.storage.path).events(types: ["excursion.opened", "excursion.peak", "excursion.closed"]) {
            switch try e.typed() {
            case .excursionOpened(let b)?: newest[b.excursion.id] = b.excursion
            case .excursionPeak(let b)?: newest[b.excursion.id] = b.excursion
            case .excursionClosed(let b)?: newest[b.excursion.id] = b.excursion
            default: break
            }
        }
        #expect(try f.events("excursion.peak").count >= 1)
        #expect(rows.map { $0["id"]?.intValue } == newest.keys.sorted() && rows.map { $0["max_c"]?.doubleValue } == newest.keys.sorted().map { newest[$0]?.maxC })

        try roundTrips(try .result(commands.status()), as: StatusReply.self, "status")
        #expect(commands.status().scanners.count == 1 && commands.status().alarms.first?.acknowledged == true)
        try roundTrips(try .result(f.hub.fridgeStatus(now: Date())), as: [FridgeStatus].self, "fridges")
        try roundTrips(excursionRows, as: [ExcursionRow].self, "excursions")
        try roundTrips(try await commands.recentScans(limit: 100), as: [ScanRow].self, "scans")
        try roundTrips(try commands.inventory(fridge: nil, expiring: nil), as: [StockGroup].self, "inventory")
        let lookup = try await commands.lookup("(01)09506000134352(17)301231(10)L1(21)D1")
        try roundTrips(lookup, as: DoseHistory.self, "lookup")
        if case .ok(let v) = lookup { #expect(v["exposures"]?.arrayValue?.count == 2 && v["holds"]?.arrayValue?.count == 1, "\(v)") }
        try roundTrips(hold, as: Hold.self, "hold add")
        try roundTrips(try .result(scans.holds), as: [Hold].self, "hold list")
        try roundTrips(try await commands.outbox(), as: UplinkStatus.self, "outbox")
        try roundTrips(try await commands.verify([]), as: VerifyReport.self, "verify")
        let check = try await commands.check("F1", celsius: 13.5, by: "王丽", note: "door seal", peer: PeerInfo(pid: 1, uid: 1000, gid: 0))
        try roundTrips(check, as: CheckReply.self, "check")
        let backup = try ControlReply.result(try backups.run(at: now).get())
        try roundTrips(backup, as: BackupReply.self, "backup now")
        if case .ok(let v) = backup { #expect(v["notes"]?["set_aside_reason"] != nil && v["full"] == true, "\(v)") }
        try roundTrips(try .result(commands.status()), as: StatusReply.self, "status with a backup")
    }

    /// A reply whose key is missing or of another type is an error that names the key, not a blank.
    @Test func aReplyThatDoesNotFitNamesTheKey() throws {
        let value: JSONValue = ["state": "idle", "pending": "many"]
        #expect(throws: DecodingError.self) { try value.decode(UplinkStatus.self) }
        do { _ = try value.decode(UplinkStatus.self) } catch { #expect("\(error)".contains("pending"), "\(error)") }
    }
}
