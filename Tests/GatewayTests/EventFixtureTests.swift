import ColdChain
import Control
import Foundation
@testable import Gateway
@testable import Storage
import Glibc
import Testing
import TestSupport

/// Tests/Fixtures/every-event-type.sqlite: a ledger holding every event type, written by the real producers (hubs,
/// the daemon's start and stop) before the events become typed (issue 9). It is the record as the field has it:
/// whatever the code becomes, it must still verify and decode this file, and re-encode each body byte for byte.
/// Tests/Fixtures/records-event-types.sqlite holds, the same way, the types added after it (manual checks, backups),
/// written by the producers that added them, and Tests/Fixtures/clock-event-types.sqlite the clock's (`clock.behind`,
/// `clock.corrected`, `clock.ahead`, from the hub over a RecordClock), and Tests/Fixtures/site-event-types.sqlite the power and door
/// events (and an excursion with its cause), from the hub, and Tests/Fixtures/notify-event-types.sqlite the notify
/// attempts (`alarm.notified`), from the NotifyCenter against the robot stand-in, and Tests/Fixtures/bill-event-types.sqlite
/// the delivery bills (`bill.received`, `bill.closed` by hand and by the last scan) and an exposure's assessment
/// (`assessment.recorded`), from the scan hub. Together they
/// hold every recorded type.
///
/// Regenerate (only the file of the types you add, never to make a test pass):
/// `COLDCHAIN_WRITE_FIXTURE=1 swift test --filter EventFixtureTests` (the first), `=2` (the second), `=3` (the third),
/// `=4` (the fourth), `=5` (the fifth), `=6` (the bills)
@Suite(.serialized) struct EventFixtureTests {
    static let path = packageRoot() + "/Tests/Fixtures/every-event-type.sqlite"
    static let recordsPath = packageRoot() + "/Tests/Fixtures/records-event-types.sqlite"
    static let clockPath = packageRoot() + "/Tests/Fixtures/clock-event-types.sqlite"
    static let sitePath = packageRoot() + "/Tests/Fixtures/site-event-types.sqlite"
    static let notifyPath = packageRoot() + "/Tests/Fixtures/notify-event-types.sqlite"
    static let billPath = packageRoot() + "/Tests/Fixtures/bill-event-types.sqlite"

    @Test func theFixturesHoldEveryEventTypeAndVerify() async throws {
        switch ProcessInfo.processInfo.environment["COLDCHAIN_WRITE_FIXTURE"] {
        case "1"?: try await Self.write()
        case "2"?: try await Self.writeRecords()
        case "3"?: try Self.writeClock()
        case "4"?: try Self.writeSite()
        case "5"?: try Self.writeNotify()
        case "6"?: try Self.writeBills()
        default: break
        }
        var types: Set<String> = []
        for file in [Self.path, Self.recordsPath, Self.clockPath, Self.sitePath, Self.notifyPath, Self.billPath] {
            // A copy: opening the committed file would create -wal and -shm files beside it.
            let dir = TempDir("cc-fixture")
            let copy = dir.file("ledger.sqlite")
            try FileManager.default.copyItem(atPath: file, toPath: copy)
            let reader = try LedgerReader(path: copy)
            defer { reader.close() }
            #expect(try reader.verify().ok, "\(file)")
            // Every stored body is canonical JSON, decodes as its type, and its type writes it again byte for byte.
            for e in try reader.events(after: 0, limit: 100_000) {
                types.insert(e.type)
                #expect(e.bodyValue.serialized == e.body, "\(e.seq) \(e.type)")
                do {
                    let typed = try #require(try e.typed(), "\(e.type) has no type")
                    #expect(typed.body.json.serialized == e.body, "\(e.seq) \(e.type) re-encodes differently")
                } catch {
                    Issue.record("\(e.seq): \(error)")
                }
            }
        }
        let missing = Set(EventType.allCases.filter(\.isRecorded).map(\.rawValue)).subtracting(types)
        #expect(missing.isEmpty, "event types the fixtures lack (add them to the second, see above): \(missing.sorted())")
    }

