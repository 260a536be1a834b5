import ColdChain
import Control
import Foundation
import Gateway
import Storage
import Testing
import TestSupport

/// The scan hub restores the stock from the ledger's stock table and asks the dose index whether a dose went out:
/// after a restart the stock, the verdicts and `lookup` are what they were before it.
@Suite struct StockRestoreTests {
    static func hub(_ f: HubFixture) throws -> ScanHub {
        let reader = try LedgerReader(path: f.config.storage.path)
        defer { reader.close() }
        return try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
    }

    static func code(_ n: Int) -> [UInt8] { DiskFullTests.dose(n) }

    @Test func aRestartRestoresTheStockAndTheVerdicts() throws {
        let f = try HubFixture()
        let scans = try Self.hub(f)
        var t = f.t0
        func scan(_ bytes: [UInt8], _ hub: ScanHub) -> String? {
            t = t.addingTimeInterval(1)
            return hub.record(scanner: "desk", bytes: bytes, at: t)?.bodyValue["verdict"]?.stringValue
        }
        for n in 1...30 { #expect(scan(Self.code(n), scans) == "ok") }
        _ = scan(Array("CC:MODE:OUT".utf8), scans)
        for n in 1...10 { #expect(scan(Self.code(n), scans) == "ok") }
        _ = scan(Array("CC:MODE:TRANSFER".utf8), scans)
        #expect(scan(Self.code(11), scans) == "ok")
        _ = scan(Array("CC:MODE:IN".utf8), scans)
        // One dose, one life (hardening 3): an administered dose never goes in again; one transferred out may.
        #expect(scan(Self.code(3), scans) == "already_used", "an administered dose does not go back into stock")
        #expect(scan(Self.code(11), scans) == "ok", "a dose transferred out comes back")
        let before = scans.inventory(fridge: nil, expiringWithin: nil, now: t)
        #expect(before.reduce(0) { $0 + $1.count } == 20)

        let restored = try Self.hub(f)
        #expect(restored.inventory(fridge: nil, expiringWithin: nil, now: t) == before)
        _ = scan(Array("CC:MODE:OUT".utf8), restored)
        #expect(scan(Self.code(5), restored) == "already_out")
        #expect(scan(Self.code(99), restored) == "not_in_stock")
        #expect(scan(Self.code(11), restored) == "ok", "back in stock before the restart, so it can go out")
        #expect(scan(Self.code(11), restored) == "already_out")
        _ = scan(Array("CC:MODE:IN".utf8), restored)
        #expect(scan(Self.code(3), restored) == "already_used", "after a restart too, from the ledger")

        let reader = try LedgerReader(path: f.config.storage.path)
        defer { reader.close() }
        let parse = { (n: Int) in TraceCodeParser.parse(Self.code(n), currentYear: 2026) }
        #expect(try restored.lookup(parse(5), reader: reader, now: t).status == "out")
        #expect(try restored.lookup(parse(20), reader: reader, now: t).status == "in stock")
        #expect(try restored.lookup(parse(99), reader: reader, now: t).status == "never scanned in")
    }
}
