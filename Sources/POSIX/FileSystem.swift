import Glibc

/// Bytes free for an unprivileged writer on the file system holding `path` (statvfs: available blocks × fragment size).
public func freeBytes(at path: String) throws -> Int64 {
    var st = statvfs()
    _ = try systemCall("statvfs \(path)") { statvfs(path, &st) }
    let (bytes, overflow) = Int64(clamping: st.f_bavail).multipliedReportingOverflow(by: Int64(clamping: st.f_frsize))
    return overflow ? Int64.max : bytes
}