    /// Writes the second fixture: the types of the records work, from their producers, on a fixed timeline.
    static func writeRecords() async throws {
        let f = try HubFixture()
        func at(_ minutes: Double) -> Date { f.t0.addingTimeInterval(minutes * 60) }
        f.feed(5.0, minutes: 3, from: 0)
        _ = f.hub.recordInspection(fridge: "F1", celsius: 5.2, by: "王丽", note: nil, uid: 1000, at: at(3))          // inspection.recorded
        _ = f.hub.recordInspection(fridge: "F1", celsius: 7.5, by: "Li Wei", note: "thermometer on the top shelf", uid: 1000, at: at(3.5))
        _ = f.hub.recordInspection(fridge: "F1", celsius: 5.0, by: "Li Wei", note: nil, uid: nil, at: at(60))      // no current probe
        mkdir(f.dir.file("stick"), 0o755)
        let reader = try LedgerReader(path: f.config.storage.path)
        let backups = try Backups(settings: .init(dir: f.dir.file("stick"), keep: 2, at: 150), config: f.config, hub: f.hub, reader: reader,
                                  log: Log(collect: { _ in }))
        reader.close()
        _ = backups.run(at: at(61))                                                   // backup.completed
        let missing = try Backups(settings: .init(dir: "/nonexistent/stick", keep: 2, at: 150), config: f.config, hub: f.hub,
                                  reader: try LedgerReader(path: f.config.storage.path), log: Log(collect: { _ in }))
        _ = missing.run(at: at(62))                                                   // backup.failed
        try Self.save(f, to: Self.recordsPath)
    }

    /// Writes the third fixture: the hub over a RecordClock whose system clock starts a year behind, is set right,
    /// then jumps a day; readings every minute throughout.
    static func writeClock() throws {
        let f = try HubFixture()
        let (system, steady) = (ManualClock(f.t0.addingTimeInterval(-365 * 86_400)), ManualClock(f.t0))
        let clock = RecordClock(system: system, steady: SteadyFromManual(clock: steady), floor: f.t0)    // clock.behind
        f.hub = try HubFixture.makeHub(f.config, f.ledger, at: clock.now(), recordClock: clock)
        func minute() { system.advance(by: 60); steady.advance(by: 60); f.hub.record(sensor: "F1-air", at: clock.now(), temperature: .value(5), humidity: nil) }
        for _ in 0..<3 { minute() }
        system.set(f.t0.addingTimeInterval(900))                                           // clock.corrected
        for _ in 0..<3 { minute() }
        system.advance(by: 86_400)                                                          // clock.corrected, a day
        for _ in 0..<3 { minute() }
        system.advance(by: 365 * 86_400)                                                    // clock.ahead, a year
        for _ in 0..<2 { minute() }
        system.advance(by: -365 * 86_400)                                                   // clock.corrected, back
        for _ in 0..<2 { minute() }
        f.hub.tick(at: clock.now())
        try save(f, to: clockPath)
    }

    /// Writes the fourth fixture: a UPS cut with its alarm, battery low, the UPS unreadable and back, power restored;
    /// a door left open past its delay while the fridge warms (the excursion's cause), then shut.
    static func writeSite() throws {
        let f = try HubFixture()
        func at(_ minutes: Double) -> Date { f.t0.addingTimeInterval(minutes * 60) }
        func ups(_ status: String, _ charge: Double) -> SiteMonitor.PowerReading {
            .state(online: status.hasPrefix("OL"), batteryLow: status.contains("LB"),
                   facts: PowerFacts(source: "ups:fridgeups", status: status, charge: charge, runtimeSeconds: charge * 20))
        }
        f.feed(5.0, minutes: 2, from: 0)
        f.hub.recordPower(source: "ups:fridgeups", ups("OL", 100), at: at(1))
        f.hub.recordPower(source: "ups:fridgeups", ups("OB DISCHRG", 90), at: at(2))          // power.lost, alarm.opened
        f.hub.recordPower(source: "ups:fridgeups", ups("OB LB", 9), at: at(20))               // power.battery_low
        f.hub.recordPower(source: "ups:fridgeups", .unreadable("upsd: the peer closed the connection"), at: at(21))  // power.unknown
        f.hub.recordPower(source: "ups:fridgeups", ups("OL CHRG", 10), at: at(23))            // power.known, power.restored, alarm.closed
        f.hub.recordDoor(input: "F1-door", fridge: "F1", open: false, at: at(30))
        f.hub.recordDoor(input: "F1-door", fridge: "F1", open: true, at: at(31))              // door.opened
        f.feed(11.0, minutes: 7, from: 32)                                                    // excursion.opened (cause door)
        f.hub.tick(at: at(38))                                                                // alarm.opened (door)
        f.hub.recordDoor(input: "F1-door", fridge: "F1", open: false, at: at(39))             // door.closed, alarm.closed
        f.feed(5.0, minutes: 2, from: 40)                                                     // excursion.closed
        try save(f, to: sitePath)
    }

