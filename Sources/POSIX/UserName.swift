import Glibc

/// A uid as a person reads it: the account's name, or `uid N` when it has none here.
public enum UserName {
    /// The corresponding C function is getpwuid_r(3).
    public static func of(uid: Int) -> String {
        guard let id = uid_t(exactly: uid) else { return "uid \(uid)" }
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 1024)
        let rc = getpwuid_r(id, &pw, &buffer, buffer.count, &result)
        guard rc == 0, result != nil, let name = pw.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}
