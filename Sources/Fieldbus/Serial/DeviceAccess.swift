import Glibc
import POSIX

/// Why a serial device that is there cannot be opened, in the words a technician acts on.
///
/// Seen under systemd on a fresh gateway: with the adapter's driver loaded after coldchaind started, the unit's
/// `DeviceAllow=char-ttyUSB` had matched no device class, and `/dev/ttyUSB0` gave EPERM until a restart, logged as
/// the bare "Operation not permitted".
public enum DeviceAccess {
    /// What to do about an open(2) of `path` failing with `code`, or nil when strerror says all there is.
    public static func advice(_ code: Int32, path: String) -> String? {
        switch code {
        case EPERM:
            // The unit's DeviceAllow= classes are looked up in /proc/devices when it starts: whether the device's class
            // is there now tells a restart that would help from a driver that is missing.
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            let rdev = UInt64(st.st_rdev)   // glibc's gnu_dev_major(3), a macro Swift does not import
            let major = UInt32(truncatingIfNeeded: ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff)))
            if let driver = characterDevices()[major] {
                return "blocked by coldchaind.service's device policy (DeviceAllow=): its driver (\(driver)) was loaded after the "
                    + "service started: systemctl restart coldchaind (the package's /usr/lib/modules-load.d/coldchaind.conf "
                    + "loads usbserial and cdc_acm at boot)"
            }
            return "blocked by coldchaind.service's device policy (DeviceAllow=), and no driver is loaded for it (major \(major) "
                + "is not in /proc/devices): is the adapter's driver installed (modprobe usbserial; modprobe cdc_acm)?"
        case EACCES:
            return "permission denied: the daemon's user must be in the device's group (dialout for /dev/ttyUSB*, /dev/ttyACM* and /dev/ttyS*)"
        default: return nil
        }
    }

    /// The character devices' majors and driver names, from /proc/devices.
    static func characterDevices() -> [UInt32: String] {
        guard let bytes = try? readRegularFile("/proc/devices", limit: 65_536) else { return [:] }
        var found: [UInt32: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            if line.hasPrefix("Block") { break }
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, let n = UInt32(parts[0]) { found[n] = String(parts[1]) }
        }
        return found
    }

    /// An open refused for a reason `advice` explains.
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let code: Int32
        public var description: String { "\(path): \(advice(code, path: path) ?? String(cString: strerror(code)))" }
    }

    /// Opens `path` as the daemon does (read-write, no controlling terminal, not waiting for carrier), throwing
    /// `Refused` for EPERM and EACCES and the plain `Errno` otherwise.
    ///
    /// The corresponding C function is open(2).
    public static func open(_ path: String) throws -> FileDescriptor {
        do { return try FileDescriptor(path: path, flags: O_RDWR | O_NOCTTY | O_NONBLOCK) } catch let e as Errno where e.code == EPERM || e.code == EACCES {
            throw Refused(path: path, code: e.code)
        }
    }

    /// Whether the character device at `path` would open for the daemon now: nil if it would (or is busy, held by a
    /// running daemon), else why not. Only a character device is tried: opening anything else could block or act.
    public static func problem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFCHR else { return nil }
        do {
            let fd = try open(path)
            fd.close()
            return nil
        } catch let r as Refused {
            return r.description
        } catch {
            return nil
        }
    }
}
