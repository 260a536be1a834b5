import ColdChain
import FoundationEssentials
import Glibc

/// A ledger file read as a regulator would read a copy (`coldchainctl verify --ledger FILE`): never written, never
/// locked, and each reason it cannot be read said in words.
///
/// Found by the second hardening run: during a backup's rollback `verify --ledger COPY` said "attempt to write a
/// readonly database" (a read-only connection cannot roll back a hot journal), and with a planted `COPY-journal`
/// symlink it said "no such table: events". Here:
/// - a journal beside the file means a write was under way or cut off: SQLite would have to roll it back (a write),
///   so the copy is not read, and the words say that the next backup run repairs it;
/// - a journal that is a symbolic link, or not a regular file, is named as the cause;
/// - with no journal and no WAL, the file is opened `immutable=1`: no locks and no -shm, so a copy on read-only
///   media reads too. Should a backup start while it is read, the file's size or time changes, and the result is
///   withdrawn rather than reported as a broken chain;
/// - a live ledger in WAL mode (a -wal beside it) is opened read-only the usual way;
/// - a file without the events table is "not a coldchain ledger".
public enum LedgerCopy {
    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Verifies the chain of the file at `path` against `anchors`.
    public static func verify(path: String, anchors: [LedgerAnchor]) throws -> VerifyReport {
        var st = stat()
        guard stat(path, &st) == 0 else { throw Unreadable(description: "\(path): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Unreadable(description: "\(path) is not a regular file") }
        var js = stat()
        let journal = path + "-journal"
        if lstat(journal, &js) == 0 {
            if (js.st_mode & S_IFMT) == S_IFLNK {
                throw Unreadable(description: "\(journal) is a symbolic link, which no backup makes: remove it (it may point anywhere), then verify again")
            }
            guard (js.st_mode & S_IFMT) == S_IFREG else { throw Unreadable(description: "\(journal) is not a regular file: remove it, then verify again") }
            if js.st_size > 0 {
                throw Unreadable(description: "the copy is being written or repaired: \(journal) holds a write that is under way or was "
                                 + "cut off. The daemon's next backup run rolls it back and checks the copy; verify again after it "
                                 + "(reading it now would mean writing to it)")
            }
        }
        let wal = access(path + "-wal", F_OK) == 0
        let db: Database
        do { db = try Database(path: path, options: .init(readOnly: true, immutable: !wal)) } catch {
            throw Unreadable(description: "cannot open \(path): \(error)")
        }
        let reader = LedgerReader(database: db)
        defer { reader.close() }
        guard (try? db.statement("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").first([], { $0.string(0) })) != nil else {
            throw Unreadable(description: "\(path) is not a coldchain ledger (it has no events table)")
        }
        let report = try reader.verify(anchors: anchors)
        if !wal {
            var after = stat()
            let changed = stat(path, &after) != 0 || after.st_size != st.st_size || after.st_mtim.tv_sec != st.st_mtim.tv_sec
                || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec || access(journal, F_OK) == 0 && lstat(journal, &js) == 0 && js.st_size > 0
            if changed {
                throw Unreadable(description: "\(path) changed while it was read (a backup is writing it): verify again when the backup has finished")
            }
        }
        return report
    }
}
