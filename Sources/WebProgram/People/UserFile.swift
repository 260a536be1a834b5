import ColdChain
import Glibc
import POSIX

/// The people who may log in: one line each, `name:role:yescrypt-hash`, in a file only coldchain-web and root read
/// (0640). Written whole into a new file and renamed over the old, never through a symlink.
struct UserFile: Sendable, Equatable {
    struct Person: Sendable, Equatable {
        var name: String
        var role: Role
        var hash: String
    }

    var people: [Person] = []

    /// The default place: the unit's StateDirectory.
    static let defaultPath = "/var/lib/coldchain-web/users"
    static let maxPeople = 200
    static let maxBytes = 256 * 1024

    /// Why a name cannot be a login name, or nil. A person's name as the record sheet shows it (Chinese names
    /// welcome), at most 32 characters, no colon (the file's separator), no spaces at either end.
    static func problem(name: String) -> String? {
        if name.isEmpty { return "a name is needed" }
        if name.count > 32 { return "a name is at most 32 characters" }
        if name.contains(":") { return "a name has no colon" }
        if name.first!.isWhitespace || name.last!.isWhitespace { return "a name has no spaces at either end" }
        if name.unicodeScalars.contains(where: { String.needsEscape($0) }) { return "a name has no control characters" }
        return PersonText.problem(name).map { "the name \($0)" }
    }

    func person(_ name: String) -> Person? { people.first { $0.name == name } }

    /// Reads `path`; a missing file is no one. Lines that are not `name:role:hash` are errors naming the line.
    static func read(_ path: String) throws(UserFileError) -> UserFile {
        let bytes: [UInt8]
        do {
            guard let read = try readRegularFile(path, limit: maxBytes, noFollow: true) else {
                throw UserFileError("\(path) is larger than \(maxBytes / 1024) KiB")
            }
            bytes = read
        } catch let e as UserFileError {
            throw e
        } catch let e as Errno where e.code == ENOENT {
            return UserFile()
        } catch let e as Errno where e.code == ELOOP {
            throw UserFileError("\(path) is a symbolic link; the user file must be a regular file")
        } catch {
            throw UserFileError("cannot read \(path): \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw UserFileError("\(path) is not UTF-8 text") }
        var file = UserFile()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3, problem(name: f[0]) == nil, let role = Role(rawValue: f[1]), f[2].hasPrefix("$y$") else {
                throw UserFileError("\(path):\(n + 1): not NAME:ROLE:YESCRYPT-HASH")
            }
            guard file.person(f[0]) == nil else { throw UserFileError("\(path):\(n + 1): \(f[0].escapedForTerminal) appears twice") }
            file.people.append(Person(name: f[0], role: role, hash: f[2]))
        }
        guard file.people.count <= maxPeople else { throw UserFileError("\(path) has more than \(maxPeople) people") }
        return file
    }

    /// Writes the file: a new one beside it (0640, O_EXCL, not through a link), synced, renamed over the old.
    func write(_ path: String) throws(UserFileError) {
        let text = people.map { "\($0.name):\($0.role.rawValue):\($0.hash)\n" }.joined()
        let temp = path + ".new"
        do {
            unlink(temp)
            let fd = try FileDescriptor(path: temp, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o640)
            do {
                // Root adding a person (the usual way) must leave a file the service's own user reads: the new file
                // takes the owner and group of its folder (the unit's StateDirectory, coldchain-web's).
                let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
                var st = stat()
                if geteuid() == 0, stat(folder.isEmpty ? "/" : folder, &st) == 0 {
                    _ = try systemCall("fchown \(temp)") { fchown(fd.rawValue, st.st_uid, st.st_gid) }
                }
                try fd.writeAll(text)
                _ = try systemCall("fsync \(temp)") { fsync(fd.rawValue) }
                fd.close()
            } catch { fd.close(); unlink(temp); throw error }
            _ = try systemCall("rename \(temp)") { rename(temp, path) }
        } catch {
            throw UserFileError("cannot write \(path): \(error)")
        }
    }
}

struct UserFileError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
