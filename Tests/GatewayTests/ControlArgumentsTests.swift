import ColdChain
import Control
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Storage
import Testing
import TestSupport

/// Every control command, every argument at its extremes, against a running daemon: each request gets a reply
/// and the daemon lives. (Before: `readings F1 --since 800000d` killed it in RFC 3339 formatting, and
/// `inventory --expiring 10000000000000000s` converting a Double to Int64.)
@Suite(.serialized) struct ControlArgumentsTests {
    static let commands: [(cmd: String, base: [String: JSONValue], keys: [String])] = [
        ("status", [:], ["x"]),
        ("verify", [:], ["x"]),
        ("fridges", [:], ["x"]),
        ("readings", ["fridge": "F1"], ["fridge", "since", "every"]),
        ("excursions", [:], ["open"]),
        ("ack", ["alarm": 1, "note": "checked"], ["alarm", "note"]),
        ("check", ["fridge": "F1", "c": 4.5, "by": "Wang Li"], ["fridge", "c", "by", "note"]),
        ("hold", ["action": "add", "gtin": "09506000134352", "reason": "test"], ["action", "gtin", "product", "lot", "code", "reason", "id"]),
        ("hold", ["action": "remove"], ["id"]),
        ("scans", [:], ["limit"]),
        ("inventory", [:], ["fridge", "expiring"]),
        ("lookup", [:], ["code"]),
        ("outbox", [:], ["x"]),
        ("uplink", [:], ["action"]),
        ("backup", [:], ["action"]),
        ("report", ["kind": "daily", "month": "2026-10"], ["kind", "month", "fridge"]),
        ("chart", ["fridge": "F1"], ["fridge", "since"]),
        ("alarms", [:], ["since"]),
        ("notify", ["action": "test"], ["action", "channel"]),
        ("help", [:], ["x"]),
        ("nope", [:], ["x"]),
    ]

    static let extremes: [JSONValue] = [
        0, -1, 1, 1e20, -1e20, 1.5, 9.3e18, 4_294_967_296, .null, true, [], [:], "",
        "800000d", "10000000000000000s", "99999999999999999999s", "1e308", "nan", "-inf", "-5s", "0s",
        .string(String(repeating: "9", count: 400)), .string(String(repeating: "é", count: 60_000 / 2)),
        "\u{1b}]0;PWNED\u{07}\u{1b}[31m", "F1\u{0}", "\u{1D}0109506000134352", "CC:FRIDGE:F1",
    ]

    /// What the socket takes for the record (check --by, ack --note, a hold's reason) is kept in NFC: a name typed
    /// with a combining accent is the same name as one typed precomposed.
    @Test func personTextIsKeptInNFC() throws {
        let by = try ControlArguments(["by": .string("Jose\u{301}")]).personText("by")
        #expect(by?.unicodeScalars.map(\.value) == Array("Jos\u{E9}".unicodeScalars.map(\.value)))
    }

    @Test func everyCommandAnswersEveryExtreme() async throws {
        let d = try InProcessDaemon()
        try await d.waitReady()
        let sock = d.config.control.socket
        var lines: [String] = []
        for c in Self.commands {
            for key in c.keys {
                for v in Self.extremes {
                    var args = c.base
                    args[key] = v
                    lines.append(ControlRequest(cmd: c.cmd, args: args).line)
                }
            }
        }
        // JSON itself cannot say NaN or Infinity; a client can still send the bytes.
        lines += ["{\"cmd\":\"readings\",\"args\":{\"fridge\":\"F1\",\"since\":NaN}}\n", "{\"cmd\":\"scans\",\"args\":{\"limit\":Infinity}}\n",
                  "{\"cmd\":\"scans\",\"args\":{\"limit\":1e999}}\n", "{\"cmd\":\"ack\",\"args\":{\"alarm\":-0}}\n"]
        let fd = try rawConnect(sock)
        let count = lines.count
        let all = lines
        let replies = try await offPool { () -> [String] in
            // Written in slices, read as we go: the server reads a connection only while its replies are taken.
            var got: [String] = []
            for slice in stride(from: 0, to: count, by: 8).map({ all[$0..<min($0 + 8, count)] }) {
                try fd.writeAll(slice.joined())
                got += try readReplies(fd, count: slice.count)
            }
            return got
        }
        #expect(replies.count == count)
        for (request, reply) in zip(lines, replies) {
            let parsed = ControlReply.parse(Array(reply.utf8))
            #expect(parsed != nil, "\(request) → \(reply.prefix(200))")
            if case .failure(let f)? = parsed { #expect(f.code != .internal, "\(request.prefix(200)) → \(f.message)") }
            // An answer may be long (status, verify, a month's record sheet); a refusal may not.
            #expect(reply.utf8.count < 4096 || reply.hasPrefix("{\"ok\":true"),
                    "an error does not echo a huge argument: \(request.prefix(100)) → \(reply.utf8.count) bytes")
        }
        guard case .ok(let status) = try await call(sock, ControlRequest(cmd: "status")) else { Issue.record("daemon gone"); return }
        #expect(status["gateway"]?["id"] == "gw-test-01")
        #expect(await d.stop() == 0)
        #expect(try LedgerReader(path: d.config.storage.path).verify().ok)
    }

