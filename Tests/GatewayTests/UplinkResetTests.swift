import ColdChain
import Control
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// A platform that reads every third request and resets the connection: the uplink retries on its normal back-off
/// (not after the request timeout) and every event is delivered, in order of first arrival.
@Suite(.serialized) struct UplinkResetTests {
    @Test func aResetOnEveryThirdRequestLosesNothing() async throws {
        let dir = TempDir("cc-uplink-reset")
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let t0 = Date().addingTimeInterval(-3600)
        try await ledger.append(contentsOf: (0..<60).map { NewEvent(.reading, at: t0.addingTimeInterval(Double($0)), body: ["sensor": "F1-air", "c": 5.0]) })
        ledger.close()
        let plan = (0..<30).flatMap { _ in ["ok", "ok", "reset"] }
        let receiver = try Receiver(dir: dir, plan: plan)
        // Batches of 6, a 10 s timeout: a reset that waited out the timeout would take minutes here.
        let config = uplinkConfig(port: receiver.port, dir: dir).replacingOccurrences(of: #"timeout: "2s" }"#, with: #"timeout: "10s", batch_events: 6 }"#)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        let sock = d.config.control.socket
        let drained = try await waitUntil(120) { try await UplinkHardeningTests.outbox(sock)?["pending"] == 0 }
        #expect(drained)
        #expect(await d.stop() == 0)
        let head = try LedgerReader(path: dir.file("ledger.sqlite")).verify().headSequence
        let seqs = receiver.received.compactMap { $0["seq"]?.intValue }
        // Everything up to the last confirmed batch; gateway.stopped may follow it.
        #expect(Set(1..<Int(head)).isSubset(of: Set(seqs)), "missing: \(Set(1..<Int(head)).subtracting(Set(seqs)).sorted().prefix(10))")
        // The readings first arrive in sequence order (the gap event of the start is urgent and may go ahead of them).
        var firstSeen: [Int] = []
        for s in seqs where s <= 60 && !firstSeen.contains(s) { firstSeen.append(s) }
        #expect(firstSeen == Array(1...60), "readings first arrive in sequence order: \(firstSeen.prefix(20))")
        // Each reset was retried on the back-off, said in libcurl's words, never as a timeout.
        let retries = d.log.all.filter { $0.contains("uplink:") && $0.contains("retrying in") }
        #expect(!retries.isEmpty, "a reset was seen and retried")
        #expect(!d.log.all.contains { $0.contains("timed out") || $0.contains("Timeout") }, "\(retries)")
        #expect(retries.allSatisfy { $0.contains("Empty reply from server") || $0.contains("reset") }, "\(retries)")
    }
}
