import ColdChain
import Control
import Foundation
@testable import Gateway
import POSIX
@testable import Storage
import Synchronization
import Testing
import TestSupport

/// The ledger refusing writes (SQLite's real SQLITE_FULL, from `max_page_count` on the real file): memory changes
/// only by what was written, every caller learns it, `status` says it first, and the loss is recorded once the
/// ledger accepts writes again. (Before: `fridges` showed readings the ledger did not hold; after space returned,
/// `inventory` showed 3,000 doses against 192 recorded scan-ins and a re-scan said `duplicate`.)
@Suite struct DiskFullTests {
    static func dose(_ n: Int) -> [UInt8] { Array("(01)09506000134352(17)301231(10)L1(21)D\(n)".utf8) }

    /// Caps the ledger at its current size, then writes readings until one is refused.
    static func fill(_ f: HubFixture, from minute: inout Int) -> Bool {
        let pages = f.ledger.withDatabaseForTesting { db in (try? db.scalarInt("PRAGMA page_count")) ?? 0 } ?? 0
        f.ledger.withDatabaseForTesting { db in _ = try? db.scalarInt("PRAGMA max_page_count = \(pages)") }
        for _ in 0..<5000 {
            // 11 °C, as the excursion before: the alarm stays open through the fill.
            f.hub.record(sensor: "F1-air", at: f.t0.addingTimeInterval(Double(minute) * 60), temperature: .value(11.0), humidity: nil)
            minute += 1
            if f.ledger.writeFailure != nil { return true }
        }
        return false
    }

