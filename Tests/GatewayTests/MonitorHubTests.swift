import ColdChain
import Control
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// A hub on a real ledger in a temporary folder, fed readings at chosen times.
/// A steady clock that a test moves by hand, apart from the system clock.
struct SteadyFromManual: MonotonicClock {
    let clock: ManualClock
    func seconds() -> Double { clock.now().timeIntervalSince1970 }
}

final class HubFixture: @unchecked Sendable {
    let dir: TempDir
    let config: GatewayConfig
    let ledger: Ledger
    var hub: MonitorHub
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// `top`: more top-level keys for the config (inputs, power).
    init(dir: TempDir = TempDir("cc-hub"), alarm: String = #"{ preset: "gsp" }"#, top: String = "") throws {
        self.dir = dir
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        let text = validConfig.replacingOccurrences(of: #"alarm: { preset: "gsp" }"#, with: "alarm: \(alarm)")
            .replacingOccurrences(of: "scanners: [", with: top + "scanners: [")
        config = try ConfigLoader.load(path: dir.write("coldchaind.json5", text)).get().0
        ledger = try Ledger(path: config.storage.path)
        hub = try Self.makeHub(config, ledger, at: t0)
    }

    static func makeHub(_ config: GatewayConfig, _ ledger: Ledger, at t: Date, recordClock: RecordClock? = nil) throws -> MonitorHub {
        let reader = try LedgerReader(path: config.storage.path)
        defer { reader.close() }
        return try MonitorHub(config: config, ledger: ledger, reader: reader, log: Log(collect: { _ in }), now: t, recordClock: recordClock)
    }

    /// Readings of `c` every minute for `minutes`, starting `offset` minutes after t0.
    func feed(_ c: Double, minutes: Int, from offset: Int) {
        for m in 0..<minutes {
            hub.record(sensor: "F1-air", at: t0.addingTimeInterval(Double(offset + m) * 60), temperature: .value(c), humidity: nil)
        }
    }

    func events(_ type: String) throws -> [JSONValue] {
        try LedgerReader(path: config.storage.path).events(types: [type]).map(\.bodyValue)
    }
}

@Suite struct MonitorHubTests {
    @Test func excursionAndAlarmAreRecordedAndClosed() throws {
        let f = try HubFixture()
        f.feed(5, minutes: 3, from: 0)
        f.feed(11, minutes: 10, from: 3)
        f.feed(5, minutes: 1, from: 13)
        let opened = try f.events("excursion.opened")
        #expect(opened.count == 1)
        #expect(opened.first?["start"] == .string(RFC3339.format(f.t0.addingTimeInterval(180))))
        let closed = try #require(try f.events("excursion.closed").first)
        #expect(closed["duration_s"] == 600)
        #expect(closed["max_c"] == 11)
        #expect(closed["degree_minutes"] == 30)
        #expect(closed["rule"] == "gsp")
        #expect(try f.events("alarm.opened").first?["cause"] == "excursion")
        #expect(try f.events("alarm.closed").first?["reason"] == "excursion 1 ended")
        #expect(try f.events("reading").count == 14)
        #expect(f.hub.openAlarms.isEmpty)
    }

    @Test func acknowledgingNeedsANoteAndKeepsTheExcursionOpen() throws {
        let f = try HubFixture()
        f.feed(11, minutes: 6, from: 0)
        #expect(f.hub.desiredOutputs().map(\.on) == [true])
        guard case .failure(let noNote) = f.hub.acknowledge(alarm: 1, note: "  ", uid: 1000, at: f.t0) else { Issue.record("accepted"); return }
        #expect(noNote.code == .invalidArgument)
        guard case .success(let e) = f.hub.acknowledge(alarm: 1, note: "door closed", uid: 1000, at: f.t0) else { Issue.record("refused"); return }
        #expect(e.bodyValue["uid"] == 1000 && e.bodyValue["note"] == "door closed")
        #expect(f.hub.desiredOutputs().map(\.on) == [false], "acknowledging silences the output")
        f.feed(11, minutes: 5, from: 6)
        #expect(try f.events("excursion.closed").isEmpty, "the excursion stays open until it ends")
        guard case .failure(let again) = f.hub.acknowledge(alarm: 1, note: "x", uid: 0, at: f.t0) else { Issue.record("accepted twice"); return }
        #expect(again.code == .conflict)
        guard case .failure(let missing) = f.hub.acknowledge(alarm: 9, note: "x", uid: 0, at: f.t0) else { Issue.record("accepted"); return }
        #expect(missing.code == .notFound)
    }

