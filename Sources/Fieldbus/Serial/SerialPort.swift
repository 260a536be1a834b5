import ColdChain
import Glibc
import POSIX

/// A serial device (a scanner's USB-CDC or RS-232 port) in raw mode, opened for non-blocking reads.
///
/// Opened with O_NOCTTY (a scanner must never become the daemon's controlling terminal, or its hang-up would
/// signal us), O_NONBLOCK (open does not wait for carrier; reads are driven by poll) and O_CLOEXEC (alarm commands
/// must not inherit it). The termios found at open are restored at close, so the port is left as it was.
public final class SerialPort {
    // Not Sendable: opened, read and closed by its reader's own thread.
    public let path: String
    private let fd: FileDescriptor
    private let saved: termios

    /// The corresponding C functions are open(2), tcgetattr(3), cfmakeraw(3), cfsetspeed(3) and tcsetattr(3).
    public init(path: String, baud: Int) throws {
        self.path = path
        let fd = try DeviceAccess.open(path)
        self.fd = fd
        var found = termios()
        _ = try systemCall("tcgetattr \(path)") { tcgetattr(fd.rawValue, &found) }
        saved = found
        var t = found
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        // VMIN 0 / VTIME 0: read returns what is there; poll(2) does the waiting.
        withUnsafeMutableBytes(of: &t.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 0 }
        guard let speed = Self.speed(baud) else {
            throw Errno("\(baud) baud is not a rate the serial line can be set to (\(SerialBaud.rates.map(String.init).joined(separator: ", ")))", code: EINVAL)
        }
        _ = cfsetspeed(&t, speed)
        _ = try systemCall("tcsetattr \(path)") { tcsetattr(fd.rawValue, TCSANOW, &t) }
    }

    deinit { close() }

    /// Restores the saved settings and closes; safe to call twice.
    public func close() {
        guard fd.rawValue >= 0 else { return }
        var t = saved
        _ = tcsetattr(fd.rawValue, TCSANOW, &t)
        fd.close()
    }

    public enum ReadResult: Equatable { case bytes([UInt8]), timeout, closed }

    /// Waits up to `timeout` seconds for bytes. `.closed` when the device has gone (unplugged: EIO or hang-up).
    ///
    /// The corresponding C functions are poll(2) and read(2).
    public func read(timeout: Double) -> ReadResult {
        var p = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        let n = poll(&p, 1, Int32(max(0, timeout) * 1000))
        if n == 0 { return .timeout }
        if n < 0 { return errno == EINTR ? .timeout : .closed }
        var buf = [UInt8](repeating: 0, count: 1024)
        let got = buf.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
        if got > 0 { return .bytes(Array(buf[0..<got])) }
        if got < 0 && (errno == EAGAIN || errno == EINTR) { return .timeout }
        return .closed  // 0 bytes after POLLIN/POLLHUP, or EIO: the other end is gone
    }

    /// The termios constant of each rate in `SerialBaud.rates`; nil for any other.
    static func speed(_ baud: Int) -> speed_t? {
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 9600: speed_t(B9600)
        case 115_200: speed_t(B115200)
        default: nil
        }
    }
}
