import ColdChain
import Control
import Foundation
import Testing
import TestSupport
@testable import WebProgram

/// Every name, code, note and reason from outside reaches a page as text: the saved daemon replies of the view
/// tests (Tests/ViewTests/Replies) with hostile strings put where a config, a scanner, a bill or a person writes.
@Suite struct EscapingTests {
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)", "</textarea><svg onload=alert(1)>",
                          "ok\u{1b}]0;PWNED\u{07}\u{202e}txt", "&lt;already&gt; & <b>"]

    static func reply<R: Decodable>(_ name: String, as type: R.Type) throws -> R {
        let url = URL(fileURLWithPath: packageRoot() + "/Tests/ViewTests/Replies/\(name).json")
        return try JSONDecoder().decode(R.self, from: Data(contentsOf: url))
    }

    /// Nothing a hostile string brought survives as markup: no tag it opened, no attribute it started.
    static func expectInert(_ html: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for bad in ["<script>alert", "<img", "<svg onload", "' onmouseover='", "\" onmouseover", "<b>", "</textarea>"] {
            #expect(!html.contains(bad), "\(what) holds \(bad)", sourceLocation: sourceLocation)
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&quot;&gt;&lt;img"), "\(what): the hostile text is not shown",
                sourceLocation: sourceLocation)
    }

    @Test func theOverviewAlarmsInventoryAndReceivingEscapeWhatCameFromOutside() throws {
        let w = Words(.zh)
        var status = try Self.reply("status", as: StatusReply.self)
        status.gateway.site = Self.hostile[0]
        status.problems = Self.hostile
        for i in status.fridges.indices { status.fridges[i].name = Self.hostile[i % Self.hostile.count] }
        let live = WebPages.live(w, status)
        Self.expectInert(live, "overview")
        Self.expectInert(WebPages.overview(w, status, live: live).joined(), "overview page")

        var alarms = try Self.reply("alarms", as: AlarmsReply.self)
        for i in alarms.alarms.indices { alarms.alarms[i].note = Self.hostile[i % 6]; alarms.alarms[i].acknowledgedBy = Self.hostile[1]; alarms.alarms[i].fridge = Self.hostile[0] }
        let open = [AlarmSummary(id: 1, fridge: Self.hostile[1], sensor: "s", cause: .excursion, openedAt: "2026-12-02T07:09:02Z", acknowledged: false, excursion: 1)]
        Self.expectInert(WebPages.alarms(w, open: open, recent: alarms, canAcknowledge: true, csrf: "t", problem: Self.hostile[0]).joined(), "alarms")

        var stock = try Self.reply("inventory", as: [StockGroup].self)
        for i in stock.indices { stock[i].name = Self.hostile[0]; stock[i].lot = Self.hostile[1]; stock[i].product = Self.hostile[2] }
        Self.expectInert(RecordPages.inventory(w, stock, today: "2026-12-02", soon: "2027-01-01").joined(), "inventory")

        var bills = try Self.reply("receive-status", as: [BillStatus].self)
        for i in bills.indices { bills[i].sender = Self.hostile[0]; bills[i].bill = Self.hostile[1] }
        Self.expectInert(RecordPages.receiving(w, bills).joined(), "receiving")
        // The login page's problem and a notice (a daemon's refusal quotes what was sent).
        Self.expectInert(WebPages.login(w, csrf: "t", problem: Self.hostile[0]) + WebPages.notice(Self.hostile[1]), "login and notice")
    }

    @Test func theDeskShowsAScannedCodeAndACatalogueNameAsText() throws {
        let scanner = ScannerStatus(id: "desk1", device: "/dev/ttyACM0", mode: .out, fridge: "F1", up: true, since: nil, error: nil, lastScan: nil)
        let scan = Scan(scanner: "desk1", fridge: "F1", mode: .out, direction: "out", verdict: "exposed", refused: true, moved: false,
                        detail: ["excursions": [["id": 1, "start": "2026-12-01T20:00:00Z", "peak_c": 11.2, "duration_s": 5400]]],
                        code: ["raw": .string(Self.hostile[0])], dose: Self.hostile[0], product: Self.hostile[1], lot: Self.hostile[0], expiry: "2027-01-31")
        let event = WatchEvent(id: "e1", seq: 9, at: "2026-12-02T07:00:00Z", type: "scan", body: scan.json, recorded: true, error: nil,
                               notes: ["name": Self.hostile[0]])
        let html = WebPages.deskVerdict(Words(.zh), scanner: scanner, last: event)
        Self.expectInert(html, "desk")
        // The nurse reads the verdict and the excursion: 11.2 °C for 1 h 30 min.
        #expect(html.contains("曾经超温，请放在一旁待评估") && html.contains("11.2 °C") && html.contains("data-sound=\"exposed\""), "\(html)")
    }
}
