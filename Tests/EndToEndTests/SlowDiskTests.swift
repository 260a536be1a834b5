import ColdChain
import Dispatch
import Control
import Foundation
import Glibc
import Storage
import Testing
import TestSupport

/// The daemon with an fsync that is stuck (the fsync-delay shim preloaded, as a dying SD card): nothing waits for
/// it but what must (issue 20). Before the recorder, `status` waited behind every commit.
@Suite(.serialized) struct SlowDiskTests {
    @Test func aStuckFsyncBlocksNoQueryNoWatchAndNoPoll() throws {
        let dir = TempDir("cc-stuck-fsync")
        let port = Int.random(in: 20000...30000)
        dir.write("devices/generic-int16-x10.json5", """
            { id: "generic-int16-x10", vendor: "any", model: "int16 x10",
              registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } } }
            """)
        let scenario = dir.write("scenario.json5", #"{ units: [ { unit: 1, noise_c: 0.1, timeline: [ { at: "0s", c: 5 } ] } ] }"#)
        let config = dir.write("coldchaind.json5", """
            { gateway: { id: "gw-stuck", site: "stuck" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: \(port) }, gap: "0ms" } ],
              fridges: [ { id: "F1", sensors: [ { id: "S1", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "1s" } ] } ] }
            """)
        let sim = try Subprocess("coldchain-sim", ["--scenario", scenario, "--devices", dir.file("devices"), "--tcp", "127.0.0.1:\(port)"], outputDir: dir.path)
        defer { sim.signal(SIGTERM); _ = sim.wait(seconds: 5) }
        let stuck = dir.file("stuck")
        let d = try Subprocess("coldchaind", ["--config", config], environment: ["LD_PRELOAD": binaryPath("libcoldchain-fsync-delay.so"),
                                                                                 "COLDCHAIN_FSYNC_BLOCK_FILE": stuck], outputDir: dir.path)
        defer { d.signal(SIGKILL); _ = d.wait(seconds: 5) }
        let sock = dir.file("control.sock")
        // (`for … where` would run its condition all 500 times: these loops stop at the first success.)
        for _ in 0..<500 {
            if (try? run("coldchainctl", ["--socket", sock, "status"]))?.status == 0 { break }
            usleep(20_000)
        }
        for _ in 0..<500 {
            if try LedgerReader(path: dir.file("ledger.sqlite")).events(types: ["reading"]).count > 0 { break }
            usleep(20_000)
        }

        FileManager.default.createFile(atPath: stuck, contents: nil)
        // Should a query wait for the disk after all, the disk answers after a minute and the checks below fail
        // (rather than the test hanging).
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { unlink(stuck) }
        let stalledFrom = Date()
        for _ in 0..<1000 {
            if access(stuck + ".waiting", F_OK) == 0 { break }
            usleep(10_000)
        }
        #expect(access(stuck + ".waiting", F_OK) == 0, "a commit's fsync is stuck now")
        // While it stays stuck (the file is removed only below): queries answer, and a watch starts.
        let status = try run("coldchainctl", ["--socket", sock, "status"])
        let fridges = try run("coldchainctl", ["--socket", sock, "fridges"])
        let watch = try ControlClient(path: sock)
        let started = try watch.call(ControlRequest(cmd: "watch"))
        #expect(status.status == 0 && status.out.contains("F1"), "\(status.out) \(status.err)")
        #expect(fridges.status == 0, "\(fridges.err)")
        guard case .ok = started else { Issue.record("watch: \(started)"); return }
        #expect(access(stuck, F_OK) == 0 && access(stuck + ".waiting", F_OK) == 0, "all of it while the fsync was stuck")
        while Date().timeIntervalSince(stalledFrom) < 5 { usleep(100_000) }
        let stalledTo = Date()
        unlink(stuck)
        // The poller kept its cadence: the readings it took during the stall reach the ledger once the disk answers,
        // each with the time it was read at. (A poller waiting for its commit would have taken one.)
        var during = 0
        for _ in 0..<500 {
            let readings = try LedgerReader(path: dir.file("ledger.sqlite")).events(types: ["reading"]).compactMap { RFC3339.parse($0.recordedAt) }
            during = readings.filter { $0 > stalledFrom && $0 < stalledTo }.count
            if during >= 3 && readings.contains(where: { $0 > stalledTo }) { break }
            usleep(20_000)
        }
        #expect(during >= 3, "\(during) readings taken during a 5 s stall at a 1 s poll")
        d.signal(SIGTERM)
        #expect(d.wait(seconds: 30) == 0)
        let report = try LedgerReader(path: dir.file("ledger.sqlite")).verify()
        #expect(report.ok)
    }
}
