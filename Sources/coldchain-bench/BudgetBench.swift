import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// `coldchain-bench budget`: the budget of a small board (issue 32). coldchaind, coldchain-web and the MQTT uplink
/// together: 8 probes of coldchain-sim polled every 10 s, 2 scanners on ptys at a scan a second each, 5 live pages
/// on coldchain-web, every event to Debian's mosquitto at QoS 1. The daemon and the web screen share a cgroup v1 CPU
/// quota of `quota` % of one core (cpu.cfs_quota_us over a 100 ms period; the simulator, the broker and this
/// process stay outside it), for `minutes`, printed beside the same run without the quota.
///
/// What is judged: every reading recorded, scan p99 (write to the pty → the durable scan event on the watch
/// stream) at most 100 ms, the uplink caught up at the end, and each process's resident memory flat (its first
/// minute beside its last).
enum BudgetBench {
    struct Figures {
        var seconds = 0.0
        var readingsExpected = 0, readingsRecorded = 0
        var scansSent = 0, scansBack = 0, p50 = 0.0, p99 = 0.0, worst = 0.0
        var liveEvents = [Int](), liveFailures = [String]()
        var rssDaemon = [Int](), rssWeb = [Int]()   // KiB, one sample a minute
        var cpuDaemon = 0.0, cpuWeb = 0.0           // % of one core
        var uplinkPending: Int64 = -1
        var throttled = ""                          // cpu.stat under the quota
    }

    static let cgroupRoot = "/sys/fs/cgroup/cpu"

    static func run(minutes: Int, quota: Int) -> Int32 {
        guard (1...600).contains(minutes), (5...100).contains(quota) else { print("budget bench: --minutes 1...600, --quota 5...100 (% of one core)"); return 64 }
        guard access(cgroupRoot + "/cgroup.procs", W_OK) == 0 else {
            print("budget bench: no writable cgroup v1 CPU controller at \(cgroupRoot) (run as root on a host with cgroup v1): the quota cannot be applied")
            return 69
        }
        print("budget: coldchaind + coldchain-web + the MQTT uplink; 8 probes every 10 s, 2 scanners at 1 scan/s each, 5 live pages, "
              + "every event to mosquitto at QoS 1; \(minutes) min a run")
        do {
            let free = try measure(minutes: minutes, quota: nil, offset: 0)
            let limited = try measure(minutes: minutes, quota: quota, offset: 1)
            report([("no quota", free), ("\(quota) % of a core", limited)])
            let ok = limited.readingsRecorded >= limited.readingsExpected && limited.p99 <= 100 && limited.uplinkPending == 0
                && limited.liveFailures.isEmpty
            print(ok ? "under the quota: every reading recorded, scan p99 <= 100 ms, the uplink caught up, the live pages held"
                     : "under the quota: a goal was MISSED (see above)")
            return ok ? 0 : 1
        } catch {
            print("budget bench failed: \(error)")
            return 1
        }
    }

