import Glibc
import POSIX

public enum ControlSocketError: Error, CustomStringConvertible {
    case alreadyRunning(String)
    case notASocket(String)
    public var description: String {
        switch self {
        case .alreadyRunning(let p): "another coldchaind is already running: its control socket \(p) answers. Stop it first (systemctl stop coldchaind)."
        case .notASocket(let p): "\(p) exists and is not a socket; remove it or choose another control.socket"
        }
    }
}

/// The control socket's file: created with its mode and group, a stale one replaced, a live one refused.
public enum ControlSocket {
    /// Creates the listening socket at `path`: mode 0660, group `group`. A stale socket left by a crash is replaced;
    /// one that a running daemon answers on is not.
    public static func bind(path: String, group: String?, log: Log) throws -> FileDescriptor {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw ControlSocketError.notASocket(path) }
            do {
                let probe = try UnixSocket.connect(path: path)
                probe.close()
                throw ControlSocketError.alreadyRunning(path)
            } catch let e as Errno where e.code == ECONNREFUSED {
                log.notice("removing stale control socket \(path) left by a previous run")
                _ = try systemCall("unlink \(path)") { unlink(path) }
            }
        }
        let gid = try group.map { try Groups.id(named: $0) }
        let fd = try UnixSocket.make(Int32(SOCK_STREAM.rawValue))
        // bind(2) creates the socket file with the umask applied; a tight umask closes the window before chmod.
        let old = umask(0o177)
        defer { umask(old) }
        try UnixSocket.withAddress(path) { addr, len in
            _ = try systemCall("bind \(path)") { Glibc.bind(fd.rawValue, addr, len) }
        }
        _ = try systemCall("chmod \(path)") { chmod(path, 0o660) }
        // Under systemd the socket already has the service's group; chown(2) is then skipped, because the unit's
        // system-call filter refuses it even as a no-op.
        var created = stat()
        if let gid, stat(path, &created) == 0, created.st_gid != gid {
            _ = try systemCall("chown \(path)") { chown(path, uid_t.max, gid) }
        }
        _ = try systemCall("listen \(path)") { listen(fd.rawValue, 16) }
        try fd.setNonBlocking(true)
        return fd
    }
}
