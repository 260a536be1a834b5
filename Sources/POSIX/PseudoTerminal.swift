import Glibc

/// Pseudo-terminals: a serial line inside one machine, for the simulator and the serial tests.
public enum PseudoTerminal {
    /// A new pty in raw mode: the master descriptor and the slave's path (what a client opens as its device).
    ///
    /// The corresponding C function is openpty(3).
    public static func open() throws -> (master: Int32, slavePath: String) {
        var master: Int32 = -1, slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 256)
        _ = try systemCall("openpty") { openpty(&master, &slave, &name, nil, nil) }
        // Raw on both ends: no echo, no line editing, no CR/LF translation; bytes pass as they are.
        var t = termios()
        tcgetattr(slave, &t)
        cfmakeraw(&t)
        tcsetattr(slave, TCSANOW, &t)
        tcgetattr(master, &t)
        cfmakeraw(&t)
        tcsetattr(master, TCSANOW, &t)
        // The slave stays open here too, so the master never sees a hang-up while the client reopens the device.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (master, path)
    }
}
