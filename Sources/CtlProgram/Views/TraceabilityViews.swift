import ColdChain
import Control
import FoundationEssentials
import POSIX

extension CtlCommand {
    static func renderScans(_ rows: [ScanRow], _ a: CtlArgs) {
        func cells(_ r: ScanRow, _ time: (String) -> String) -> [String] {
            let s = r.body
            return [time(r.at), s.scanner, s.fridge, s.mode.rawValue, s.verdict, s.dose ?? s.code["raw"]?.stringValue ?? "", r.notes["name"] ?? ""]
        }
        if a.has("--csv") { return printCSV(["at", "scanner", "fridge", "mode", "verdict", "dose_or_code", "name"], rows.map { cells($0) { $0 } }) }
        var t = Table(["TIME", "SCANNER", "FRIDGE", "MODE", "VERDICT", "DOSE / CODE", "NAME"], wrap: ["NAME"], optional: ["SCANNER"])
        for r in rows { t.add(cells(r, PeopleTime.brief)) }
        print(t.rows.isEmpty ? "no scans yet" : t.text + "\n" + PeopleTime.zoneLine)
    }

    static func renderInventory(_ groups: [StockGroup], _ a: CtlArgs) {
        if a.has("--csv") {
            return printCSV(["expiry", "fridge", "product", "name", "lot", "doses", "exposed_awaiting_decision", "exposed_to_discard"],
                            groups.map { [$0.expiry ?? "", $0.fridge, $0.product, $0.name ?? "", $0.lot ?? "", String($0.count),
                                          ($0.exposed ?? []).map(String.init).joined(separator: " "), ($0.discard ?? []).map(String.init).joined(separator: " ")] })
        }
        var t = Table(["EXPIRY", "FRIDGE", "NAME", "PRODUCT", "LOT", "DOSES", "EXPOSED"], wrap: ["NAME", "EXPOSED", "LOT"])
        for g in groups {
            let exposed = (g.exposed ?? []).map { "excursion \($0): decide" } + (g.discard ?? []).map { "excursion \($0): DISCARD" }
            t.add([g.expiry ?? "-", g.fridge, g.name ?? "-", g.product, g.lot ?? "-", String(g.count), exposed.isEmpty ? "" : "EXPOSED " + exposed.joined(separator: ", ")])
        }
        print(t.rows.isEmpty ? "no doses in stock" : t.text)
    }

    static func renderLookup(_ r: DoseHistory) {
        print("dose      \(r.dose)")
        if let name = r.name { print("product   \(name) (\(r.product))") }
        print("status    \(r.status)" + (r.fridge.map { " (fridge \($0))" } ?? ""))
        if let e = r.expiry { print("expiry    \(e)") }
        for s in r.scans { print("scan      \(PeopleTime.local(s.at)) \(s.mode.rawValue) fridge \(s.fridge) → \(s.verdict)") }
        for x in r.exposures {
            print("EXPOSED   excursion \(x.excursion) in \(x.fridge): peak \(x.peakC) °C for \(DurationText.describe(x.durationSeconds)) from \(PeopleTime.local(x.start))")
        }
        for h in r.holds { print("HELD      hold \(h.id): \(h.reason) (\(h.source))") }
        if !r.scans.isEmpty || !r.exposures.isEmpty { print(PeopleTime.zoneLine) }
    }

    static func renderHolds(_ holds: [Hold]) {
        var t = Table(["ID", "PRODUCT", "LOT", "CODE", "SOURCE", "REASON"], wrap: ["REASON", "CODE", "SOURCE"])
        for h in holds { t.add([String(h.id), h.product, h.lot ?? "-", h.code ?? "-", h.source, h.reason]) }
        print(t.rows.isEmpty ? "no holds" : t.text)
    }

    /// Parses locally: a technician tests a scanner even when the daemon is down.
    static func decode(_ code: String, _ ctx: CtlContext) -> ExitStatus {
        // The clinic's year, as the daemon judges it (the century of a two-digit expiry year depends on it).
        let year = PeopleTime.calendar.day(at: PeopleTime.now).year
        let scan = TraceCodeParser.parse(Array(withFNC1(code).utf8), currentYear: year)
        if ctx.json { print(scan.json.serialized) } else { scan.description.forEach { print($0) } }
        if case .unrecognised = scan.code { return .failure }
        return .ok
    }

    /// The command cards: their barcode content, for printing as Code 128 and sticking on the fridge.
    static func cards(_ a: CtlArgs, _ ctx: CtlContext) throws(ExitCode) -> ExitStatus {
        var fridges: [(id: String, name: String)] = []
        if let (typed, _) = try? ask(ctx, Commands.Fridges.request, as: [FridgeStatus].self) {
            fridges = typed.map { ($0.id, $0.name) }
        } else {
            printError("coldchainctl: (listing mode cards only; fridge cards need the daemon)")
        }
        let cards = ScannerMode.allCases.map { ScannerCommand.mode($0) } + fridges.map { ScannerCommand.fridge($0.id) }
        if ctx.json { print(JSONValue.array(cards.map { .string($0.text) }).serialized); return .ok }
        if a.has("--html") { return try output(CardsPage.html(cards, fridgeNames: Dictionary(fridges.map { ($0.id, $0.name) }) { a, _ in a }), to: a.value("--out")) }
        print("Print each as a Code 128 barcode (content in the first column) and stick it where the nurse scans,")
        print("or print the page `coldchainctl cards --html --out cards.html` makes:")
        for c in cards {
            let meaning: String
            switch c {
            case .mode(let m): meaning = m.meaning
            case .fridge(let f): meaning = "this scanner now works on fridge \(f)"
            }
            print("  " + c.text.padding(24) + meaning)
        }
        return .ok
    }
}