    static func report(_ runs: [(String, Figures)]) {
        func row(_ name: String, _ value: (Figures) -> String) {
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + runs.map { value($0.1).padding(toLength: 29, withPad: " ", startingAt: 0) }.joined(separator: " "))
        }
        func mb(_ kib: Int?) -> String { kib.map { "\(one(Double($0) / 1024)) MB" } ?? "?" }
        print("".padding(toLength: 34, withPad: " ", startingAt: 0) + runs.map { $0.0.padding(toLength: 29, withPad: " ", startingAt: 0) }.joined(separator: " "))
        row("readings recorded / expected") { "\($0.readingsRecorded) / \($0.readingsExpected)" }
        row("scans back / sent") { "\($0.scansBack) / \($0.scansSent)" }
        row("scan p50 / p99 / max (ms)") { "\(one($0.p50)) / \(one($0.p99)) / \(one($0.worst))" }
        row("live pages: events each") { $0.liveEvents.map(String.init).joined(separator: " ") + ($0.liveFailures.isEmpty ? "" : " (\($0.liveFailures.count) failed)") }
        row("uplink pending at the end") { "\($0.uplinkPending)" }
        row("CPU coldchaind / web (% core)") { "\(two($0.cpuDaemon)) / \(two($0.cpuWeb))" }
        row("RSS coldchaind min 1 → last") { "\(mb($0.rssDaemon.first)) → \(mb($0.rssDaemon.last))" }
        row("RSS coldchaind max") { mb($0.rssDaemon.max()) }
        // Minute by minute, for the shape: the stock grows by 120 doses a minute here (each scan a new dose in).
        for (name, f) in runs {
            print("RSS coldchaind each minute, \(name): " + f.rssDaemon.map { one(Double($0) / 1024) }.joined(separator: " ") + " MB")
        }
        row("RSS web min 1 → last") { "\(mb($0.rssWeb.first)) → \(mb($0.rssWeb.last))" }
        row("RSS web max") { mb($0.rssWeb.max()) }
        row("throttled periods") { $0.throttled.isEmpty ? "-" : $0.throttled }
    }

    /// One run; `quota`: % of one core for the daemon and the web screen together, nil for none.
    static func measure(minutes: Int, quota: Int?, offset: Int) throws -> Figures {
        let site = BenchSite("budget-bench-\(offset)", port: 21000 + Int(getpid() % 9000) + offset * 10)
        let dir = site.dir
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let broker = site.port + 1, web = site.port + 2
        site.steadyScenario(units: 8)
        site.write("mosquitto.conf", "persistence false\nlistener \(broker) 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nuser root\n")
        let (masters, scanners) = try BenchSite.ptyScanners(2)
        defer { for m in masters { close(m) } }
        site.write("coldchaind.json5", """
            { gateway: { id: "gw-budget", site: "budget" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", \(site.buses()),
              fridges: [ \(BenchSite.fridges(sensors: 8, poll: "10s")) ],
              scanners: [ \(scanners) ],
              platform: { mqtt: { url: "mqtt://127.0.0.1:\(broker)", topic_prefix: "cc", inflight: 50 } } }
            """)
        let mosquitto = try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", dir + "/mosquitto.conf"], stdout: dir + "/broker.log", stderr: dir + "/broker.log")
        defer { mosquitto.signal(SIGTERM); _ = mosquitto.wait() }
        let sim = try site.startSimulator()
        defer { sim.signal(SIGTERM); sim.wait() }
        let password = "budget-bench-password"
        let add = try ChildProcess(path: site.bin + "/coldchain-web", arguments: ["user", "add", "bench", "--role", "viewer", "--users", dir + "/users"],
                                   stdin: Array((password + "\n").utf8), stdout: dir + "/web.log", stderr: dir + "/web.log")
        guard add.wait() == 0 else { throw Errno("coldchain-web user add failed; see \(dir)/web.log", code: EIO) }
        mkdir(dir + "/cache", 0o755)

        // The cgroup first, so that each process is in it from its first thread on (a move takes every thread anyway).
        let group = quota.map { _ in cgroupRoot + "/coldchain-budget-\(getpid())-\(offset)" }
        if let group, let quota {
            guard mkdir(group, 0o755) == 0 || errno == EEXIST else { throw Errno("mkdir \(group)") }
            try writeFile(group + "/cpu.cfs_period_us", "100000")
            try writeFile(group + "/cpu.cfs_quota_us", "\(quota * 1000)")
        }
        defer { if let group { rmdir(group) } }
        let daemon = try site.startDaemon()
        let daemonStarted = Date()
        defer { daemon.signal(SIGTERM); daemon.wait() }
        let webServer = try ChildProcess(path: site.bin + "/coldchain-web", arguments: ["--listen", "127.0.0.1:\(web)", "--socket", dir + "/control.sock",
                                                                                       "--users", dir + "/users", "--cache", dir + "/cache"],
                                         stdout: dir + "/web.log", stderr: dir + "/web.log")
        defer { webServer.signal(SIGTERM); webServer.wait() }
        if let group {
            try writeFile(group + "/cgroup.procs", "\(daemon.pid)")
            try writeFile(group + "/cgroup.procs", "\(webServer.pid)")
        }
        var client: ControlClient?
        for _ in 0..<200 where client == nil { usleep(50_000); client = try? ControlClient(path: dir + "/control.sock") }
        guard let watch = client, case .ok = try watch.call(ControlRequest(cmd: "watch")) else { throw Errno("the daemon did not start; see \(dir)/daemon.log", code: ETIMEDOUT) }
        var cookie: String?
        for _ in 0..<100 where cookie == nil { usleep(100_000); cookie = try? login(port: web, password: password) }
        guard let cookie else { throw Errno("could not log in to coldchain-web; see \(dir)/web.log", code: ETIMEDOUT) }

        var f = Figures()
        let stop = Atomic<Bool>(false)
        // Five live pages: each an event stream held open, counting what arrives.
        let live = Mutex<[Int]>([Int](repeating: 0, count: 5))
        let liveFailures = Mutex<[String]>([])
        let pages = DispatchGroup()
        for i in 0..<5 {
            // A queue of its own each (overcommit: a thread at once), not the global pool, whose few threads the
            // pages' blocking reads would hold while the typists wait their turn (seen: 113 of 120 scans sent).
            DispatchQueue(label: "budget-page-\(i)").async(group: pages) {
                do { try follow(port: web, cookie: cookie, stop: stop) { n in live.withLock { $0[i] += n } } } catch {
                    if !stop.load(ordering: .relaxed) { liveFailures.withLock { $0.append("page \(i): \(error)") } }
                }
            }
        }
        // Two scanners, a dose a second each, for the whole run.
        let seconds = minutes * 60
        let sent = Mutex<[String: UInt64]>([:])
        let typists = DispatchGroup()
        for (i, m) in masters.enumerated() {
            DispatchQueue(label: "budget-typist-\(i)").async(group: typists) {
                for k in 0..<seconds where !stop.load(ordering: .relaxed) {
                    let serial = "B\(offset)S\(i)N\(k)"
                    sent.withLock { $0["gs1:09506000134352/\(serial)"] = DispatchTime.now().uptimeNanoseconds }
                    let code = "(01)09506000134352(17)301231(10)L\(i)(21)\(serial)\r"
                    _ = code.utf8CString.withUnsafeBytes { write(m, $0.baseAddress, $0.count - 1) }
                    usleep(1_000_000)
                }
            }
        }
        // Resident memory once a minute, on its own thread; the watch stream is read here.
        let started = Date()
        let cpu0 = (DaemonBench.cpuTicks(daemon.pid), DaemonBench.cpuTicks(webServer.pid))
        let samples = Mutex<([Int], [Int])>(([], []))
        let sampler = DispatchGroup()
        let (daemonPid, webPid) = (daemon.pid, webServer.pid)
        DispatchQueue(label: "budget-sampler").async(group: sampler) {
            for minute in 1...minutes {
                while Date().timeIntervalSince(started) < Double(minute * 60) - 0.5 { usleep(200_000) }
                let d = kib(DaemonBench.procStatus(daemonPid)["VmRSS"]), w = kib(DaemonBench.procStatus(webPid)["VmRSS"])
                samples.withLock { $0.0.append(d); $0.1.append(w) }
            }
        }
        // The watch stream: each scan's verdict, timed against its write. Lines come at least twice a second (the
        // scans), so the deadline is seen in time.
        var latencies: [Double] = []
        while Date().timeIntervalSince(started) < Double(seconds), let line = try watch.readLine() {
            if let (ms, _) = ScanBench.latency(line, sent: sent) { latencies.append(ms) }
        }
        // The scans still in flight when the time is up: the typists stop, and what they sent is waited for (5 s).
        stop.store(true, ordering: .relaxed)
        typists.wait()
        let total = sent.withLock { $0.count }
        let grace = Date()
        while latencies.count < total, Date().timeIntervalSince(grace) < 5, let line = try watch.readLine() {
            if let (ms, _) = ScanBench.latency(line, sent: sent) { latencies.append(ms) }
        }
        sampler.wait()
        guard daemon.poll() == nil, webServer.poll() == nil else { throw Errno("a process exited; see \(dir)/daemon.log and web.log", code: EIO) }
        (f.rssDaemon, f.rssWeb) = samples.withLock { $0 }
        f.seconds = Date().timeIntervalSince(started)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        f.cpuDaemon = Double(DaemonBench.cpuTicks(daemon.pid) - cpu0.0) / hz / f.seconds * 100
        f.cpuWeb = Double(DaemonBench.cpuTicks(webServer.pid) - cpu0.1) / hz / f.seconds * 100
        // The uplink's last events: it is given 20 s to catch up after the load stops.
        let outbox = try ControlClient(path: dir + "/control.sock")
        for _ in 0..<40 {
            if case .ok(let s, _) = try outbox.call(ControlRequest(cmd: "outbox"), as: UplinkStatus.self) {
                f.uplinkPending = s.pending ?? -1
                if s.pending == 0 { break }
            }
            usleep(500_000)
        }
        if let group, let stat = try? readRegularFile(group + "/cpu.stat", limit: 4096) {
            let fields = Dictionary(String(decoding: stat, as: UTF8.self).split(separator: "\n").compactMap { line -> (String, Int)? in
                let p = line.split(separator: " "); return p.count == 2 ? (String(p[0]), Int(p[1]) ?? 0) : nil
            }, uniquingKeysWith: { a, _ in a })
            f.throttled = "\(fields["nr_throttled"] ?? 0) of \(fields["nr_periods"] ?? 0)"
        }
        webServer.signal(SIGTERM); webServer.wait()
        let life = Date().timeIntervalSince(daemonStarted)
        daemon.signal(SIGTERM); daemon.wait()
        pages.wait()
        f.readingsRecorded = Int(DaemonBench.readings(dir))
        // Each of the 8 probes is polled at start and then every 10 s until the stop: at least one reading each for
        // every whole 10 s of the daemon's life (the ledger is counted whole, from start to stop).
        f.readingsExpected = 8 * Int(life / 10)
        let l = latencies.sorted()
        f.scansSent = sent.withLock { $0.count }
        f.scansBack = l.count
        if let worst = l.last {
            func pct(_ p: Double) -> Double { l[min(l.count - 1, Int(Double(l.count) * p))] }
            f.p50 = pct(0.5); f.p99 = pct(0.99); f.worst = worst
        }
        f.liveEvents = live.withLock { $0 }
        f.liveFailures = liveFailures.withLock { $0 }
        return f
    }

    static func one(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
    static func two(_ x: Double) -> String { "\((x * 100).rounded() / 100)" }

    static func kib(_ field: String?) -> Int { Int(field?.split(separator: " ").first ?? "") ?? 0 }

    static func writeFile(_ path: String, _ text: String) throws {
        let fd = try FileDescriptor(path: path, flags: O_WRONLY)
        defer { fd.close() }
        try fd.writeAll(text)
    }

    /// A TCP connection to coldchain-web on loopback.
    static func connect(port: Int) throws -> FileDescriptor {
        let fd = try FileDescriptor(adopting: systemCall("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) })
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = try withUnsafePointer(to: &a) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s in try systemCall("connect") { Glibc.connect(fd.rawValue, s, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        return fd
    }

    /// Logs in as the bench's viewer (the login form's double-submit token is the bench's own) and returns the
    /// session cookie's value.
    static func login(port: Int, password: String) throws -> String {
        let fd = try connect(port: port)
        defer { fd.close() }
        let token = String(repeating: "ab", count: 32)
        let body = "name=bench&password=\(password)&csrf=\(token)"
        try fd.writeAll("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: cc_login=\(token)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while answer.count < 65_536 {
            let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            if n == 0 { break }
            answer += chunk[0..<n]
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let range = text.range(of: "cc_session=") else { throw Errno("no session in the login's answer", code: EACCES) }
        return String(text[range.upperBound...].prefix { $0 != ";" && $0 != "\r" })
    }

    /// Holds the live page's event stream open, calling `got` with the number of events in each read, until `stop`.
    static func follow(port: Int, cookie: String, stop: borrowing Atomic<Bool>, got: (Int) -> Void) throws {
        let fd = try connect(port: port)
        defer { fd.close() }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try fd.writeAll("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: cc_session=\(cookie)\r\nAccept: text/event-stream\r\n\r\n")
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !stop.load(ordering: .relaxed) {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            guard n > 0 else { throw Errno("the stream closed", code: ECONNRESET) }
            let text = String(decoding: chunk[0..<n], as: UTF8.self)
            got(text.components(separatedBy: "data: ").count - 1)
        }
    }
}