    @Test func memoryFollowsTheRecordAndTheLossIsRecorded() throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        let news = Mutex<[HubNews]>([])
        _ = f.hub.addNewsListener { n in news.withLock { $0.append(n) } }
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(f.t0))

        // Three doses in, and an excursion with its alarm, all recorded.
        for n in 1...3 { #expect(scans.record(scanner: "desk", bytes: Self.dose(n), at: f.t0) != nil) }
        f.feed(11.0, minutes: 10, from: 0)
        let alarm = try #require(f.hub.openAlarms.first)

        var minute = 20
        #expect(Self.fill(f, from: &minute), "the capped ledger refuses a write")
        let refusedAt = minute
        let lastRecorded = try #require(f.hub.fridgeStatus(now: Date()).first?.at)
        #expect(lastRecorded == RFC3339.format(f.t0.addingTimeInterval(Double(refusedAt - 2) * 60)))

        // Refused while full: a reading, a scan, an acknowledgement, a hold.
        f.hub.record(sensor: "F1-air", at: f.t0.addingTimeInterval(Double(minute) * 60), temperature: .value(5.5), humidity: nil)
        #expect(f.hub.fridgeStatus(now: Date()).first?.at == lastRecorded, "fridges shows only what the ledger holds")
        #expect(scans.record(scanner: "desk", bytes: Self.dose(4), at: f.t0.addingTimeInterval(Double(minute) * 60)) == nil)
        #expect(scans.inventory(fridge: nil, expiringWithin: nil, now: f.t0).first?.count == 3, "the stock did not move")
        let notRecorded = news.withLock { $0.compactMap { n -> JSONValue? in
            if case .notRecorded(_, .scan(let scan), let reason) = n { #expect(reason.contains("disk full")); return scan.json }
            return nil
        } }
        #expect(notRecorded.count == 1 && notRecorded.first?["verdict"] == "ok", "the watch stream hears the verdict and that it was not recorded")
        guard case .failure(let ackFailure) = f.hub.acknowledge(alarm: alarm.id, note: "door shut", uid: 0, at: f.t0) else {
            Issue.record("acknowledged without a record"); return
        }
        #expect(ackFailure.code == .notRecorded && ackFailure.message.contains("disk full"), "\(ackFailure.message)")
        #expect(f.hub.openAlarms.first?.acknowledged == false)
        guard case .failure(let holdFailure) = scans.addHold(product: "gs1:09506000134352", lot: nil, code: nil, reason: "recall",
                                                            source: "local", uid: 0, at: f.t0) else { Issue.record("held without a record"); return }
        #expect(holdFailure.code == .notRecorded)
        #expect(scans.holds.isEmpty)
        // Status says it first; the alarm outputs sound (a data interruption alarms too).
        let problems = commands.status().problems
        #expect(problems.first?.hasPrefix("ledger: cannot write since ") == true, "\(problems)")
        #expect(problems.first?.contains("disk full") == true)
        // (Once the unrecorded scan's pattern, gaps in the steady tone, is over.)
        let outputs = f.hub.desiredOutputs(monotonic: monotonicSeconds() + 60)
        #expect(!outputs.isEmpty && outputs.allSatisfy { $0.on })

        // Space returns: the next write records what was lost first, then carries on.
        f.ledger.withDatabaseForTesting { db in _ = try? db.scalarInt("PRAGMA max_page_count = 1073741823") }
        minute += 1
        f.hub.record(sensor: "F1-air", at: f.t0.addingTimeInterval(Double(minute) * 60), temperature: .value(5.0), humidity: nil)
        #expect(f.ledger.writeFailure == nil)
        let lost = try #require(try f.events("ledger.unrecorded").first)
        #expect(lost["readings"]?["F1-air"]?.intValue == 2, "the reading that found the disk full and the one after: \(lost)")
        #expect(lost["readings_total"] == 2)
        #expect(lost["events"]?["scan"] == 1 && lost["events"]?["alarm.acknowledged"] == 1 && lost["events"]?["hold.added"] == 1)
        #expect(lost["from"] == .string(RFC3339.format(f.t0.addingTimeInterval(Double(refusedAt - 1) * 60))))
        #expect(lost["error"]?.stringValue?.contains("disk full") == true)
        let after = commands.status().problems
        #expect(after == [])

        // The same dose scanned again is a new scan-in, not a duplicate; memory and a fresh restore agree.
        let again = try #require(scans.record(scanner: "desk", bytes: Self.dose(4), at: f.t0.addingTimeInterval(Double(minute) * 60)))
        #expect(again.bodyValue["verdict"] == "ok")
        #expect(scans.inventory(fridge: nil, expiringWithin: nil, now: f.t0).first?.count == 4)
        let reread = try LedgerReader(path: f.config.storage.path)
        let restored = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reread, log: Log(collect: { _ in }))
        #expect(restored.inventory(fridge: nil, expiringWithin: nil, now: f.t0) == scans.inventory(fridge: nil, expiringWithin: nil, now: f.t0))
        #expect(try reread.verify().ok)
        reread.close()
    }
}

