import Foundation
import Glibc
import POSIX

/// Debian's mosquitto for the fleet bench: persistence on (its queues survive the restart), unbounded queues for
/// the consumer (the backlog of 200 gateways would pass the default 1,000), and windows wide enough for the
/// consumer's acknowledgements after each commit (the default of 20 in flight would be the bench's limit). Saved on
/// exit only (`autosave_interval 0`): saving every 60 s with half a million messages queued held mosquitto's one
/// thread, and so every client, for 40 s.
final class FleetBroker {
    let dir: String
    let port: Int
    var logPath: String { dir + "/broker.log" }
    private var process: ChildProcess
    /// CPU ticks of the broker's process before its restart.
    private(set) var ticksBeforeRestart = 0
    var pid: pid_t { process.pid }

    init(dir: String, port: Int) throws {
        self.dir = dir
        self.port = port
        try Data("""
            per_listener_settings false
            persistence true
            persistence_location \(dir)/
            autosave_interval 0
            log_dest file \(dir)/broker.log
            log_type error
            log_type warning
            log_type notice
            log_type information
            connection_messages true
            user root
            max_queued_messages 0
            max_inflight_messages 10000
            listener \(port) 127.0.0.1
            allow_anonymous true
            """.utf8).write(to: URL(fileURLWithPath: dir + "/mosquitto.conf"))
        process = try Self.start(dir)
        try waitListening()
    }

    static func start(_ dir: String) throws -> ChildProcess {
        try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", dir + "/mosquitto.conf"], stdout: dir + "/broker.out", stderr: dir + "/broker.out")
    }

    func waitListening() throws {
        let port = port
        guard FleetBench.poll(seconds: 20, {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(s) }
            var a = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: in_port_t(UInt16(port).bigEndian), sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
        }) else { throw Errno("mosquitto is not listening on \(port): \(FleetBench.tail(dir + "/broker.out"))", code: ETIMEDOUT) }
    }

    /// SIGTERM (mosquitto saves its persistence file), then started again on the same port.
    func restart() throws {
        ticksBeforeRestart += DaemonBench.cpuTicks(process.pid)
        process.signal(SIGTERM)
        _ = process.wait()
        process = try Self.start(dir)
        try waitListening()
    }

    func stop() { process.signal(SIGTERM); _ = process.wait() }
}

/// Debian's PostgreSQL in a temp folder: `initdb`, then `pg_ctl start` on a Unix socket in that folder only (no
/// TCP). As root it runs as the `postgres` account, as PostgreSQL requires.
final class Postgres {
    let dir: String
    let port: Int
    var socketDir: String { dir + "-socket" }
    let bin: String
    let asUser: [String]

    init(dir: String, port: Int) throws {
        self.dir = dir
        self.port = port
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
        guard let v = versions.last else { throw Errno("PostgreSQL is not installed (apt-get install postgresql)", code: ENOENT) }
        bin = "/usr/lib/postgresql/\(v)/bin"
        asUser = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        mkdir(dir, 0o700)
        mkdir(socketDir, 0o755)
        if getuid() == 0 {
            let pw = getpwnam("postgres")
            guard let pw else { throw Errno("no postgres account to run PostgreSQL as", code: ENOENT) }
            chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid)
            chown(socketDir, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try run([bin + "/initdb", "-D", dir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], what: "initdb")
        try run([bin + "/pg_ctl", "-D", dir, "-l", dir + "/server.log", "-w", "-o",
                 "-p \(port) -k \(socketDir) -c listen_addresses='' -c shared_buffers=128MB", "start"], what: "pg_ctl start")
    }

    func run(_ command: [String], what: String) throws {
        let out = dir + "-\(what.replacingOccurrences(of: " ", with: "-")).log"
        let p = try ChildProcess(path: (asUser + command)[0], arguments: Array((asUser + command).dropFirst()), stdout: out, stderr: out)
        let status = p.wait()
        guard status == 0 else { throw Errno("\(what) failed (status \(status)): \(FleetBench.tail(out))", code: EIO) }
    }

    /// psql's unaligned output of `sql`.
    func query(_ sql: String) throws -> String {
        let out = dir + "-query.out"
        let p = try ChildProcess(path: "/usr/bin/psql", arguments: ["-h", socketDir, "-p", "\(port)", "-U", "postgres", "-At", "-c", sql], stdout: out, stderr: out)
        let status = p.wait()
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        guard status == 0 else { throw Errno("psql failed: \(text.suffix(300))", code: EIO) }
        return text
    }

    /// The most CPU ticks seen of each PostgreSQL process (a backend that ends takes its ticks with it: sampled
    /// while it runs).
    private var seen: [Int32: Int] = [:]

    func sample() {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
                  comm.hasPrefix("postgres") else { continue }
            seen[pid] = max(seen[pid] ?? 0, DaemonBench.cpuTicks(pid))
        }
    }

    /// CPU ticks of PostgreSQL's processes, as sampled.
    func ticks() -> Int { sample(); return seen.values.reduce(0, +) }

    func stop() {
        _ = try? run([bin + "/pg_ctl", "-D", dir, "-m", "fast", "-w", "stop"], what: "pg_ctl stop")
    }
}