    @Test(arguments: [
        ("readings", ["fridge": "F1", "since": "800000d"] as [String: JSONValue], "since: 800000d is out of range: allowed 1s to 36500d"),
        ("readings", ["fridge": "F1", "since": "10000000000000000s"], "allowed 1s to 36500d"),
        ("inventory", ["expiring": "10000000000000000s"], "expiring: 1e+16s is out of range: allowed 0ms to 36500d"),
        ("scans", ["limit": 1e20], "limit 1e+20 is out of range: allowed 1 to 10000"),
        ("ack", ["alarm": 9.3e18, "note": "x"], "out of range: allowed 1 to 2147483647"),
        ("readings", ["fridge": "F1", "since": "nan"], "'nan' is not a duration"),
    ])
    func outOfRangeArgumentsSayTheRange(_ cmd: String, _ args: [String: JSONValue], _ expected: String) async throws {
        let d = try InProcessDaemon()
        try await d.waitReady()
        let reply = try await call(d.config.control.socket, ControlRequest(cmd: cmd, args: args))
        guard case .failure(let f) = reply else { Issue.record("\(reply)"); _ = await d.stop(); return }
        #expect(f.code == .invalidArgument)
        #expect(f.message.contains(expected), "\(f.message)")
        #expect(await d.stop() == 0)
    }

    /// 10,000 scans of about 600 bytes: the whole list is 6 MB. Before, the client was reset after 4 MiB and the
    /// log blamed it; now the answer is an error that says how to narrow it, and a narrower question is answered.
    @Test func aLongAnswerIsRefusedWithHowToNarrowIt() async throws {
        let dir = TempDir("cc-large")
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let t0 = Date().addingTimeInterval(-86400)
        let body: JSONValue = ["scanner": "desk", "fridge": "F1", "mode": "in", "direction": "in", "verdict": "unrecognised",
                               "refused": true, "moved": false, "detail": ["reason": .string(String(repeating: "r", count: 300))],
                               "code": ["raw": .string(String(repeating: "x", count: 200))]]
        try await ledger.append(contentsOf: (0..<10_000).map { NewEvent(.scan, at: t0.addingTimeInterval(Double($0)), body: body) })
        ledger.close()
        let d = try InProcessDaemon(dir: dir)
        try await d.waitReady()
        let sock = d.config.control.socket
        let big = try await call(sock, ControlRequest(cmd: "scans", args: ["limit": 10_000]))
        guard case .failure(let f) = big else { Issue.record("sent whole"); _ = await d.stop(); return }
        #expect(f.code == .tooLarge && f.message.contains("scans --limit 1000"), "\(f.message)")
        guard case .ok(let some) = try await call(sock, ControlRequest(cmd: "scans", args: ["limit": 1000])) else { Issue.record("narrower failed"); return }
        #expect(some.arrayValue?.count == 1000)
        #expect(some.arrayValue?.last?["seq"] == 10_000, "the newest last")
        #expect(await d.stop() == 0)
    }
}
