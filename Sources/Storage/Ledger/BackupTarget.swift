import ColdChain
import FoundationEssentials
import Glibc

/// Where a backup may write, checked before every run and by `--check-config`: never through a link, never into a
/// file or folder another user owns, never into the system's folders or the ledger's own.
///
/// Found by the second hardening run: with `dir/GATEWAY-ID.sqlite` a symbolic link, the daemon wrote into the link's
/// target, changed its journal mode, inserted 25,397 events into a foreign database, and recorded
/// `backup.completed`. A planted `GATEWAY-ID.sqlite-journal` link made every backup fail with a misleading error.
public enum BackupTarget {
    /// Folders a backup never writes into, whatever link leads there.
    static let systemFolders = ["/etc", "/usr", "/boot", "/bin", "/sbin", "/lib", "/proc", "/sys", "/dev"]

    /// The files SQLite keeps beside a copy (rollback journal; WAL files if it was ever in WAL mode).
    static let companions = ["", "-journal", "-wal", "-shm"]

    /// Why a backup into `dir` (copy `dir/name.sqlite`) must not run, or nil. `owner`: the uid the daemon runs as.
    public static func problem(dir: String, name: String, ledgerPath: String, owner: uid_t = geteuid()) -> String? {
        var st = stat()
        guard lstat(dir, &st) == 0 else {
            return "the backup folder \(dir) is not there (\(String(cString: strerror(errno)))): is the USB stick plugged in and mounted?"
        }
        if st.st_mode & S_IFMT == S_IFLNK {
            return "the backup folder \(dir) is a symbolic link (to \(realPath(dir) ?? "?")): a backup never writes through a link; set storage.backup.dir to the real folder"
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { return "the backup path \(dir) is not a folder" }
        if let p = placeProblem(dir: dir, ledgerPath: ledgerPath) { return p }
        if st.st_uid != owner {
            return "the backup folder \(dir) belongs to uid \(st.st_uid), not to the daemon's user (uid \(owner)): chown it to that user"
        }
        let file = dir + "/" + name + ".sqlite"
        for suffix in companions {
            let path = file + suffix
            guard lstat(path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFLNK {
                return "\(path) is a symbolic link (to \(realPath(path) ?? "?")): a backup never writes through a link; remove it (nobody but the daemon should put files there)"
            }
            guard st.st_mode & S_IFMT == S_IFREG else { return "\(path) is not a regular file: remove it" }
            if st.st_uid != owner { return "\(path) belongs to uid \(st.st_uid), not to the daemon's user (uid \(owner)): a backup never writes into another user's file" }
        }
        return nil
    }

    /// Why `dir` is the wrong place, judged on where it really leads: the system's folders or the ledger's own.
    public static func placeProblem(dir: String, ledgerPath: String) -> String? {
        guard let real = realPath(dir) else { return nil }
        for system in systemFolders where real == system || real.hasPrefix(system + "/") {
            return "the backup folder \(dir) leads to \(real), a system folder: a backup belongs on another disk (a USB stick, a share)"
        }
        if let ledgerFolder = realPath(ledgerPath.parentFolder), real == ledgerFolder {
            return "the backup folder \(dir) leads to the ledger's own folder: a backup belongs on another disk (a USB stick, a share)"
        }
        return nil
    }

    /// The folders coldchaind.service may write besides its own (`ReadWritePaths=`): under `ProtectSystem=strict`
    /// everything else is read-only to the daemon. One list with the unit; BackupTargetTests compares them.
    public static let unitWritablePlaces = ["/media", "/mnt", "/var/backups/coldchain"]

    /// Why the daemon could not write a backup into `dir`: on a read-only file system now, or, under the package's
    /// unit, outside the places it may write. nil when neither. Seen under systemd: backups to /srv or to a stick
    /// mounted at boot failed with "Read-only file system" while --check-config said nothing.
    public static func unitProblem(dir: String) -> String? {
        var vfs = statvfs()
        if statvfs(dir, &vfs) == 0, vfs.f_flag & UInt(ST_RDONLY) != 0 {
            return "the backup folder \(dir) is on a read-only file system"
                + (inService ? " for this service: add it to ReadWritePaths= (systemctl edit coldchaind)" : "")
        }
        let places = [dir] + [realPath(dir)].compactMap { $0 }
        let inside = places.allSatisfy { p in unitWritablePlaces.contains { p == $0 || p.hasPrefix($0 + "/") } }
        guard !inside else { return nil }
        return "under coldchaind.service the backup folder \(dir) is read-only (it may write only under "
            + unitWritablePlaces.joined(separator: ", ") + "): use a folder there, or add a drop-in with "
            + "`systemctl edit coldchaind`: [Service] ReadWritePaths=\(dir)"
    }

    /// Whether this process runs as a systemd service (systemd sets INVOCATION_ID for each of its processes).
    static var inService: Bool { getenv("INVOCATION_ID") != nil }

    /// The corresponding C function is realpath(3).
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