    /// Writes the fifth fixture: an alarm told to the duty group (WeChat Work stand-in), acknowledged, closed, and a
    /// failed attempt (the command channel without its script).
    static func writeNotify() throws {
        let rig = try NotifyRig(levels: #"[ { after: "0s", to: ["duty", "site"] } ]"#)
        let f = rig.f
        unlink(f.dir.file("notify-command"))
        f.feed(11, minutes: 7, from: 0)
        let opened = try rig.alarmOpenedAt()
        rig.center.step(now: opened)
        _ = f.hub.acknowledge(alarm: 1, note: "door shut", uid: 1000, at: opened.addingTimeInterval(60))
        rig.center.step(now: opened.addingTimeInterval(60))
        try save(f, to: notifyPath)
    }

    /// Copies the fixture's ledger to `path`, compacted, without -wal and -shm files.
    /// Writes the bills' fixture: two bills from the scan hub, one closed by its last scan, one by hand with a dose
    /// missing and one on no bill.
    static func writeBills() throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        func at(_ minutes: Double) -> Date { f.t0.addingTimeInterval(minutes * 60) }
        let csv = """
            bill,sender,date,code,lot,expiry,name
            CK-1,县疾控中心,2026-11-18,81000010000000000001,202509B017,2027-08-31,乙型肝炎疫苗(酿酒酵母)
            CK-1,县疾控中心,2026-11-18,81000010000000000002,202509B017,2027-08-31,乙型肝炎疫苗(酿酒酵母)
            CK-2,县疾控中心,2026-11-18,(01)09506000134352(17)271231(10)L1(21)B1,,,
            CK-2,县疾控中心,2026-11-18,(01)09506000134352(17)271231(10)L1(21)B2,,,

            """
        for p in try BillTests.parts(csv) { _ = try scans.receive(p, uid: 1000, at: at(1)).get() }   // bill.received ×2
        _ = scans.record(scanner: "desk", bytes: Array("81000010000000000001".utf8), at: at(2))
        _ = scans.record(scanner: "desk", bytes: Array("81000010000000000002".utf8), at: at(3))        // bill.closed, automatic
        _ = scans.record(scanner: "desk", bytes: Array("(01)09506000134352(17)271231(10)L1(21)B1".utf8), at: at(4))
        _ = scans.record(scanner: "desk", bytes: Array("81234560000000000009".utf8), at: at(5))         // not_on_bill
        _ = try scans.closeBill("CK-2", by: "王丽", note: "B2 short", uid: 1000, at: at(6)).get()       // bill.closed by hand
        f.feed(11.0, minutes: 8, from: 10)
        f.feed(5.0, minutes: 3, from: 19)
        _ = try scans.assess(excursion: 1, decision: .release, codes: [], by: "王丽", note: "县疾控: 继续使用", uid: 1000, at: at(30)).get()  // assessment.recorded
        try Self.save(f, to: Self.billPath)
    }

