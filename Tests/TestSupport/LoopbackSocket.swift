import Glibc

/// A TCP socket bound to 127.0.0.1 on a port the kernel chose: its descriptor (the caller listens on it or closes
/// it) and the port, or nil when the kernel refused.
public func boundLoopbackSocket() -> (fd: Int32, port: Int)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &a) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { close(fd); return nil }
    return (fd, Int(UInt16(bigEndian: a.sin_port)))
}

/// A loopback TCP port nothing listens on now: bound with port 0 (the kernel chooses), read back, released. A random
/// port from a fixed range once met another test's broker there (a CI run, MQTTUplinkTests).
public func freeLoopbackPort() -> Int {
    guard let (fd, port) = boundLoopbackSocket() else { return Int.random(in: 21000...26000) }
    close(fd)
    return port
}
