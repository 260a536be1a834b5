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
    /// A port the kernel gave as free a moment ago (a random one once met another test's broker, and this one never
    /// started).
    public let port = freeLoopbackPort()
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