    static func save(_ f: HubFixture, to path: String) throws {
        f.ledger.withDatabaseForTesting { db in try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        f.ledger.close()
        try? FileManager.default.removeItem(atPath: path)
        let db = try Database(path: f.config.storage.path)
        try db.execute("VACUUM INTO '\(path)'")
        db.close()
    }

    /// Writes the fixture with the producers the daemon uses, on a fixed timeline.
    static func write() async throws {
        let f = try HubFixture()
        let t0 = f.t0
        let daemon = GatewayDaemon(config: f.config, log: Log(collect: { _ in }))
        try await daemon.recordStart(ledger: f.ledger, at: t0)                       // gateway.started, config.loaded
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }),
                                calendar: .fixed(hours: 8))
        reader.close()
        func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }
        f.feed(5.0, minutes: 3, from: 1)                                              // reading
        f.hub.record(sensor: "F1-air", at: at(4), temperature: .fault("raw value -32768 means probe fault"), humidity: nil)  // probe.fault
        f.hub.tick(at: at(12))                                                        // sensor.no_data, alarm.opened
        f.hub.record(sensor: "F1-air", at: at(13), temperature: .value(5.0), humidity: .value(45.0))  // sensor.recovered, alarm.closed
        for (k, c) in [9.0, 9.5, 10.5, 11.5, 11.5, 11.5, 11.5, 12.0, 12.6].enumerated() {          // excursion.opened, .peak, alarm.opened
            f.hub.record(sensor: "F1-air", at: at(14 + Double(k)), temperature: .value(c), humidity: nil)
        }
        if let alarm = f.hub.openAlarms.first {
            _ = f.hub.acknowledge(alarm: alarm.id, note: "door shut, doses checked", uid: 1000, at: at(23.5))  // alarm.acknowledged
        }
        f.feed(5.0, minutes: 3, from: 24)                                             // excursion.closed, alarm.closed
        scans.record(scanner: "desk", bytes: Array("(01)09506000134352(17)301231(10)L1(21)A1".utf8), at: at(30))    // scan
        scans.record(scanner: "desk", bytes: Array("CC:MODE:OUT".utf8), at: at(31))  // scanner.switched
        scans.record(scanner: "desk", bytes: Array("(01)09506000134352(17)301231(10)L1(21)A1".utf8), at: at(32))
        _ = scans.addHold(product: "gs1:09506000134352", lot: "L2", code: nil, reason: "recall R-1", source: "local", uid: 1000, at: at(33))
        if let h = scans.holds.first { _ = scans.removeHold(h.id, uid: 1000, at: at(34)) }  // hold.added, hold.removed
        for k in 0..<15 { scans.record(scanner: "desk", bytes: [0x00, 0x11, UInt8(k)], at: at(35).addingTimeInterval(Double(k) * 0.1)) }
        scans.tickNoise(scanner: "desk", at: at(35).addingTimeInterval(11))           // scanner.noise
        // The disk fills, then space returns: ledger.unrecorded.
        let pages = f.ledger.withDatabaseForTesting { db in (try? db.scalarInt("PRAGMA page_count")) ?? 0 } ?? 0
        f.ledger.withDatabaseForTesting { db in _ = try? db.scalarInt("PRAGMA max_page_count = \(pages)") }
        var m = 40.0
        while f.ledger.writeFailure == nil && m < 5000 { f.hub.record(sensor: "F1-air", at: at(m), temperature: .value(5.0), humidity: nil); m += 1 }
        f.ledger.withDatabaseForTesting { db in _ = try? db.scalarInt("PRAGMA max_page_count = 1073741823") }
        f.hub.record(sensor: "F1-air", at: at(m + 1), temperature: .value(5.0), humidity: nil)
        try await f.ledger.append(NewEvent(.gatewayStopped, at: at(m + 2), body: ["reason": "SIGTERM", "uptime_s": .number((m + 2) * 60)]))
        try await f.ledger.writeHeartbeat(at: at(m + 2))
        // A crash after a reading, a restart two hours later: gateway.gap.
        f.hub.record(sensor: "F1-air", at: at(m + 3), temperature: .value(5.0), humidity: nil)
        try await daemon.recordStart(ledger: f.ledger, at: at(m + 123))
        try save(f, to: path)
    }
}
