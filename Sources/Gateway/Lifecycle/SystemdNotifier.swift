import FoundationEssentials
import Glibc
import POSIX

/// systemd's sd_notify protocol without libsystemd: `KEY=value` lines in one datagram to `$NOTIFY_SOCKET`.
/// Does nothing when `NOTIFY_SOCKET` is unset (run by hand, or in tests).
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// Half of `WATCHDOG_USEC`, the interval to send `WATCHDOG=1` at; nil when the watchdog is off.
    public let watchdogInterval: Double?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        if let usec = environment["WATCHDOG_USEC"].flatMap(Double.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogInterval = usec / 2_000_000
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `state` (e.g. `"READY=1\nSTATUS=running"`). Failures are returned, not thrown: systemd being
    /// unreachable must never stop the daemon.
    ///
    /// The corresponding C function is sendto(2).
    @discardableResult
    public func notify(_ state: String) -> Errno? {
        guard let socketPath else { return nil }
        do {
            let fd = try UnixSocket.make(Int32(SOCK_DGRAM.rawValue))
            defer { fd.close() }
            var bytes = Array(state.utf8)
            try UnixSocket.withAddress(socketPath) { addr, len in
                _ = try systemCall("sendto \(socketPath)") { sendto(fd.rawValue, &bytes, bytes.count, Int32(MSG_NOSIGNAL), addr, len) }
            }
            return nil
        } catch let e as Errno {
            return e
        } catch {
            return Errno("sd_notify", code: EIO)
        }
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ s: String) { notify("STATUS=\(s)") }
    public func stopping() { notify("STOPPING=1\nSTATUS=stopping") }
    public func watchdog() { notify("WATCHDOG=1") }
}
