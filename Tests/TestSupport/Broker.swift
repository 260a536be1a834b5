import Foundation
import Glibc
import POSIX
import Synchronization

/// Debian's mosquitto, started by the test in a temp folder on a loopback port, with the options a test names.
///
/// Started through POSIX's ChildProcess, which gives the child the default signals: children of Foundation's Process
/// inherit the test runner's blocked SIGTERM, and mosquitto then waited out the 10 s. With `persistent`, its queues
/// are kept in the folder and survive `restart()` (SIGTERM saves them).
public final class Broker: Sendable {
    /// Where a broker listens.
    public struct Address: Sendable {
        public var port: Int
        public init(port: Int) { self.port = port }
    }
    public var address: Address { Address(port: port) }

    public let dir = TempDir("cc-mosquitto")
    /// A port the kernel gave as free a moment ago. A random one from 21,000 to 26,000 once met another test's broker
    /// there: this one never started, and the test's daemon published to the other (a CI run, MQTTUplinkTests).
    public let port = Broker.freePort()
    /// The running broker and how many times it has started.
    private let state = Mutex<(process: ChildProcess?, starts: Int)>((nil, 0))

    public init(_ extra: String = "", persistent: Bool = false) throws {
        dir.write("mosquitto.conf", """
            per_listener_settings false
            persistence \(persistent)
            persistence_location \(dir.path)/
            autosave_interval 1
            log_dest stderr
            user root
            listener \(port) 127.0.0.1
            \(extra.isEmpty ? "allow_anonymous true" : extra)
            """)
        try start()
    }

    /// Starts mosquitto and waits until its log says "running" once more than before.
    public func start() throws {
        let process = try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", dir.file("mosquitto.conf")], stderr: dir.file("broker.log"))
        let starts = state.withLock { s in s.process = process; s.starts += 1; return s.starts }
        let log = dir.file("broker.log")
        let running = poll(200, every: 25_000) { ((try? String(contentsOfFile: log, encoding: .utf8))?.components(separatedBy: " running").count ?? 0) > starts }
        guard running else {
            throw Errno("mosquitto did not start on port \(port): \(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(300))", code: EADDRINUSE)
        }
    }

    /// A loopback TCP port nothing listens on now: bound with port 0 (the kernel chooses), read back, released.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: a.sin_port)) : Int.random(in: 21000...26000)
    }

    /// mosquitto_sub on this broker at QoS 1 to `topic`, with mosquitto_sub's own `options` (`-C N`, `-c -i ID`,
    /// `--cafile`), its output in `outputDir`; given 300 ms to connect and subscribe before the test goes on.
    public func subscriber(_ topic: String, outputDir: String, _ options: [String] = []) async throws -> Subprocess {
        let sub = try Subprocess(absolute: "/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", topic, "-q", "1"] + options,
                                 outputDir: outputDir)
        try await Task.sleep(nanoseconds: 300_000_000)
        return sub
    }

    /// SIGTERM (mosquitto saves its persistence file and exits), then started again on the same port.
    public func restart() throws {
        stop()
        try start()
    }

    /// SIGTERM, and waits for it to exit.
    public func stop() {
        let p = state.withLock { s in defer { s.process = nil }; return s.process }
        p?.signal(SIGTERM)
        _ = p?.wait()
    }

    deinit { let p = state.withLock { $0.process }; p?.signal(SIGKILL); _ = p?.wait() }
}
