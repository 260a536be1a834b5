import ColdChain
import Foundation
import Glibc
import Storage
import Testing
import TestSupport

/// What `verify` proves. The adversarial run: copy a ledger, drop the trigger, change one reading, re-hash the
/// rest of the chain, restore the trigger; `verify --ledger` then printed "ledger OK". A chain proves order and
/// internal consistency; only an anchor kept elsewhere proves the events are the ones that existed.
@Suite struct VerifyAnchorTests {
    /// A ledger of 30 readings; returns the hash of event 20 as it was written (an anchor a record sheet printed).
    static func makeLedger(_ path: String) async throws -> LedgerAnchor {
        let ledger = try Ledger(path: path)
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        let written = try await ledger.append(contentsOf: (1...30).map {
            NewEvent(.reading, at: t0.addingTimeInterval(Double($0) * 60), body: ["sensor": "F1-air", "fridge": "F1", "c": 5.0])
        })
        ledger.close()
        return LedgerAnchor(seq: 20, hash: written[19].hash, source: "given")
    }

    /// Rewrites event 10's temperature and re-hashes every later event with the sqlite3 tool, as an attacker would.
    static func forge(_ path: String) throws {
        let reader = try LedgerReader(path: path)
        var events = try reader.events(after: 0, limit: 100)
        reader.close()
        var sql = "DROP TRIGGER events_no_update;"
        var prev = events[8].hash
        for i in 9..<events.count {
            if i == 9 { events[i].body = #"{"c":5.5,"fridge":"F1","sensor":"F1-air"}"# }
            let h = LedgerHash.compute(prev: prev, seq: events[i].seq, at: events[i].recordedAt, type: events[i].type, body: events[i].body)
            sql += "UPDATE events SET body = '\(events[i].body)', prev_hash = '\(prev)', hash = '\(h)' WHERE seq = \(events[i].seq);"
            prev = h
        }
        sql += "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END;"
        let r = shell("sqlite3 \(path) \"\(sql.replacingOccurrences(of: "\"", with: "\\\""))\"")
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func aRehashedChainIsConsistentButFailsItsAnchor() async throws {
        let dir = TempDir("cc-anchor")
        let original = dir.file("ledger.sqlite")
        let anchor = try await Self.makeLedger(original)
        let copy = dir.file("copy.sqlite")
        #expect(shell("sqlite3 \(original) \".backup \(copy)\"").status == 0)
        try Self.forge(copy)

        // Without an anchor: consistent, and the output says that this is all it proves.
        let plain = try run("coldchainctl", ["verify", "--ledger", copy])
        #expect(plain.status == 0, "\(plain.err)")
        #expect(plain.out.contains("internally consistent: 30 events\nhead 30 "))
        #expect(plain.out.unwrapped.contains("proves order, not authenticity"), "\(plain.out)")
        #expect(!plain.out.contains("ledger OK"))

        // With the anchor a record sheet printed: the forgery shows.
        let anchored = try run("coldchainctl", ["verify", "--ledger", copy, "--anchor", "20:\(anchor.hash)"])
        #expect(anchored.status == 1)
        #expect(anchored.out.contains("anchor 20 (given): DIFFERS"), "\(anchored.out)")
        // The original matches it, and the output says what that proves.
        let genuine = try run("coldchainctl", ["verify", "--ledger", original, "--anchor", "20:\(anchor.hash)"])
        #expect(genuine.status == 0)
        #expect(genuine.out.contains("anchor 20 (given): matches"))
        #expect(genuine.out.unwrapped.contains("events 1 to 20 are those that existed when anchor 20 was taken"))
        #expect(genuine.out.unwrapped.contains("events after 20 are proven only against each other"))
        // An anchor past the end: events were cut off.
        let cut = try run("coldchainctl", ["verify", "--ledger", original, "--anchor", "31:\(anchor.hash)"])
        #expect(cut.status == 1 && cut.out.contains("MISSING: the ledger ends at 30"))
        // A malformed anchor is a usage error.
        #expect(try run("coldchainctl", ["verify", "--ledger", original, "--anchor", "20:xyz"]).status == 64)
    }
}
