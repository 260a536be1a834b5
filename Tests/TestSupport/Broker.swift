import Foundation
import Glibc

/// Debian's mosquitto, started by the test in a temp folder on a loopback port, with the options a test names.
public struct Broker: Sendable {
    /// Where a broker listens (this one, or another the test started itself).
    public struct Address: Sendable {
        public var port: Int
        public init(port: Int) { self.port = port }
    }
    public var address: Address { Address(port: port) }

    public let dir = TempDir("cc-mosquitto")
    public let port = Int.random(in: 21000...26000)
    public let process: Subprocess

    public init(_ extra: String = "") throws {
        dir.write("mosquitto.conf", """
            per_listener_settings false
            persistence false
            log_dest stderr
            user root
            listener \(port) 127.0.0.1
            \(extra.isEmpty ? "allow_anonymous true" : extra)
            """)
        process = try Subprocess(absolute: "/usr/sbin/mosquitto", ["-c", dir.file("mosquitto.conf")], outputDir: dir.path)
        let port = port
        // Listening once a plain TCP connect is accepted.
        _ = poll(200, every: 25_000) {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(s) }
            var a = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: in_port_t(UInt16(port).bigEndian), sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
        }
    }

    /// SIGKILL: the test process's children inherit its ignored SIGTERM (Foundation's Process does not reset it), and
    /// mosquitto waited out the 10 s. Nothing of the broker's is kept (persistence off).
    public func stop() { process.signal(SIGKILL); _ = process.wait(seconds: 10) }
}

