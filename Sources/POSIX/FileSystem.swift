import Glibc

/// A file's size in bytes, 0 when it is not there (a ledger's -wal before the first write).
public func fileSize(at path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}

/// Bytes free for an unprivileged writer on the file system holding `path` (statvfs: available blocks × fragment size).
public func freeBytes(at path: String) throws -> Int64 {
    var st = statvfs()
    _ = try systemCall("statvfs \(path)") { statvfs(path, &st) }
    let (bytes, overflow) = Int64(clamping: st.f_bavail).multipliedReportingOverflow(by: Int64(clamping: st.f_frsize))
    return overflow ? Int64.max : bytes
}

/// A file someone else wrote (a catalogue, a secret), read with a bound: a regular file only (not /dev/zero, not a
/// FIFO that would block), at most `limit` bytes. Longer is `nil` with `truncated` false, unless `truncating`.
///
/// With `noFollow`, a symbolic link is refused (ELOOP) rather than followed: for a file whose owner decides who may
/// log in, which another could otherwise point elsewhere.
///
/// The corresponding C functions are open(2) with O_NONBLOCK (and O_NOFOLLOW), fstat(2) and read(2).
public func readRegularFile(_ path: String, limit: Int, truncating: Bool = false, noFollow: Bool = false) throws -> [UInt8]? {
    let fd = try FileDescriptor(path: path, flags: O_RDONLY | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
    defer { fd.close() }
    var st = stat()
    _ = try systemCall("fstat \(path)") { fstat(fd.rawValue, &st) }
    guard st.st_mode & S_IFMT == S_IFREG else { throw Errno("'\(path)' is not a regular file", code: EINVAL) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while out.count <= limit {
        let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
        if n == 0 { return out }
        out += chunk[0..<n]
    }
    return truncating ? Array(out.prefix(limit)) : nil
}
