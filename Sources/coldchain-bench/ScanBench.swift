import CRawBench
import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// Scan-to-durable-verdict latency: coldchaind (from this folder) with `scanners` scanners on pseudo-terminals,
/// each sent `rate` codes per second; the time from writing a code to receiving its `scan` event on the watch
/// stream, which the daemon publishes only once the event is durable (WAL, synchronous=FULL).
enum ScanBench {
    struct Latency { var count: Int; var p50: Double; var p99: Double; var max: Double; var verdicts: [String: Int] }

    static func run(scanners: Int, rate: Int, seconds: Int) -> Int32 {
        let dir = "/tmp/coldchain-scan-bench-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        do {
            let l = try measure(scanners: scanners, rate: rate, seconds: seconds, dir: dir, ledger: "ledger.sqlite")
            var error = [CChar](repeating: 0, count: 256)
            let raw = cc_raw_sqlite_inserts(dir + "/raw.sqlite", 2000, 1, 1, 600, &error)
            print("scan latency: \(scanners) scanners × \(rate) codes/s for \(seconds) s = \(scanners * rate * seconds) scans, write to the pty → durable scan event on the watch stream")
            print("received \(l.count), verdicts \(l.verdicts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            print("p50 \(round(l.p50 * 10) / 10) ms, p99 \(round(l.p99 * 10) / 10) ms, max \(round(l.max * 10) / 10) ms")
            if raw > 0 {
                print("reference: raw sqlite3 C, one 600-byte row per transaction with synchronous=FULL: \(round(1000 / raw * 100) / 100) ms per commit (\(Int(raw)) commits/s)")
            }
            return 0
        } catch {
            print("scan bench failed: \(error)")
            return 1
        }
    }

    /// A watch line's scan and the milliseconds from its code's write (`sent`, by dose) to now; nil for any other line.
    static func latency(_ line: [UInt8], sent: borrowing Mutex<[String: UInt64]>) -> (Double, Scan)? {
        let got = DispatchTime.now().uptimeNanoseconds
        guard let w = try? JSONValue.parse(Data(line)).decode(WatchLine.self), case .scan(let scan)? = w.event.typed,
              let dose = scan.dose, let t0 = sent.withLock({ $0[dose] }) else { return nil }
        return (Double(got - t0) / 1e6, scan)
    }

    /// Runs coldchaind (from this folder) on `ledger` (relative to `dir`, or absolute: an existing history) with
    /// `scanners` scanners on ptys and measures write-to-durable-verdict latency.
    static func measure(scanners: Int, rate: Int, seconds: Int, dir: String, ledger: String) throws -> Latency {
        let bin = executableDirectory() ?? "."
        mkdir(dir, 0o755)
        do {
            let (masters, scannerConfig) = try BenchSite.ptyScanners(scanners)
            let config = dir + "/coldchaind.json5"
            _ = FileManager.default.createFile(atPath: config, contents: Data("""
                { gateway: { id: "gw-scan-bench", site: "bench" }, storage: { path: "\(ledger)" },
                  control: { socket: "control.sock" }, fridges: [ { id: "F1", sensors: [] } ],
                  scanners: [ \(scannerConfig) ] }
                """.utf8))
            let daemon = try ChildProcess(path: bin + "/coldchaind", arguments: ["--config", config], stdout: dir + "/daemon.log", stderr: dir + "/daemon.log")
            defer { daemon.signal(SIGTERM); daemon.wait() }
            var client: ControlClient?
            for _ in 0..<100 where client == nil { usleep(50_000); client = try? ControlClient(path: dir + "/control.sock") }
            guard let watch = client, case .ok = try watch.call(ControlRequest(cmd: "watch")) else { throw Errno("the daemon did not start", code: ETIMEDOUT) }
            usleep(500_000)  // the readers open their ptys

            let sent = Mutex<[String: UInt64]>([:])
            let total = scanners * rate * seconds
            let group = DispatchGroup()
            for (i, m) in masters.enumerated() {
                DispatchQueue.global().async(group: group) {
                    for k in 0..<(rate * seconds) {
                        let serial = "S\(i)N\(k)"
                        let code = "(01)09506000134352(17)301231(10)L\(i)(21)\(serial)\r"
                        sent.withLock { $0["gs1:09506000134352/\(serial)"] = DispatchTime.now().uptimeNanoseconds }
                        _ = code.utf8CString.withUnsafeBytes { write(m, $0.baseAddress, $0.count - 1) }
                        usleep(UInt32(1_000_000 / rate))
                    }
                }
            }
            var latencies: [Double] = []
            var verdicts: [String: Int] = [:]
            while latencies.count < total, let line = try watch.readLine() {
                guard let (ms, scan) = latency(line, sent: sent) else { continue }
                latencies.append(ms)
                verdicts[scan.verdict, default: 0] += 1
            }
            group.wait()
            latencies.sort()
            guard let worst = latencies.last else { throw Errno("no scan came back", code: EIO) }
            func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            return Latency(count: latencies.count, p50: pct(0.5), p99: pct(0.99), max: worst, verdicts: verdicts)
        }
    }
}
