import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// Door switches and a mains relay on a Modbus I/O module (the project's Modbus server), through the daemon.
@Suite(.serialized) struct DoorInputTests {
    static func config(port: Int) -> String {
        """
        { gateway: { id: "gw-door", site: "Door test" },
          storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" }, devices_dir: "devices",
          buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: \(port) }, timeout: "500ms", gap: "0ms" } ],
          fridges: [ { id: "F1", alarm: { preset: "gsp", delay: "2s", comm_loss_after: "30s", door_open_after: "3s" },
                       sensors: [ { id: "A", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "1s" } ],
                       alarm_output: { bus: "lan", unit: 9, coil: 1 } } ],
          inputs: [ { id: "F1-door", bus: "lan", unit: 5, table: "discrete", address: 0, kind: "door", fridge: "F1", debounce: "1s", poll: "200ms" },
                    { id: "mains", bus: "lan", unit: 5, table: "discrete", address: 1, kind: "mains", invert: true, debounce: "0s", poll: "200ms" } ],
          power: { alarm_after: "0s" } }
        """
    }

    func types(_ d: InProcessDaemon, prefix: [String] = ["door.", "alarm.", "excursion.opened", "excursion.closed", "power."]) throws -> [String] {
        try d.events().map(\.type).filter { t in prefix.contains { t.hasPrefix($0) } }
    }

    @Test func aBounceIsNoOpeningADoorLeftOpenAlarmsAndAnExcursionCarriesTheDoor() async throws {
        let probes = Probes()
        probes.set(1, .celsius(5))
        probes.setBit(5, 0, false)
        probes.setBit(5, 1, false)   // inverted: 0 is mains present
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        defer { server.stop() }
        let d = try InProcessDaemon(configText: Self.config(port: server.port))
        try await d.waitReady()
        let sock = d.config.control.socket
        #expect(try await waitUntil(15) {
            guard case .ok(let s) = try await call(sock, ControlRequest(cmd: "status")) else { return false }
            return s["doors"]?.arrayValue?.first?["open"] == false && s["power"]?.arrayValue?.first?["state"] == "online"
        })

        // A bounce: one read of "open" between closed ones never holds for the 1 s debounce.
        probes.bitScript.withLock { $0[5] = [0: [true]] }
        let reads = probes.bitReads.withLock { $0 }
        #expect(try await waitUntil(10) { probes.bitReads.withLock { $0 } >= reads + 12 })
        #expect(probes.bitScript.withLock { $0[5]?[0]?.isEmpty } == true, "the bounce was served")
        let afterBounce = try types(d)
        #expect(afterBounce.isEmpty, "a bounce was taken for a door: \(afterBounce)")

        // Opened and left open: door.opened, then after 3 s the door alarm (the output goes on); the fridge warms
        // and its excursion, started with the door open, carries the cause.
        probes.setBit(5, 0, true)
        #expect(try await waitUntil(60) { try types(d).contains("alarm.opened") }, "\(d.log.all.suffix(20))")
        let alarm = try #require(try d.events().first { $0.type == "alarm.opened" }?.bodyValue)
        #expect(alarm["cause"] == "door" && alarm["fridge"] == "F1" && alarm["sensor"] == "F1-door")
        #expect(try await waitUntil(10) { probes.coilWrites.withLock { $0 }.contains { $0.0 == 9 && $0.1 == 1 && $0.2 } })
        probes.set(1, .celsius(11))
        #expect(try await waitUntil(15) { try types(d).contains("excursion.opened") })
        let opened = try #require(try d.events().first { $0.type == "excursion.opened" }?.bodyValue)
        #expect(opened["cause"] == "door")

        // Shut: door.closed with how long, the door alarm closes (the excursion's stays until it ends).
        probes.setBit(5, 0, false)
        #expect(try await waitUntil(15) { try types(d).contains("door.closed") })
        let closed = try #require(try d.events().first { $0.type == "door.closed" }?.bodyValue)
        #expect((closed["open_s"]?.doubleValue ?? 0) >= 3)
        probes.set(1, .celsius(5))
        #expect(try await waitUntil(15) { try types(d).contains("excursion.closed") })
        guard case .ok(let rows) = try await call(sock, ControlRequest(cmd: "excursions")) else { Issue.record("excursions failed"); return }
        #expect(rows.arrayValue?.first?["cause"] == "door", "\(rows)")

        // The mains relay drops: power.lost from the input, alarmed at once; back: restored.
        probes.setBit(5, 1, true)
        #expect(try await waitUntil(15) { try types(d).contains("power.lost") })
        let lost = try #require(try d.events().first { $0.type == "power.lost" }?.bodyValue)
        #expect(lost["source"] == "input:mains")
        probes.setBit(5, 1, false)
        #expect(try await waitUntil(15) { try types(d).contains("power.restored") })
        // The I/O module's bus goes away: the mains relay cannot be read, which is power unknown, not silence.
        server.stop()
        #expect(try await waitUntil(30) { try types(d).contains("power.unknown") })
        #expect(await d.stop() == 0)
        #expect(try types(d) == ["door.opened", "alarm.opened", "excursion.opened", "alarm.opened", "door.closed", "alarm.closed",
                                 "excursion.closed", "alarm.closed", "power.lost", "alarm.opened", "power.restored", "alarm.closed",
                                 "power.unknown"])
    }
}
