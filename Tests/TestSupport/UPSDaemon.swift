import Foundation
import Glibc

/// A real NUT upsd with the dummy-ups driver (Debian's nut-server), in a temporary folder on a loopback port.
///
/// `/usr/sbin/upsd` is a wrapper that refuses unless /etc/nut/nut.conf enables it, so the programs in /lib/nut are
/// started directly, in the foreground (-F), with NUT_CONFPATH and NUT_STATEPATH pointing here. The driver re-reads
/// its `.dev` file when the file's modification time changes; `set` moves that time forward each call, so two
/// writes within a second are still two changes.
public final class UPSDaemon: @unchecked Sendable {
    public let dir: String
    public let ups: String
    public private(set) var port = 0
    private var driver: Subprocess?
    private var upsd: Subprocess?
    private var writes = 0
    private var env: [String: String] { ["NUT_CONFPATH": dir, "NUT_STATEPATH": dir + "/state"] }
    private var asUser: [String] { getuid() == 0 ? ["-u", "root"] : [] }

    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/lib/nut/upsd") }

    public init(dir: String, ups: String = "fridgeups", status: String = "OL") throws {
        self.dir = dir
        self.ups = ups
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        chmod(dir + "/state", 0o770)
        try "[\(ups)]\n  driver = dummy-ups\n  port = \(ups).dev\n  desc = \"test UPS\"\n".write(toFile: dir + "/ups.conf", atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/upsd.users", atomically: true, encoding: .utf8)
        chmod(dir + "/upsd.users", 0o640)
        set(status: status, charge: 100, runtime: 1800)
        driver = try Subprocess(absolute: "/lib/nut/dummy-ups", ["-F"] + asUser + ["-a", ups], environment: env, outputDir: dir)
        try startServer()
    }

    /// Starts upsd (again) and waits until it answers for the UPS. Ports stay below 32768, out of the kernel's
    /// ephemeral range, where a test's own outgoing connection could hold the one chosen.
    public func startServer() throws {
        for _ in 0..<5 {
            if port == 0 { port = Int.random(in: 20000..<32000) }
            try "LISTEN 127.0.0.1 \(port)\n".write(toFile: dir + "/upsd.conf", atomically: true, encoding: .utf8)
            chmod(dir + "/upsd.conf", 0o640)
            let p = try Subprocess(absolute: "/lib/nut/upsd", ["-F"] + asUser, environment: env, outputDir: dir)
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && p.process.isRunning {
                // "WAIT" until the driver has given upsd its data.
                if let status = query("ups.status"), !status.hasSuffix("\"WAIT\"") { upsd = p; return }
                usleep(100_000)
            }
            p.signal(SIGKILL)
            _ = p.wait(seconds: 5)
            port = 0   // probably taken: another
        }
        throw NSError(domain: "UPSDaemon", code: 1, userInfo: [NSLocalizedDescriptionKey: "upsd did not come up in \(dir)"])
    }

    /// Kills upsd (as a crash or an unplugged cable would end it; SIGTERM took 10 s to end upsd -F here).
    public func stopServer() {
        upsd?.signal(SIGKILL)
        _ = upsd?.wait(seconds: 10)
        upsd = nil
    }

    /// What the dummy UPS reports from now on.
    public func set(status: String, charge: Double?, runtime: Double?) {
        var text = "ups.status: \(status)\n"
        if let charge { text += "battery.charge: \(charge)\n" }
        if let runtime { text += "battery.runtime: \(Int(runtime))\n" }
        let path = dir + "/\(ups).dev"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        writes += 1
        try? FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(Double(writes) * 2)], ofItemAtPath: path)
    }

    /// One `GET VAR` through a plain socket, as a check that upsd is up (the daemon's own client is under test).
    public func query(_ name: String) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { return nil }
        let request = "GET VAR \(ups) \(name)\n"
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let line = String(decoding: buffer[..<n], as: UTF8.self)
        return line.hasPrefix("VAR ") ? line.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    public func stop() {
        stopServer()
        driver?.signal(SIGKILL)
        _ = driver?.wait(seconds: 10)
        driver = nil
    }

    deinit { stop() }
}
