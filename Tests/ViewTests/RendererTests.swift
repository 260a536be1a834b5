import ColdChain
import Control
import Foundation
import Testing
import TestSupport
import Views
@testable import CtlProgram

/// Every human renderer of coldchainctl, on replies a demo run with Chinese fridge and product names gave, in 80
/// columns (the golden texts are the before-and-after record of the widths: `alarms` was 127 columns,
/// `excursions` 125, `verify` 292, the text record sheet 504), and with `--wide`.
@Suite struct RendererTests {
    /// The saved reply `name` of command `C`, rendered, against the golden text.
    func expectRendered<C: ControlCommand>(_ name: String, _ c: C.Type, golden: String, sourceLocation: SourceLocation = #_sourceLocation,
                                           _ render: (C.Reply) -> Void) throws {
        let r = try reply(name, as: C.Reply.self)
        expectGolden(golden, rendered { render(r) }, sourceLocation: sourceLocation)
    }

    @Test func status() throws {
        try expectRendered("status", Commands.Status.self, golden: "status") { CtlCommand.renderStatus($0) }
    }

    @Test func fridges() throws {
        try expectRendered("fridges", Commands.Fridges.self, golden: "fridges") { CtlCommand.renderFridges($0) }
    }

    @Test func excursionsFitAndWideShowsEveryColumn() throws {
        try expectRendered("excursions", Commands.Excursions.self, golden: "excursions") { CtlCommand.renderExcursions($0, CtlArgs()) }
        let r = try reply("excursions", as: Commands.Excursions.Reply.self)
        let wide = rendered(width: nil) { CtlCommand.renderExcursions(r, CtlArgs()) }
        #expect(wide.contains("°C·MIN") && wide.contains("RULE") && wide.contains("2026-12-02 15:08:27") && !wide.contains("left out"), "\(wide)")
    }

    @Test func alarms() throws {
        try expectRendered("alarms", Commands.Alarms.self, golden: "alarms") { CtlCommand.renderAlarms($0, CtlArgs()) }
        let r = try reply("alarms", as: Commands.Alarms.Reply.self)
        expectGolden("alarms-wide", rendered(width: nil) { CtlCommand.renderAlarms(r, CtlArgs()) }, width: 200)
    }

    @Test func scans() throws {
        try expectRendered("scans", Commands.Scans.self, golden: "scans") { CtlCommand.renderScans($0, CtlArgs()) }
    }

    @Test func inventory() throws {
        try expectRendered("inventory", Commands.Inventory.self, golden: "inventory") { CtlCommand.renderInventory($0, CtlArgs()) }
    }

    @Test func lookup() throws {
        try expectRendered("lookup", Commands.Lookup.self, golden: "lookup") { CtlCommand.renderLookup($0) }
    }

    @Test func holds() throws {
        try expectRendered("hold-list", Commands.HoldList.self, golden: "holds") { CtlCommand.renderHolds($0) }
    }

    @Test func billStatus() throws {
        try expectRendered("receive-status", Commands.ReceiveStatus.self, golden: "receive-status") { CtlCommand.renderBillStatus($0) }
    }

    @Test func verify() throws {
        try expectRendered("verify", Commands.Verify.self, golden: "verify") { CtlCommand.renderVerify($0) }
    }

    /// (The sheet is cut in the daemon's zone, UTC here: rendered in it.)
    @Test func recordSheetText() throws {
        try expectRendered("report-daily", Commands.Report.self, golden: "report-daily") { CtlCommand.raw(SheetText.text($0, calendar: .utc), terminator: "") }
    }

    @Test func help() {
        expectGolden("help", rendered { CtlCommand.print(CtlCommand.usage) })
    }

    /// A table too wide for 80 columns wraps its free-text column at spaces, and a word longer than the column
    /// (a Chinese name has no spaces) is cut by display columns, never through a wide character.
    @Test func aWrappedCellCountsWideCharactersAsTwoColumns() {
        var t = Table(["ID", "NOTE"], wrap: ["NOTE"])
        t.add(["1", String(repeating: "冷", count: 50)])
        let text = t.render(width: 40)
        for line in text.split(separator: "\n") { #expect(String(line).displayWidth <= 40, "\(line)") }
        #expect(text.split(separator: "\n").count == 4, "\(text)")   // the title and 100 columns in 36-column lines
        #expect(text.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: "").contains(String(repeating: "冷", count: 50)))
    }
}

/// A morning or afternoon record far from its time is marked and said, once its half-day is over.
@Suite struct SheetNoteTests {
    @Test func aRecordFarFromItsTimeIsNoted() {
        let day = DaySheet(date: "2026-11-04", am: SheetReading(at: "2026-11-04T02:05:00.000Z", c: 5.1),
                           pm: SheetReading(at: "2026-11-04T08:35:00.000Z", c: 5.2), readings: 10, complete: true)
        let sheet = RecordSheet(gateway: "gw", site: "站", month: "2026-11", zone: "UTC+08:00", am: "08:30", pm: "16:30",
                                generatedAt: "2026-11-05T00:00:00.000Z", fridges: [])
        let notes = SheetText.notes(day, sheet, .fixed(hours: 8))
        #expect(notes.map(\.zh) == ["上午记录取自 10:05，距 08:30 1小时35分（当时无更近的读数）"], "\(notes)")
        #expect(notes.map(\.en) == ["AM record taken at 10:05, 1h35m from 08:30 (no nearer reading)"])
        #expect(SheetText.record(day.am, target: "08:30", day: day, sheet, .fixed(hours: 8), unit: false) == "5.1 10:05*")
        #expect(SheetText.record(day.pm, target: "16:30", day: day, sheet, .fixed(hours: 8), unit: false) == "5.2 16:35")
    }
}
