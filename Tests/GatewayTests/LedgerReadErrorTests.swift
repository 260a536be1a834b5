import ColdChain
import Control
import Foundation
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

/// Ledger read errors propagate. Before, an unreadable heartbeat or last event read as "a new ledger" (so no
/// `gateway.gap` was recorded), and an unreadable uplink cursor as 0 ("send everything again").
@Suite(.serialized) struct LedgerReadErrorTests {
    /// Makes a table unreadable the way a damaged or foreign file would: it is not there under its name.
    static func hide(_ table: String, in path: String) {
        let r = shell("sqlite3 \(path) 'ALTER TABLE \(table) RENAME TO \(table)_gone'")
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func anUnreadableHeartbeatStopsTheStart() async throws {
        let dir = TempDir("cc-read-hb")
        let first = try InProcessDaemon(dir: dir)
        try await first.waitReady()
        #expect(await first.stop() == 0)
        Self.hide("heartbeat", in: first.config.storage.path)
        let second = try InProcessDaemon(dir: dir)
        #expect(await second.task.value == 1)
        #expect(second.log.contains("cannot start: cannot read or write the ledger"), "\(second.log.all)")
        #expect(second.log.contains("no such table: heartbeat"))
    }

    @Test func anUnreadableCursorStopsTheUplinkInsteadOfResendingEverything() async throws {
        let dir = TempDir("cc-read-cursor")
        let receiver = try Receiver(dir: dir, plan: [])
        let first = try InProcessDaemon(dir: dir, configText: uplinkConfig(port: receiver.port, dir: dir))
        try await first.waitReady()
        #expect(try await waitUntil(15) { receiver.received.count >= 2 })
        #expect(await first.stop() == 0)
        let delivered = receiver.received.count
        Self.hide("uplink_cursor", in: first.config.storage.path)

        let second = try InProcessDaemon(dir: dir, configText: uplinkConfig(port: receiver.port, dir: dir))
        try await second.waitReady()
        let sock = second.config.control.socket
        #expect(try await waitUntil(10) {
            guard case .ok(let s) = try await call(sock, ControlRequest(cmd: "status")) else { return false }
            return s["uplink"]?["last_error"]?.stringValue?.contains("cannot read the uplink cursor") == true
        })
        guard case .ok(let o) = try await call(sock, ControlRequest(cmd: "outbox")) else { Issue.record("outbox"); return }
        #expect(o["state"] != "idle" && o["last_error"]?.stringValue?.contains("no such table") == true, "\(o)")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(receiver.received.count == delivered, "nothing was sent again")
        #expect(await second.stop() == 0)
    }
}
