import CRawBench
import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Storage
import Synchronization

/// The daemon on a slow disk: coldchaind (from this folder) with the fsync-delay shim preloaded
/// (libcoldchain-fsync-delay.so: every fsync and fdatasync `delay` ms late, as a worn SD card), `sensors` probes of
/// coldchain-sim polled every second and 4 scanners on ptys at 5 codes/s. Printed per case: readings recorded per
/// second against those due, `status` and `fridges` p50/p95, scan-to-verdict p99, and fsyncs (commits) per second
/// against events per second: the batching.
enum SlowDiskBench {
    struct Figures {
        var readingsPerSecond = 0.0, due = 0.0
        var status: [Double] = [], fridges: [Double] = []
        var scans: [Double] = []
        var fsyncsPerSecond = 0.0, eventsPerSecond = 0.0
    }

    static func run(seconds: Int, delays: [Int], sensorCounts: [Int]) -> Int32 {
        let bin = executableDirectory() ?? "."
        let shim = bin + "/libcoldchain-fsync-delay.so"
        guard access(shim, R_OK) == 0 else {
            print("slowdisk: \(shim) is missing: swift build -c release --product coldchain-fsync-delay")
            return 1
        }
        print("slow disk: coldchaind from this folder, every fsync delayed by the LD_PRELOAD shim; probes polled every 1 s, "
              + "4 scanners at 5 codes/s, \(seconds) s measured per case")
        print("sensors  fsync+   readings/s (due)   status p50/p95     fridges p50/p95    scan p99   fsyncs/s  events/s  raw C commit")
        for sensors in sensorCounts {
            for delay in delays {
                let site = BenchSite("slowdisk-bench-\(sensors)-\(delay)", port: 20000 + Int((getpid() + Int32(sensors * 7 + delay)) % 20000))
                defer { _ = try? FileManager.default.removeItem(atPath: site.dir) }
                do {
                    let f = try measure(sensors: sensors, delay: delay, seconds: seconds, site: site, shim: shim)
                    let raw = rawCommit(delay: delay, dir: site.dir, bin: bin, shim: shim)
                    func p(_ v: [Double], _ q: Double) -> String {
                        guard !v.isEmpty else { return "-" }
                        let s = v.sorted()
                        return "\((s[min(s.count - 1, Int(Double(s.count) * q))] * 10).rounded() / 10)"
                    }
                    let cells = [
                        "\(sensors)".padding(toLength: 9, withPad: " ", startingAt: 0),
                        "\(delay) ms".padding(toLength: 9, withPad: " ", startingAt: 0),
                        "\((f.readingsPerSecond * 10).rounded() / 10) (\(Int(f.due)))".padding(toLength: 19, withPad: " ", startingAt: 0),
                        "\(p(f.status, 0.5)) / \(p(f.status, 0.95)) ms".padding(toLength: 19, withPad: " ", startingAt: 0),
                        "\(p(f.fridges, 0.5)) / \(p(f.fridges, 0.95)) ms".padding(toLength: 19, withPad: " ", startingAt: 0),
                        "\(p(f.scans, 0.99)) ms".padding(toLength: 11, withPad: " ", startingAt: 0),
                        "\((f.fsyncsPerSecond * 10).rounded() / 10)".padding(toLength: 10, withPad: " ", startingAt: 0),
                        "\((f.eventsPerSecond * 10).rounded() / 10)".padding(toLength: 10, withPad: " ", startingAt: 0),
                        raw.map { "\(($0 * 10).rounded() / 10) ms" } ?? "?",
                    ]
                    print(cells.joined())
                    fflush(nil)
                } catch {
                    print("\(sensors) sensors, fsync +\(delay) ms: failed: \(error)")
                }
            }
        }
        print("goals with fsync +300 ms: readings ≥ 0.98 of due, status p95 ≤ 20 ms, scan p99 ≤ 2 fsyncs (about 600 ms + the raw commit)")
        return 0
    }

