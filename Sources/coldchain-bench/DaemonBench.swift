import ColdChain
import FoundationEssentials
import Glibc
import POSIX
import Storage

/// The daemon's footprint on a gateway: coldchaind (from this folder) polling `sensors` probes of coldchain-sim
/// every 10 s over loopback TCP, measured from /proc after a warm-up.
enum DaemonBench {
    static func run(sensors: Int, seconds: Int) -> Int32 {
        let site = BenchSite("daemon-bench", humidity: true)
        let dir = site.dir
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        site.write("scenario.json5", "{ units: [" + (1...sensors).map { "{ unit: \($0), humidity: 45, noise_c: 0.2, timeline: [ { at: \"0s\", c: 5 } ] }" }.joined(separator: ",") + "] }")
        site.write("coldchaind.json5", """
            { gateway: { id: "gw-bench", site: "bench" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", \(site.buses()),
              fridges: [ \(BenchSite.fridges(sensors: sensors, poll: "10s")) ] }
            """)
        do {
            let sim = try site.startSimulator()
            defer { sim.signal(SIGTERM); sim.wait() }
            let daemon = try site.startDaemon()
            defer { daemon.signal(SIGTERM); daemon.wait() }
            print("daemon footprint: \(sensors) sensors every 10 s over loopback Modbus TCP, \(seconds) s measured after a 15 s warm-up")
            sleep(15)
            let cpu0 = cpuTicks(daemon.pid), before = readings(dir)
            sleep(UInt32(seconds))
            let cpu1 = cpuTicks(daemon.pid), after = readings(dir)
            let status = procStatus(daemon.pid)
            let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
            let cpuPercent = Double(cpu1 - cpu0) / hz / Double(seconds) * 100
            print("readings recorded while measured: \(after - before) (expected about \(sensors * seconds / 10))")
            print("resident: \(status["VmRSS"] ?? "?"), anonymous: \(status["RssAnon"] ?? "?"), file-backed: \(status["RssFile"] ?? "?") (goal: anonymous at most 8 MB)")
            print("CPU: \((cpuPercent * 100).rounded() / 100) % of one core (goal: at most 1 %)")
        } catch {
            print("daemon bench failed: \(error)")
            return 1
        }
        return 0
    }

    static func cpuTicks(_ pid: Int32) -> Int {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return 0 }
        let text = String(decoding: data, as: UTF8.self)
        // Fields after the command name (which may hold spaces) start after the last ')'.
        let fields = text[text.index(after: text.lastIndex(of: ")")!)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    static func procStatus(_ pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return [:] }
        var out: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        }
        return out
    }

    static func readings(_ dir: String) -> Int64 {
        (try? LedgerReader(path: dir + "/ledger.sqlite").events(types: [EventType.reading.rawValue]).count).map(Int64.init) ?? 0
    }
}