    @Test func anExcursionOpenAtAPowerCutIsTheSameExcursionAfterIt() throws {
        let f = try HubFixture()
        f.feed(12, minutes: 30, from: 0)
        // Power cut: the hub is gone; a new one is built from the ledger two hours later.
        f.hub = try HubFixture.makeHub(f.config, f.ledger, at: f.t0.addingTimeInterval(7200))
        #expect(f.hub.fridgeStatus(now: Date()).first?.state == .excursion)
        #expect(f.hub.openAlarms.map(\.id) == [1])
        f.feed(12, minutes: 5, from: 120)
        f.feed(5, minutes: 1, from: 125)
        #expect(try f.events("excursion.opened").count == 1)
        let closed = try #require(try f.events("excursion.closed").first)
        #expect(closed["excursion"] == 1)
        #expect(closed["start"] == .string(RFC3339.format(f.t0)))
        #expect(closed["duration_s"] == .number(125 * 60))
        #expect(try f.events("alarm.closed").count == 1)
    }

    @Test func silentSensorRaisesNoDataAlarmThatRecovers() throws {
        let f = try HubFixture()
        f.feed(5, minutes: 1, from: 0)
        for m in 1...10 { f.hub.tick(at: f.t0.addingTimeInterval(Double(m) * 60)) }
        #expect(try f.events("sensor.no_data").count == 1)
        #expect(f.hub.openAlarms.map(\.cause) == [.noData])
        // It survives a restart as the same alarm, closed by the first reading.
        f.hub = try HubFixture.makeHub(f.config, f.ledger, at: f.t0.addingTimeInterval(900))
        for m in 15...20 { f.hub.tick(at: f.t0.addingTimeInterval(Double(m) * 60)) }
        #expect(try f.events("sensor.no_data").count == 1)
        f.feed(5, minutes: 1, from: 21)
        #expect(try f.events("sensor.recovered").count == 1)
        #expect(f.hub.openAlarms.isEmpty)
    }

    @Test func faultIsRecordedAsAFaultNeverAsATemperature() throws {
        let f = try HubFixture()
        f.hub.record(sensor: "F1-air", at: f.t0, temperature: .fault("raw value 32767 means probe fault"), humidity: nil)
        #expect(try f.events("reading").isEmpty)
        #expect(try f.events("probe.fault").first?["reason"] == "raw value 32767 means probe fault")
    }

    @Test func listenersSeeEveryRecordedEvent() throws {
        let f = try HubFixture()
        let seen = LogCapture()
        let id = f.hub.addListener { e, typed in seen.append(e.type); #expect(typed.type.rawValue == e.type) }
        f.feed(11, minutes: 6, from: 0)
        f.hub.removeListener(id)
        f.feed(5, minutes: 1, from: 6)
        #expect(seen.all == Array(repeating: "reading", count: 6) + ["excursion.opened", "alarm.opened"])
    }

    /// A cut and an open door carry on across a restart, from the ledger: the power's return says the whole time off,
    /// the restored alarm closes, the door still open is not opened again, and its closing says the whole time open.
    @Test func powerAndDoorStateSurviveARestart() throws {
        let f = try HubFixture(top: #"inputs: [ { id: "F1-door", bus: "lan", unit: 5, address: 0, kind: "door", fridge: "F1" } ], "#)
        func at(_ m: Double) -> Date { f.t0.addingTimeInterval(m * 60) }
        let facts = PowerFacts(source: "ups:u", status: "OB")
        f.hub.recordPower(source: "ups:u", .state(online: false, batteryLow: false, facts: facts), at: at(1))
        f.hub.recordDoor(input: "F1-door", fridge: "F1", open: true, at: at(2))
        #expect(f.hub.openAlarms.map(\.cause) == [.power])
        f.hub = try HubFixture.makeHub(f.config, f.ledger, at: at(60))
        #expect(f.hub.openAlarms.map(\.cause) == [.power], "the alarm was restored")
        f.hub.recordDoor(input: "F1-door", fridge: "F1", open: true, at: at(61))
        f.hub.recordPower(source: "ups:u", .state(online: true, batteryLow: false, facts: PowerFacts(source: "ups:u", status: "OL")), at: at(61))
        f.hub.recordDoor(input: "F1-door", fridge: "F1", open: false, at: at(62))
        #expect(try f.events("door.opened").count == 1)
        #expect(try f.events("power.restored").first?["off_s"] == 3600)
        #expect(try f.events("door.closed").first?["open_s"] == 3600)
        #expect(try f.events("alarm.closed").first?["reason"] == "power restored")
        #expect(f.hub.openAlarms.isEmpty)
    }
}
