import Glibc

public enum Groups {
    /// The id of the group named `name`.
    ///
    /// The corresponding C function is getgrnam_r(3).
    public static func id(named name: String) throws -> gid_t {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let rc = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        if rc != 0 { throw Errno("getgrnam \(name)", code: rc) }
        guard result != nil else { throw Errno("no group named '\(name)'", code: ENOENT) }
        return group.gr_gid
    }
}