    /// The raw C library's durable commit under the same shim: a child (this bench) inserting one row per transaction.
    static func rawCommit(delay: Int, dir: String, bin: String, shim: String) -> Double? {
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = shim
        env["COLDCHAIN_FSYNC_DELAY_MS"] = String(delay)
        guard let child = try? ChildProcess(path: bin + "/coldchain-bench", arguments: ["raw-commits", "--file", dir + "/raw.sqlite"],
                                            stdout: dir + "/raw.out", stderr: dir + "/raw.out", environment: env) else { return nil }
        _ = child.wait()
        let text = (try? String(contentsOfFile: dir + "/raw.out", encoding: .utf8)) ?? ""
        return Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The child of `rawCommit`: prints milliseconds per commit of 10 one-row transactions (WAL, synchronous=FULL).
    static func rawCommits(file: String) -> Int32 {
        var error = [CChar](repeating: 0, count: 256)
        let perSecond = cc_raw_sqlite_inserts(file, 10, 1, 1, 200, &error)
        guard perSecond > 0 else { return 1 }
        print(1000 / perSecond)
        return 0
    }

    static func measure(sensors: Int, delay: Int, seconds: Int, site: BenchSite, shim: String) throws -> Figures {
        let dir = site.dir
        site.steadyScenario(units: sensors)
        let (masters, scanners) = try BenchSite.ptyScanners(4)
        defer { for m in masters { close(m) } }
        site.write("coldchaind.json5", """
            { gateway: { id: "gw-slowdisk", site: "bench" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", \(site.buses(gap: "0ms")),
              fridges: [ \(BenchSite.fridges(sensors: sensors, poll: "1s")) ], scanners: [ \(scanners) ] }
            """)
        let sim = try site.startSimulator()
        defer { sim.signal(SIGTERM); sim.wait() }
        let daemon = try site.startDaemon(environment: ["LD_PRELOAD": shim, "COLDCHAIN_FSYNC_DELAY_MS": String(delay),
                                                        "COLDCHAIN_FSYNC_COUNT_FILE": dir + "/fsyncs"])
        defer { daemon.signal(SIGTERM); daemon.wait() }
        let socket = dir + "/control.sock"
        var probe: ControlClient?
        for _ in 0..<200 where probe == nil { usleep(50_000); probe = try? ControlClient(path: socket) }
        guard probe != nil else { throw Errno("the daemon did not start", code: ETIMEDOUT) }
        // The watch stream, on a thread of its own until the daemon stops: each scan's latency from its write to its
        // durable event.
        let sent = Mutex<[String: Double]>([:])
        let latencies = Mutex<[Double]>([])
        let watching = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            guard let watch = try? ControlClient(path: socket), case .ok? = try? watch.call(ControlRequest(cmd: "watch")) else { watching.signal(); return }
            watching.signal()
            while let line = try? watch.readLine() {
                let got = monotonicSeconds()
                guard let w = try? JSONValue.parse(Data(line)).decode(WatchLine.self), case .scan(let scan)? = w.event.typed,
                      let dose = scan.dose, let at = sent.withLock({ $0[dose] }) else { continue }
                latencies.withLock { $0.append((got - at) * 1000) }
            }
        }
        watching.wait()
        sleep(3)  // warm-up: connected, first polls done

        var f = Figures()
        let count0 = readings(dir), fsync0 = fileSize(dir + "/fsyncs"), head0 = head(dir), t0 = monotonicSeconds()
        let stop = Mutex(false)
        let group = DispatchGroup()
        for (i, m) in masters.enumerated() {
            DispatchQueue.global().async(group: group) {
                var k = 0
                while !stop.withLock({ $0 }) {
                    let serial = "S\(i)N\(k)"
                    sent.withLock { $0["gs1:09506000134352/\(serial)"] = monotonicSeconds() }
                    let code = "(01)09506000134352(17)301231(10)L\(i)(21)\(serial)\r"
                    _ = code.utf8CString.withUnsafeBytes { Glibc.write(m, $0.baseAddress, $0.count - 1) }
                    k += 1
                    usleep(200_000)
                }
            }
        }
        let queries = Mutex<(status: [Double], fridges: [Double])>(([], []))
        DispatchQueue.global().async(group: group) {
            guard let client = try? ControlClient(path: socket) else { return }
            while !stop.withLock({ $0 }) {
                for cmd in ["status", "fridges"] {
                    let a = monotonicSeconds()
                    _ = try? client.call(ControlRequest(cmd: cmd))
                    let ms = (monotonicSeconds() - a) * 1000
                    queries.withLock { cmd == "status" ? $0.status.append(ms) : $0.fridges.append(ms) }
                }
                usleep(100_000)
            }
        }
        sleep(UInt32(seconds))
        let elapsed = monotonicSeconds() - t0
        stop.withLock { $0 = true }
        group.wait()
        (f.status, f.fridges) = queries.withLock { ($0.status, $0.fridges) }
        f.scans = latencies.withLock { $0 }
        f.readingsPerSecond = Double(readings(dir) - count0) / elapsed
        f.due = Double(sensors)
        f.fsyncsPerSecond = Double(fileSize(dir + "/fsyncs") - fsync0) / elapsed
        f.eventsPerSecond = Double(head(dir) - head0) / elapsed
        return f
    }

    static func readings(_ dir: String) -> Int {
        guard let r = try? LedgerReader(path: dir + "/ledger.sqlite") else { return 0 }
        defer { r.close() }
        return (try? r.events(types: [EventType.reading.rawValue]).count) ?? 0
    }

    static func head(_ dir: String) -> Int64 {
        guard let r = try? LedgerReader(path: dir + "/ledger.sqlite") else { return 0 }
        defer { r.close() }
        return (try? r.count()) ?? 0
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
}
