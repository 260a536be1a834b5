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
