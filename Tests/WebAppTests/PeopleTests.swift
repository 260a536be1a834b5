import ColdChain
import Foundation
import Glibc
import Testing
import TestSupport
@testable import WebProgram
import WebServer

/// The login rule, sessions and the user file, each against an injected clock or a temp folder.
@Suite struct PeopleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func fiveFailuresWithinFifteenMinutesLockTheNameForFifteen() {
        var th = LoginThrottle()
        // Four failures spread over 20 minutes: the first has left the window by the fifth.
        for minute in [0.0, 5, 10, 14] { #expect(th.failed("王芳", now: t0.addingTimeInterval(minute * 60)) == nil) }
        #expect(th.failed("王芳", now: t0.addingTimeInterval(16 * 60)) == nil, "the failure at minute 0 is older than 15 min")
        let locked = th.failed("王芳", now: t0.addingTimeInterval(17 * 60))
        #expect(locked == t0.addingTimeInterval(32 * 60))
        #expect(th.lockedUntil("王芳", now: t0.addingTimeInterval(31 * 60)) != nil)
        #expect(th.lockedUntil("王芳", now: t0.addingTimeInterval(32 * 60)) == nil, "unlocked when the 15 min are over")
        // Another name is not touched; a success forgets the failures.
        #expect(th.lockedUntil("李明", now: t0.addingTimeInterval(20 * 60)) == nil)
        for i in 0..<4 { _ = th.failed("李明", now: t0.addingTimeInterval(Double(i))) }
        th.succeeded("李明")
        #expect(th.failed("李明", now: t0.addingTimeInterval(10)) == nil)
    }

    @Test func madeUpNamesCannotGrowTheThrottle() {
        var th = LoginThrottle()
        for i in 0..<(LoginThrottle.maxNames * 3) { _ = th.failed("name\(i)", now: t0.addingTimeInterval(Double(i))) }
        #expect(th.entries.count == LoginThrottle.maxNames)
    }

    @Test func sessionsEndAfterTwelveIdleHoursAndAreBounded() {
        let s = Sessions()
        let token = s.open(name: "王芳", role: .technician, credential: "h", now: t0)
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(s.find(token, now: t0.addingTimeInterval(11 * 3600))?.name == "王芳")
        // Used at 11 h: good until 23 h.
        #expect(s.find(token, now: t0.addingTimeInterval(22 * 3600)) != nil)
        #expect(s.find(token, now: t0.addingTimeInterval(35 * 3600)) == nil)
        #expect(s.find("not-a-token", now: t0) == nil && s.find(nil, now: t0) == nil)
        let first = s.open(name: "a", role: .viewer, credential: "h", now: t0)
        for i in 1...Sessions.maxSessions { _ = s.open(name: "p\(i)", role: .viewer, credential: "h", now: t0.addingTimeInterval(Double(i))) }
        #expect(s.find(first, now: t0.addingTimeInterval(1000)) == nil, "the oldest session went to make room")
    }

    /// Used every 6 hours, a session still ends 7 days after it was opened (hardening 3: the idle limit restarted at
    /// every request, so a session in use never ended).
    @Test func aSessionInUseEndsAfterSevenDays() {
        let s = Sessions()
        let token = s.open(name: "接种台", role: .nurse, credential: "h", now: t0)
        var hour = 0.0
        while hour + 6 < 7 * 24 {
            hour += 6
            #expect(s.find(token, now: t0.addingTimeInterval(hour * 3600)) != nil, "at \(hour) h")
        }
        #expect(s.find(token, now: t0.addingTimeInterval(7 * 86400)) == nil, "used 6 h ago, but opened 7 days ago")
    }

