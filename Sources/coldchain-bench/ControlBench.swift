import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Storage
import Synchronization

/// The daemon's memory under hostile control clients (the adversarial run's findings): a client that sends `status`
/// in a loop and never reads (before the bound: 25 MB to 3.9 GB in 20 s, and it stayed there), and 60 parallel
/// `scans --limit 10000` on a ledger of 10,000 large scans (before: 1.1 GB, not given back).
enum ControlBench {
    static func run(seconds: Int) -> Int32 {
        let bin = executableDirectory() ?? "."
        let dir = "/tmp/coldchain-control-bench-\(getpid())"
        mkdir(dir, 0o755)
        mkdir(dir + "/devices", 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        func write(_ name: String, _ text: String) { _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(text.utf8)) }
        write("devices/generic-int16-x10.json5", """
            { id: "generic-int16-x10", vendor: "any", model: "int16 x10", invalid_raw: [-32768, 32767],
              registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } } }
            """)
        write("coldchaind.json5", """
            { gateway: { id: "gw-bench", site: "bench" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: 9 }, timeout: "500ms" } ],
              fridges: [ { id: "F1", sensors: [ { id: "S1", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "60s" } ] } ],
              scanners: [ { id: "desk", device: "/dev/null", fridge: "F1", mode: "in" } ] }
            """)
        do {
            // 10,000 scans of about 600 bytes: `scans --limit 10000` is a 6 MB answer.
            let ledger = try Ledger(path: dir + "/ledger.sqlite")
            let body: JSONValue = ["scanner": "desk", "fridge": "F1", "mode": "in", "verdict": "unrecognised", "refused": true, "moved": false,
                                   "detail": ["reason": .string(String(repeating: "r", count: 300))], "code": ["raw": .string(String(repeating: "x", count: 200))]]
            let t0 = Date().addingTimeInterval(-86400)
            let events = (0..<10_000).map { NewEvent(.scan, at: t0.addingTimeInterval(Double($0)), body: body) }
            let done = DispatchSemaphore(value: 0)
            Task { _ = try? await ledger.append(contentsOf: events); done.signal() }
            done.wait()
            ledger.close()

            let daemon = try ChildProcess(path: bin + "/coldchaind", arguments: ["--config", dir + "/coldchaind.json5"],
                                          stdout: dir + "/daemon.log", stderr: dir + "/daemon.log")
            defer { daemon.signal(SIGTERM); daemon.wait() }
            let socket = dir + "/control.sock"
            for _ in 0..<100 where (try? ControlClient(path: socket)) == nil { usleep(50_000) }
            sleep(2)
            let idle = rss(daemon.pid)
            print("control socket under hostile clients (coldchaind from this folder, a ledger of 10,000 scans of 600 bytes)")
            print("idle: \(mb(idle))")

            // 1. A client that writes requests as fast as it can and never reads.
            let flood = try UnixSocket.connect(path: socket)
            try flood.setNonBlocking(true)
            let line = Array(ControlRequest(cmd: "status").line.utf8)
            let chunk = Array([[UInt8]](repeating: line, count: 1000).joined())
            var sent = 0, peak = idle
            let end = monotonicSeconds() + Double(seconds)
            while monotonicSeconds() < end {
                let n = chunk.withUnsafeBytes { send(flood.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 { sent += n } else { usleep(10_000); peak = max(peak, rss(daemon.pid)) }
            }
            peak = max(peak, rss(daemon.pid))
            flood.close()
            sleep(2)
            let afterFlood = rss(daemon.pid)
            print("flood, \(seconds) s of `status` never read: \(sent / line.count) requests accepted by the socket; peak \(mb(peak)) (\(ratio(peak, idle)) × idle), after the client left \(mb(afterFlood)) (\(ratio(afterFlood, idle)) × idle)")

            // 2. 60 clients at once asking for 10,000 scans each.
            let outcomes = Mutex<[String: Int]>([:])
            let group = DispatchGroup()
            let sampling = Mutex(true)
            let sampledPeak = Mutex(0)
            DispatchQueue.global().async { while sampling.withLock({ $0 }) { let r = rss(daemon.pid); sampledPeak.withLock { $0 = max($0, r) }; usleep(20_000) } }
            for _ in 0..<60 {
                group.enter()
                DispatchQueue.global().async {
                    defer { group.leave() }
                    let outcome: String
                    do {
                        switch try ControlClient(path: socket).call(ControlRequest(cmd: "scans", args: ["limit": 10_000])) {
                        case .ok: outcome = "answered"
                        case .failure(let f): outcome = f.code.rawValue
                        }
                    } catch { outcome = "connection error" }
                    outcomes.withLock { $0[outcome, default: 0] += 1 }
                }
            }
            group.wait()
            sampling.withLock { $0 = false }
            sleep(2)
            let afterQueries = rss(daemon.pid), queryPeak = sampledPeak.withLock { $0 }
            print("60 parallel `scans --limit 10000`: \(outcomes.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")); peak \(mb(queryPeak)) (\(ratio(queryPeak, idle)) × idle), 2 s later \(mb(afterQueries)) (\(ratio(afterQueries, idle)) × idle)")
            print("(before the bounds, measured by the adversarial run: the flood reached 3.9 GB and stayed; the 60 queries 1.1 GB, not given back)")
        } catch {
            print("control bench failed: \(error)")
            return 1
        }
        return 0
    }

    static func rss(_ pid: Int32) -> Int {
        Int(DaemonBench.procStatus(pid)["VmRSS"]?.split(separator: " ").first ?? "") ?? 0
    }

    static func mb(_ kb: Int) -> String { "\((Double(kb) / 1024 * 10).rounded() / 10) MB" }

    static func ratio(_ a: Int, _ b: Int) -> String { b > 0 ? "\((Double(a) / Double(b) * 100).rounded() / 100)" : "?" }

}
