import Glibc
import Synchronization

/// The users file as the running screen knows it, read again whenever it changed (its device, inode, size and
/// modification time), so that a person removed, or given another role, by `coldchain-web user` (another process)
/// loses their open sessions at their next request.
///
/// Hardening 3 found a removed technician's session still recording manual checks `by: tech`: sessions only ever
/// looked at the file at login.
final class People: Sendable {
    struct Stamp: Equatable {
        var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int
        init(_ st: stat) {
            device = UInt64(st.st_dev); inode = UInt64(st.st_ino); size = Int64(st.st_size)
            seconds = st.st_mtim.tv_sec; nanoseconds = st.st_mtim.tv_nsec
        }
    }

    let path: String
    /// The file as last read, with the stamp it had. The read itself happens outside the lock.
    private let cached = Mutex<(stamp: Stamp, file: UserFile?)?>(nil)

    init(path: String) { self.path = path }

    /// Who may log in now; nil when the file cannot be read (then no session holds: a broken file logs everyone out).
    /// A missing file is no one.
    ///
    /// The corresponding C function is lstat(2) (the file itself is read by UserFile, never through a link).
    func current() -> UserFile? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return errno == ENOENT ? UserFile() : nil }
        let stamp = Stamp(st)
        if let known = cached.withLock({ $0 }), known.stamp == stamp { return known.file }
        let file = try? UserFile.read(path)
        cached.withLock { $0 = (stamp, file) }
        return file
    }

    /// Whether `session` still names a person of the same role and password.
    func holds(_ session: Sessions.Session) -> Bool {
        guard let person = current()?.person(session.name) else { return false }
        return person.role == session.role && person.hash == session.credential
    }
}
