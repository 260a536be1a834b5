import CShims
import Glibc

/// Pseudo-terminals: a serial line inside one machine, for the simulator and the serial tests.
public enum PseudoTerminal {
    /// A new pty in raw mode: the master descriptor and the slave's path (what a client opens as its device).
    ///
    /// Both ends are opened with O_CLOEXEC in the open call itself, so a child started by another thread at that
    /// moment inherits neither (openpty(3) opens them without it, and setting it afterwards leaves a window).
    ///
    /// The corresponding C functions are posix_openpt(3), grantpt(3), unlockpt(3), ptsname_r(3) and open(2).
    public static func open() throws -> (master: Int32, slavePath: String) {
        var master: Int32 = -1, slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 256)
        _ = try systemCall("open a pseudo-terminal") { cc_open_pty(&master, &slave, &name, Int32(name.count)) }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The slave stays open here too, so the master never sees a hang-up while the client reopens the device.
        // Raw on both ends: no echo, no line editing, no CR/LF translation; bytes pass as they are.
        var t = termios()
        tcgetattr(slave, &t)
        cfmakeraw(&t)
        tcsetattr(slave, TCSANOW, &t)
        tcgetattr(master, &t)
        cfmakeraw(&t)
        tcsetattr(master, TCSANOW, &t)
        return (master, path)
    }
}