    /// Each request asks the users file: a person removed, given another role or a new password loses every open
    /// session at once; a file that cannot be read holds no session.
    @Test func sessionsFollowTheUsersFile() throws {
        let dir = TempDir("cc-people")
        let path = dir.file("users")
        let h1 = try #require(Password.hash("technician-1")), h2 = try #require(Password.hash("technician-2"))
        let people = People(path: path)
        let s = Sessions()
        func login(_ name: String, _ role: Role, _ hash: String) -> String { s.open(name: name, role: role, credential: hash, now: t0) }
        func holds(_ token: String) -> Bool { s.find(token, now: t0.addingTimeInterval(60), holds: people.holds) != nil }

        try UserFile(people: [.init(name: "tech", role: .technician, hash: h1), .init(name: "王芳", role: .nurse, hash: h1)]).write(path)
        let (a, b, other) = (login("tech", .technician, h1), login("tech", .technician, h1), login("王芳", .nurse, h1))
        #expect(holds(a) && holds(b) && holds(other))
        // Re-added as a viewer: both technician sessions end; the nurse's stays.
        try UserFile(people: [.init(name: "tech", role: .viewer, hash: h1), .init(name: "王芳", role: .nurse, hash: h1)]).write(path)
        #expect(!holds(a) && !holds(b) && holds(other))
        // A new password ends the session opened with the old one.
        let viewer = login("tech", .viewer, h1)
        #expect(holds(viewer))
        try UserFile(people: [.init(name: "tech", role: .viewer, hash: h2), .init(name: "王芳", role: .nurse, hash: h1)]).write(path)
        #expect(!holds(viewer))
        // Removed.
        let again = login("tech", .viewer, h2)
        try UserFile(people: [.init(name: "王芳", role: .nurse, hash: h1)]).write(path)
        #expect(!holds(again) && holds(other))
        // A file that cannot be read: no session holds (and the nurse's is ended).
        dir.write("users", "not a users file\n")
        #expect(!holds(other))
    }

    @Test func theUserFileRoundTripsAndRefusesWhatItCannotRead() throws {
        let dir = TempDir("cc-users")
        let path = dir.file("users")
        #expect(try UserFile.read(path).people.isEmpty, "no file: no one")
        let hash = try #require(Password.hash("correct horse"))
        #expect(hash.hasPrefix("$y$"), "yescrypt: \(hash)")
        #expect(Password.verify("correct horse", against: hash) && !Password.verify("correct horsE", against: hash))
        #expect(!Password.verify("anything", against: nil), "a name without a hash never logs in")
        try UserFile(people: [.init(name: "王芳", role: .technician, hash: hash)]).write(path)
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o640)
        #expect(try UserFile.read(path).person("王芳")?.role == .technician)
        for (bad, why) in [("王芳:admin:\(hash)\n", ":1: not NAME:ROLE:YESCRYPT-HASH"), ("x:viewer:plain\n", ":1: not NAME:ROLE"),
                           ("a:viewer:\(hash)\na:nurse:\(hash)\n", ":2: a appears twice")] {
            dir.write("bad", bad)
            #expect(throws: UserFileError.self) { try UserFile.read(dir.file("bad")) }
            do { _ = try UserFile.read(dir.file("bad")) } catch { #expect("\(error)".contains(why), "\(error)") }
        }
        symlink(path, dir.file("link"))
        do { _ = try UserFile.read(dir.file("link")); Issue.record("a symlink was followed") } catch {
            #expect("\(error)".contains("symbolic link"), "\(error)")
        }
        for name in ["", "a:b", " lead", String(repeating: "长", count: 33), "zero\u{200B}width", "tab\there"] {
            #expect(UserFile.problem(name: name) != nil, "\(name.debugDescription) was accepted")
        }
        #expect(UserFile.problem(name: "王芳") == nil && UserFile.problem(name: "Dr. Li") == nil)
    }

    @Test func formsDecodeAsBrowsersSendThem() {
        #expect(FormEncoding.decode(Array("a=1&b=x+y&c=%E7%8E%8B&a=2&d".utf8)) == ["a": "1", "b": "x y", "c": "王", "d": ""])
        // A broken escape or bytes that are not UTF-8 drop that field, not the form.
        #expect(FormEncoding.decode(Array("a=%ZZ&b=%FF&c=ok&e=%4".utf8)) == ["c": "ok"])
    }
}
