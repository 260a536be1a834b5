import Foundation
import Glibc
import Storage
import Testing
import TestSupport

/// The device profile coldchain-sim's units answer to (temperature and humidity), in `dir`/devices.
func writeSimulatorProfile(_ dir: TempDir) {
    dir.write("devices/generic-int16-x10.json5", """
        { id: "generic-int16-x10", vendor: "any", model: "int16 x10", invalid_raw: [-32768, 32767],
          registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 },
                       humidity_pct: { table: "holding", address: 1, type: "uint16", scale: 0.1 } } }
        """)
}

/// coldchaind polling coldchain-sim over loopback, both as child processes, as on a gateway.
@Suite(.serialized) struct SimulatorEndToEndTests {
    @Test func scenarioProducesTheExpectedExcursionsAndAlarms() throws {
        let dir = TempDir("cc-sim-e2e")
        let port = Int.random(in: 27000...29999)   // below the ephemeral range (32768 up)
        writeSimulatorProfile(dir)
        // F1 stays cold; F2 warms to 10 °C for a few seconds (an excursion after the 2 s delay), then its probe
        // reports a fault.
        let scenario = dir.write("scenario.json5", """
            { units: [
                { unit: 1, humidity: 40, timeline: [ { at: "0s", c: 4.5 } ] },
                { unit: 2, humidity: 50, timeline: [ { at: "0s", c: 5 }, { at: "2s", c: 5 }, { at: "2.5s", c: 10 },
                                                     { at: "8s", c: 10 }, { at: "8.5s", c: 5 } ],
                  episodes: [ { from: "12s", to: "600s", fault: true } ] } ] }
            """)
        let config = dir.write("coldchaind.json5", """
            { gateway: { id: "gw-sim", site: "Sim clinic" }, storage: { path: "ledger.sqlite" },
              control: { socket: "control.sock" }, devices_dir: "devices",
              buses: [ { id: "sim", tcp: { host: "127.0.0.1", port: \(port) }, timeout: "300ms", gap: "0ms" } ],
              fridges: [
                { id: "F1", alarm: { preset: "gsp", delay: "2s" },
                  sensors: [ { id: "F1-air", bus: "sim", unit: 1, profile: "generic-int16-x10", poll: "1s" } ] },
                { id: "F2", alarm: { preset: "gsp", delay: "2s" },
                  sensors: [ { id: "F2-air", bus: "sim", unit: 2, profile: "generic-int16-x10", poll: "1s" } ] } ] }
            """)
        let sim = try Subprocess("coldchain-sim", ["--scenario", scenario, "--devices", dir.file("devices"), "--tcp", "127.0.0.1:\(port)"],
                                 outputDir: dir.path)
        defer { sim.signal(SIGTERM); _ = sim.wait(seconds: 5) }
        let daemon = try startDaemon(dir, config: config)
        let sock = dir.file("control.sock")
        var excursions: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let r = try run("coldchainctl", ["--socket", sock, "--json", "excursions"])
            excursions = (try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]]) ?? []
            if excursions.first?["state"] as? String == "closed" { break }
            usleep(300_000)
        }
        #expect(excursions.count == 1, "\(excursions)")
        let e = try #require(excursions.first)
        #expect(e["fridge"] as? String == "F2")
        #expect(e["side"] as? String == "high")
        #expect(e["state"] as? String == "closed")
        #expect((e["max_c"] as? Double).map { $0 >= 9.9 && $0 <= 10.1 } == true, "\(e)")
        #expect((e["duration_s"] as? Double).map { $0 >= 4 && $0 <= 9 } == true, "\(e)")
        #expect(e["rule"] as? String == "gsp+overrides")
        usleep(6_000_000)  // into the fault episode
        daemon.signal(SIGTERM)
        #expect(daemon.wait(seconds: 5) == 0)
        let events = try LedgerReader(path: dir.file("ledger.sqlite")).events(after: 0, limit: 100_000)
        let types = events.map(\.type)
        #expect(types.filter { $0 == "alarm.opened" }.count == 1)
        #expect(types.filter { $0 == "alarm.closed" }.count == 1)
        #expect(types.contains("probe.fault"))
        #expect(!events.contains { $0.type == "reading" && $0.bodyValue["fridge"] == "F1" && ($0.bodyValue["c"]?.doubleValue ?? 0) > 8 })
        #expect(events.contains { $0.type == "reading" && $0.bodyValue["h"] == 40 })
        #expect(try LedgerReader(path: dir.file("ledger.sqlite")).verify().ok)
    }
}