/// Line noise on a scanner: a person's unrecognised code is recorded; a flood is counted, one event per interval.
@Suite struct ScanNoiseTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func aPersonsMistakesAreRecordedAFloodIsCounted() {
        var gate = ScanNoiseGate(limit: 10, interval: 10)
        // A nurse scanning a wrong label now and then: each one recorded.
        for k in 0..<30 { #expect(gate.unrecognised(sample: "x", at: t0.addingTimeInterval(Double(k) * 2)) == .record) }
        #expect(gate.tick(at: t0.addingTimeInterval(100)) == nil)
        // 2,000 codes in 10 s: 10 recorded, the rest counted.
        let start = t0.addingTimeInterval(200)
        var recorded = 0
        for k in 0..<2000 where gate.unrecognised(sample: "\\x00\\x11", at: start.addingTimeInterval(Double(k) * 0.005)) == .record { recorded += 1 }
        #expect(recorded == 10)
        // The 11th code, at 0.05 s, made the line noisy: its interval ends 10 s later.
        #expect(gate.tick(at: start.addingTimeInterval(10.0)) == nil)
        let first = gate.tick(at: start.addingTimeInterval(10.05))
        #expect(first == ScanNoiseGate.Report(from: start.addingTimeInterval(0.05), to: start.addingTimeInterval(10.05), count: 1990,
                                               sample: "\\x00\\x11", ended: false))
        #expect(gate.tick(at: start.addingTimeInterval(15)) == nil, "one report per interval")
        let quiet = gate.tick(at: start.addingTimeInterval(20.1))
        #expect(quiet?.ended == true && quiet?.count == 0)
        #expect(gate.spell == nil)
        #expect(gate.unrecognised(sample: "y", at: start.addingTimeInterval(21)) == .record, "a person again")
    }

    @Test func aClockSteppedBackDoesNotHoldTheIntervalOpen() {
        var gate = ScanNoiseGate(limit: 1, interval: 10)
        _ = gate.unrecognised(sample: "a", at: t0)
        _ = gate.unrecognised(sample: "b", at: t0)
        #expect(gate.tick(at: t0.addingTimeInterval(-86400)) == nil)
        #expect(gate.tick(at: t0.addingTimeInterval(-86390))?.count == 1)
    }

    @Test func aNoisyScannerRecordsIntervalsAndARealCodeStillCounts() throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        var rng = Seeded.forTest()
        for k in 0..<500 {
            let garbage = (0..<Int.random(in: 1...30, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            scans.record(scanner: "desk", bytes: garbage.filter { $0 != 0x0D && $0 != 0x0A }, at: f.t0.addingTimeInterval(Double(k) * 0.01))
            if k == 250 { scans.record(scanner: "desk", bytes: DiskFullTests.dose(1), at: f.t0.addingTimeInterval(2.5)) }
        }
        #expect(scans.noisyScanners().first?.scanner == "desk")
        scans.tickNoise(scanner: "desk", at: f.t0.addingTimeInterval(11))
        scans.tickNoise(scanner: "desk", at: f.t0.addingTimeInterval(22))
        let scanEvents = try f.events("scan")
        #expect(scanEvents.filter { $0["verdict"] == "unrecognised" }.count <= 10)
        #expect(scanEvents.contains { $0["dose"] == "gs1:09506000134352/D1" && $0["verdict"] == "ok" }, "a real code in the noise is recorded")
        let noise = try f.events("scanner.noise")
        #expect(noise.count == 2)
        let counted = noise.first?["count"]?.intValue ?? 0
        #expect(counted + scanEvents.filter { $0["verdict"] == "unrecognised" }.count >= 480, "every unrecognised code is either a scan or counted")
        #expect(noise.last?["ended"] == true)
        #expect(scans.noisyScanners().isEmpty)
    }
}

/// Verdicts and `inventory --expiring` read the same calendar: in a UTC+8 clinic at 01:30 local time (17:30 UTC,
/// still the day before in UTC) a dose expiring today is listed by `inventory --expiring 0s`, and one that expired
/// yesterday is refused at scan-in.
@Suite struct ClinicCalendarUseTests {
    @Test func verdictsAndInventoryAgreeOnToday() throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }),
                                calendar: .fixed(hours: 8))
        reader.close()
        let now = Date(timeIntervalSince1970: 1_795_455_000)   // 2026-11-23T17:30Z = 2026-11-24 01:30 +08:00
        let today = try #require(scans.record(scanner: "desk", bytes: Array("(01)09506000134352(17)261124(10)L1(21)T1".utf8), at: now))
        #expect(today.bodyValue["verdict"] == "ok")
        let yesterday = try #require(scans.record(scanner: "desk", bytes: Array("(01)09506000134352(17)261123(10)L1(21)T2".utf8), at: now))
        #expect(yesterday.bodyValue["verdict"] == "expired", "the 23rd is over in the clinic, though not in UTC")
        let expiring = scans.inventory(fridge: nil, expiringWithin: 0, now: now)
        #expect(expiring.first?.expiry == "2026-11-24" && expiring.first?.count == 1, "\(expiring)")
    }
}
