import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// Who is logged in: a random token in an HttpOnly cookie names a session, which holds the person, their role and
/// the CSRF token their forms carry. In memory only: a restart of coldchain-web logs everyone out.
final class Sessions: Sendable {
    struct Session: Sendable {
        var name: String
        var role: Role
        var csrf: String
        var lastUsed: Date
        var opened: Date
        /// The password hash the person logged in with: a new password (`user add` again) ends the session too.
        var credential: String
    }

    /// Bounds: at most 256 sessions (the oldest goes), each ending 12 hours after it was last used (a desk screen
    /// stays logged in through a working day), and 7 days after it was opened however much it is used (a session in
    /// use every day would otherwise never end).
    static let maxSessions = 256
    static let idle: TimeInterval = 12 * 3600
    static let lifetime: TimeInterval = 7 * 86400
    static let cookie = "cc_session"

    private let table = Mutex<[String: Session]>([:])

    /// A new session for `name`, who logged in with the password `credential` hashes to: its token.
    func open(name: String, role: Role, credential: String, now: Date) -> String {
        let token = Self.randomToken(), csrf = Self.randomToken()
        table.withLock { t in
            t = t.filter { Self.current($0.value, now: now) }
            if t.count >= Self.maxSessions, let oldest = t.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key { t[oldest] = nil }
            t[token] = Session(name: name, role: role, csrf: csrf, lastUsed: now, opened: now, credential: credential)
        }
        return token
    }

    /// Within both time limits.
    static func current(_ s: Session, now: Date) -> Bool {
        now.timeIntervalSince(s.lastUsed) < idle && now.timeIntervalSince(s.opened) < lifetime
    }

    /// The session `token` names, still current, and marked used now. `holds`: whether its person and role still
    /// stand (the users file, asked outside the lock); a session that fails it is ended.
    func find(_ token: String?, now: Date, holds: (Session) -> Bool = { _ in true }) -> Session? {
        guard let token, token.utf8.count == 64 else { return nil }
        guard let found = table.withLock({ t -> Session? in
            guard let s = t[token] else { return nil }
            guard Self.current(s, now: now) else { t[token] = nil; return nil }
            return s
        }) else { return nil }
        guard holds(found) else {
            close(name: found.name)
            return nil
        }
        return table.withLock { t in
            guard var s = t[token] else { return nil }
            s.lastUsed = now
            t[token] = s
            return s
        }
    }

    func close(_ token: String?) {
        guard let token else { return }
        table.withLock { $0[token] = nil }
    }

    /// Ends every session of `name` (their role changed, or they were removed).
    func close(name: String) { table.withLock { t in t = t.filter { $0.value.name != name } } }

    /// 32 bytes from the kernel's random source, as 64 hex digits.
    static func randomToken() -> String {
        let bytes = randomBytes(32)
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// The login rule: five failed logins for a name within 15 minutes lock the name for 15 minutes, whoever tries and
/// whether or not the name exists (an unknown name is not told apart). Pure and clock-injected; at most 1,000 names
/// are followed (the oldest forgotten), so a flood of made-up names cannot grow it.
struct LoginThrottle: Sendable {
    static let failures = 5
    static let window: TimeInterval = 15 * 60
    static let lockFor: TimeInterval = 15 * 60
    static let maxNames = 1000

    struct Entry: Sendable {
        var failures: [Date] = []
        var lockedUntil: Date?
        var touched: Date
    }
    private(set) var entries: [String: Entry] = [:]

    init() {}

    /// Until when `name` is locked, or nil.
    func lockedUntil(_ name: String, now: Date) -> Date? {
        guard let until = entries[name]?.lockedUntil, until > now else { return nil }
        return until
    }

    /// Counts a failure; returns the end of the lock when this failure locks the name.
    mutating func failed(_ name: String, now: Date) -> Date? {
        if entries[name] == nil, entries.count >= Self.maxNames,
           let oldest = entries.min(by: { $0.value.touched < $1.value.touched })?.key {
            entries[oldest] = nil
        }
        var e = entries[name] ?? Entry(touched: now)
        e.touched = now
        e.failures = e.failures.filter { now.timeIntervalSince($0) < Self.window } + [now]
        var locked: Date?
        if e.failures.count >= Self.failures {
            let until = now.addingTimeInterval(Self.lockFor)
            e.lockedUntil = until
            e.failures = []
            locked = until
        }
        entries[name] = e
        return locked
    }

    mutating func succeeded(_ name: String) { entries[name] = nil }
}
