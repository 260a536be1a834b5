import CShims
import Glibc

/// AF_UNIX sockets: the control socket (stream) and systemd's notify socket (datagram).
public enum UnixSocket {
    /// Fills a `sockaddr_un` for `path`; a leading '@' names Linux's abstract namespace (as systemd does).
    public static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            throw Errno("socket path '\(path)' is longer than \(capacity - 1) bytes", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            if !abstract { raw[bytes.count] = 0 }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        return try withUnsafePointer(to: &addr) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// A new socket of `type` (SOCK_STREAM or SOCK_DGRAM), close-on-exec.
    ///
    /// The corresponding C function is socket(2).
    public static func make(_ type: Int32) throws -> FileDescriptor {
        let fd = try systemCall("socket") { socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
        return FileDescriptor(adopting: fd)
    }

    /// Connects a stream socket to `path`.
    ///
    /// The corresponding C function is connect(2).
    public static func connect(path: String) throws -> FileDescriptor {
        let fd = try make(Int32(SOCK_STREAM.rawValue))
        try withAddress(path) { addr, len in
            // connect(2) interrupted by a signal goes on asynchronously; retrying would fail with EALREADY, so
            // EINTR is retried only through systemCall's loop on a fresh attempt, which is fine for AF_UNIX.
            _ = try systemCall("connect \(path)") { Glibc.connect(fd.rawValue, addr, len) }
        }
        return fd
    }

    /// The uid, gid and pid of the process on the other end of a connected AF_UNIX socket.
    ///
    /// The corresponding C call is getsockopt(2) with SO_PEERCRED.
    public static func peerCredentials(_ fd: FileDescriptor) throws -> (pid: Int32, uid: UInt32, gid: UInt32) {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        _ = try systemCall("getsockopt SO_PEERCRED") { cc_peer_credentials(fd.rawValue, &pid, &uid, &gid) }
        return (pid, uid, gid)
    }
}
