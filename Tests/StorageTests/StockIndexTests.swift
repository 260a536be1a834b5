import ColdChain
import Foundation
@testable import Storage
import Testing
import TestSupport

/// The `stock` table (which doses are in a fridge, and the scan that put each there) is derived from the scans by
/// a trigger, and by the v5 migration for a ledger written before it. Both must agree with the fold the scan hub
/// used to do over every scan, whatever the order of ins, outs, refusals and malformed bodies.
@Suite struct StockIndexTests {
    /// A small xorshift generator: the same sequence every run, so a failure can be replayed.
    /// The reference: the fold over every scan, as `ScanHub.apply` did before the table.
    struct Reference {
        var stock: [String: Int64] = [:]
        var wentOut: Set<String> = []
        var everOut: Set<String> = []
        mutating func apply(_ scan: Scan, seq: Int64) {
            guard scan.moved, let key = scan.dose else { return }
            if scan.isIn { stock[key] = seq; wentOut.remove(key) } else { stock[key] = nil; wentOut.insert(key); everOut.insert(key) }
        }
    }

    static func randomScan(_ rng: inout Seeded, doses: Int) -> Scan {
        let dose = Int.random(in: 0..<doses, using: &rng)
        let isIn = Bool.random(using: &rng)
        let moved = Int.random(in: 0..<4, using: &rng) != 0
        let hasDose = Int.random(in: 0..<10, using: &rng) != 0
        return Scan(scanner: "desk", fridge: "F\(dose % 3 + 1)", mode: isIn ? .in : .out, direction: isIn ? "in" : "out",
                    verdict: moved ? "ok" : "duplicate", refused: !moved, moved: moved, detail: [:], code: ["raw": .string("D\(dose)")],
                    dose: hasDose ? "gs1:09506000134352/D\(dose)" : nil, product: "gs1:09506000134352")
    }

    func table(_ reader: LedgerReader) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for e in try reader.stockScans() {
            guard case .scan(let s)? = try e.typed(), let key = s.dose else { Issue.record("stock row \(e.seq) is not a scan with a dose"); continue }
            out[key] = e.seq
        }
        return out
    }

    @Test(arguments: [1, 7, 2026] as [UInt64]) func theStockTableIsTheFoldOfEveryScan(seed: UInt64) async throws {
        let dir = TempDir("cc-stock")
        let path = dir.file("l.sqlite")
        var rng = Seeded(seed: seed)
        var reference = Reference()
        let ledger = try Ledger(path: path)
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        for round in 0..<20 {
            var batch: [NewEvent] = []
            for i in 0..<Int.random(in: 1...40, using: &rng) {
                batch.append(NewEvent(Self.randomScan(&rng, doses: 25), at: t0.addingTimeInterval(Double(round * 100 + i))))
            }
            // Bodies the trigger must leave alone: a scan that is not JSON, and one whose dose is not text.
            if round % 5 == 0 {
                batch.append(NewEvent(type: "scan", at: t0, bodyJSON: "{not json"))
                batch.append(NewEvent(type: "scan", at: t0, bodyJSON: #"{"moved":true,"direction":"in","dose":17}"#))
            }
            let written = try ledger.appendBlocking(batch)
            for e in written { if case .scan(let s)? = try? e.typed() { reference.apply(s, seq: e.seq) } }
        }
        ledger.close()

        let reader = try LedgerReader(path: path)
        #expect(try table(reader) == reference.stock)
        for d in 0..<25 {
            let key = "gs1:09506000134352/D\(d)"
            let goneOut = try reader.hasGoneOut(dose: key)
            #expect(goneOut == reference.everOut.contains(key), "dose \(d)")
            // What the verdict asks: not in stock, and out before, is exactly the old set of doses gone out.
            #expect((reference.stock[key] == nil && goneOut) == reference.wentOut.contains(key), "dose \(d)")
        }
        reader.close()

        // The same ledger as a version before the table wrote it: the migration fills the table from the scans.
        // (v4's dose index could not hold the malformed scans this ledger has, so a stand-in of the same name
        // takes its place for the migration to drop.)
        let db = try Database(path: path)
        try db.execute("""
            DROP TRIGGER events_index_stock; DROP TABLE stock; DROP INDEX events_scan_dose_v5;
            CREATE INDEX events_scan_dose ON events(type) WHERE type = 'scan';
            DELETE FROM schema_migrations WHERE name = 'v5-stock';
            """)
        db.close()
        let progress = LogCapture()
        try Ledger(path: path, progress: { progress.append($0) }).close()
        #expect(progress.contains("upgrading the file (v5-stock)"), "\(progress.all)")
        let again = try LedgerReader(path: path)
        defer { again.close() }
        #expect(try table(again) == reference.stock)
        #expect(try again.verify().ok)
    }
}
