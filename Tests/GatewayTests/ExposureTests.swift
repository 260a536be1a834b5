import ColdChain
import Control
import FoundationEssentials
@testable import Gateway
import Storage
import Testing
import TestSupport

/// Doses that sat through an excursion are held until someone decides: `inventory` and `status` say so, `assess`
/// releases them (they scan out `ok`, the release noted) or sends them to be discarded (refused until scanned in
/// discard mode); the decisions come back from the ledger, and the record sheet shows them.
@Suite struct ExposureTests {
    func dose(_ n: Int) -> String { "(01)09506000134352(17)301231(10)L1(21)X\(n)" }

    @Test func exposedThenReleasedOrDiscarded() async throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        var scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        func at(_ m: Double) -> Date { f.t0.addingTimeInterval(m * 60) }
        for n in 1...3 { #expect(scans.record(scanner: "desk", bytes: Array(dose(n).utf8), at: f.t0) != nil) }
        f.feed(11.0, minutes: 8, from: 1)
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(at(60)))
        // Still open: nothing to decide yet.
        guard case .failure(let open) = scans.assess(excursion: 1, decision: .release, codes: [], by: "王丽", note: "x", uid: nil, at: at(8)) else {
            Issue.record("an open excursion was assessed"); return
        }
        #expect(open.code == .conflict && open.message.contains("still open"))
        f.feed(5.0, minutes: 3, from: 9)
        #expect(scans.exposure(now: at(30)).awaiting[1]?.count == 3)
        #expect(commands.status().problems.contains { $0.contains("3 dose(s) in F1 sat through excursion 1 and await a decision") }, "\(commands.status().problems)")
        #expect(scans.inventory(fridge: nil, expiringWithin: nil, now: at(30)).map(\.exposed) == [[1]])

        // A dose named that did not sit through it is refused; one released scans out ok, the release noted.
        guard case .failure(let stray) = scans.assess(excursion: 1, decision: .release, codes: ["(01)09506000134352(21)NOPE"], by: "王丽", note: "x",
                                                      uid: nil, at: at(30)) else { Issue.record("accepted"); return }
        #expect(stray.code == .invalidArgument)
        let released = try scans.assess(excursion: 1, decision: .release, codes: [dose(1)], by: "王丽", note: "县疾控: 稳定性数据支持继续使用",
                                        uid: 1000, at: at(31)).get()
        #expect(released.body.doses == ["gs1:09506000134352/X1"] && released.body.fridge == "F1")
        _ = scans.record(scanner: "desk", bytes: Array("CC:MODE:OUT".utf8), at: at(32))
        let ok = try #require(try scans.record(scanner: "desk", bytes: Array(dose(1).utf8), at: at(33))?.typed())
        guard case .scan(let out) = ok else { Issue.record("\(ok)"); return }
        #expect(out.verdict == "ok" && out.moved && out.detail["released"] == [1], "\(out)")
        let refused = try #require(try scans.record(scanner: "desk", bytes: Array(dose(2).utf8), at: at(34))?.typed())
        guard case .scan(let held) = refused else { return }
        #expect(held.verdict == "exposed" && !held.moved)

        // The rest to be discarded: refused at scan-out, counted in status until scanned in discard mode.
        let discard = try scans.assess(excursion: 1, decision: .discard, codes: [], by: "王丽", note: "县疾控: 销毁", uid: 1000, at: at(35)).get()
        #expect(discard.body.doses == ["gs1:09506000134352/X2", "gs1:09506000134352/X3"])
        guard case .scan(let still)? = try scans.record(scanner: "desk", bytes: Array(dose(2).utf8), at: at(36))?.typed() else { return }
        #expect(still.verdict == "exposed" && still.detail["excursions"]?.arrayValue?.first?["decision"] == "discard")
        #expect(commands.status().problems.contains { $0.contains("2 dose(s) from excursion 1 are to be discarded") })
        #expect(scans.inventory(fridge: nil, expiringWithin: nil, now: at(36)).map(\.discard) == [[1]])
        _ = scans.record(scanner: "desk", bytes: Array("CC:MODE:DISCARD".utf8), at: at(37))
        guard case .scan(let gone)? = try scans.record(scanner: "desk", bytes: Array(dose(2).utf8), at: at(38))?.typed() else { return }
        #expect(gone.verdict == "ok" && gone.moved)

        // After a restart, from the ledger: one dose left to discard.
        let again = try LedgerReader(path: f.config.storage.path)
        scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: again, log: Log(collect: { _ in }))
        again.close()
        #expect(scans.exposure(now: at(40)).toDiscard == [1: ["gs1:09506000134352/X3"]] && scans.exposure(now: at(40)).awaiting.isEmpty)

        // The record sheet shows the decisions beside the excursion.
        let month = try MonthArgument(String(RFC3339.format(f.t0).prefix(7)))
        guard case .ok(let sheet) = try await commands.reportDaily(year: month.year, month: month.month, fridge: "F1") else { Issue.record("sheet"); return }
        let notes = try sheet.decode(RecordSheet.self).fridges.flatMap(\.days).flatMap(\.events)
        #expect(notes.contains { $0.kind == "assessment" && $0.text.contains("1 dose(s) released for use by 王丽") }, "\(notes.map(\.text))")
        #expect(notes.contains { $0.kind == "assessment" && $0.text.contains("2 dose(s) to be discarded by 王丽: 县疾控: 销毁") })
    }
}
