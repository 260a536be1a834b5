import ColdChain
import Foundation
import Glibc
import Storage
import Testing
import TestSupport

/// SIGKILL the daemon in mid-batch 20 times while it forwards to a loopback platform: nothing is missing at the
/// receiver, and repeats are only ids that were sent again.
@Suite(.serialized) struct UplinkCrashTests {
    @Test func killedInMidBatchLosesNothing() throws {
        let dir = TempDir("cc-uplink-crash")
        let modbusPort = Int.random(in: 20000...30000), platformPort = Int.random(in: 30001...32700)
        dir.write("devices/generic-int16-x10.json5", """
            { id: "generic-int16-x10", vendor: "any", model: "int16 x10",
              registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } } }
            """)
        let scenario = dir.write("scenario.json5", "{ units: [" + (1...8).map { "{ unit: \($0), noise_c: 0.3, timeline: [ { at: \"0s\", c: 5 } ] }" }.joined(separator: ",") + "] }")
        dir.write("token", "secret-token")
        let sensors = (1...8).map { "{ id: \"S\($0)\", bus: \"sim\", unit: \($0), profile: \"generic-int16-x10\", poll: \"1s\" }" }.joined(separator: ",")
        let config = dir.write("coldchaind.json5", """
            { gateway: { id: "gw-crash", site: "crash" }, storage: { path: "ledger.sqlite", heartbeat: "1s" },
              control: { socket: "control.sock" }, devices_dir: "devices",
              buses: [ { id: "sim", tcp: { host: "127.0.0.1", port: \(modbusPort) }, gap: "0ms" } ],
              fridges: [ { id: "F1", sensors: [ \(sensors) ] } ],
              platform: { url: "http://127.0.0.1:\(platformPort)", token_file: "token", batch_events: 7, timeout: "2s" } }
            """)
        let sim = try Subprocess("coldchain-sim", ["--scenario", scenario, "--devices", dir.file("devices"), "--tcp", "127.0.0.1:\(modbusPort)"],
                                 outputDir: dir.path)
        defer { sim.signal(SIGTERM); _ = sim.wait(seconds: 5) }
        let store = dir.file("received.jsonl")
        let receiver = try Subprocess(absolute: "/usr/bin/env", ["python3", packageRoot() + "/Tests/Interop/platform_receiver.py",
                                                                 String(platformPort), store, "secret-token",
                                                                 // Slow answers, so kills land while a batch is in flight.
                                                                 Array(repeating: "slow:0.3", count: 300).joined(separator: ",")],
                                       outputDir: dir.path)
        defer { receiver.signal(SIGKILL) }
        poll(1200, every: 50_000) { receiver.stdout.contains("ready") }

        for _ in 0..<20 {
            let d = try Subprocess("coldchaind", ["--config", config], outputDir: dir.path)
            usleep(UInt32.random(in: 600_000...1_500_000))
            d.signal(SIGKILL)
            _ = d.wait(seconds: 5)
        }
        // A last run that is allowed to drain, then stops cleanly.
        let last = try startDaemon(dir, config: config)
        let deadline = Date().addingTimeInterval(30)
        var drained = false
        while Date() < deadline && !drained {
            let r = try run("coldchainctl", ["--socket", dir.file("control.sock"), "--json", "outbox"])
            drained = r.out.contains("\"pending\":0")
            if !drained { usleep(200_000) }
        }
        last.signal(SIGTERM)
        #expect(last.wait(seconds: 5) == 0)
        #expect(drained)

        let reader = try LedgerReader(path: dir.file("ledger.sqlite"))
        let head = try reader.verify().headSequence
        // The cursor moves only after a 2xx: everything up to it must be at the receiver. (Readings keep coming
        // between the moment `outbox` said 0 pending and the stop, so the head itself may be a little past it:
        // a run once ended with 309 appended after the last batch and 310 gateway.stopped.)
        let cursorText = shell("sqlite3 \(dir.file("ledger.sqlite")) 'SELECT seq FROM uplink_cursor WHERE id = 1'").output
        let cursor = try #require(Int(cursorText.trimmingCharacters(in: .whitespacesAndNewlines)), "cursor: \(cursorText)")
        #expect(cursor <= Int(head))
        let lines = (try String(contentsOfFile: store, encoding: .utf8)).split(separator: "\n")
        let seqs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap { $0["seq"] as? Int }
        let unique = Set(seqs)
        // Everything up to the clean run's last confirmed batch arrived.
        let missing = Set(1...cursor).subtracting(unique)
        #expect(missing.isEmpty, "missing at the receiver: \(missing.sorted().prefix(20))")
        // Counted in events, not in time: how far each run got before its kill depends on the machine's load.
        #expect(cursor > 0, "the clean run forwarded nothing")
        // The cursor moves after every 2xx, so a kill repeats at most the batch in flight (7 events). Urgent
        // events (each restart's gateway.gap) also go ahead of the backlog, and again in order, once per run.
        let urgent = try reader.events(after: 0, limit: 100_000).filter { EventType.urgent.map(\.rawValue).contains($0.type) }.count
        let bound = 20 * 7 + urgent * 21
        print("uplink crash test: \(unique.count) events forwarded, \(seqs.count - unique.count) repeats (bound \(bound)), ledger head \(head)")
        #expect(seqs.count - unique.count <= bound,
                "repeats are re-sent batches, not a flood: \(seqs.count) received, \(unique.count) unique, bound \(bound)")
    }
}
