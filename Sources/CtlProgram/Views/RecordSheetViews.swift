import ColdChain
import Control
import FoundationEssentials
import Glibc
import Views

/// The temperature record sheet as text, CSV (one row per fridge and day, times RFC 3339 UTC) or HTML (one printable
/// A4 page per fridge, with the month's chart). Headings are Chinese with English beneath.
extension CtlCommand {
    static func report(_ a: CtlArgs, _ ctx: CtlContext) throws(ExitCode) -> ExitStatus {
        guard a.positional == ["daily"] else { throw usageError("report daily [--month YYYY-MM] [--fridge F] [--format text|csv|html] [--out FILE]") }
        // Without --month, this month (the clinic's local calendar).
        let today = PeopleTime.calendar.day(at: PeopleTime.now)
        let text = a.value("--month") ?? "\(today.year)-\(today.month < 10 ? "0" : "")\(today.month)"
        let month: MonthArgument
        do { month = try MonthArgument(text) } catch {
            printError("coldchainctl: \(error.message) (invalid_argument)")
            throw ExitCode(.usage)
        }
        let format = a.value("--format") ?? "text"
        guard ["text", "csv", "html"].contains(format) else { throw usageError("--format is text, csv or html") }
        let (sheet, json) = try ask(ctx, Commands.Report.request(.init(month: month, fridge: a.value("--fridge"))), as: Commands.Report.Reply.self)
        if ctx.json { return try output(json + "\n", to: a.value("--out")) }
        let calendar = PeopleTime.calendar
        switch format {
        case "csv": return try output(SheetText.csv(sheet), to: a.value("--out"))
        case "html": return try output(SheetText.html(sheet, calendar: calendar), to: a.value("--out"))
        default: return try output(SheetText.text(sheet, calendar: calendar), to: a.value("--out"))
        }
    }

    static func chart(_ a: CtlArgs, _ ctx: CtlContext) throws(ExitCode) -> ExitStatus {
        let since = try a.value("--since").map { v throws(ExitCode) in try duration(v, key: "since", in: 60...ControlArguments.maxChartWindow) }
        let (chart, json) = try ask(ctx, Commands.Chart.request(.init(fridge: a.positional[0], since: since)), as: Commands.Chart.Reply.self)
        if ctx.json { return try output(json + "\n", to: a.value("--out")) }
        return try output(ChartSVG.render(chart, calendar: PeopleTime.calendar), to: a.value("--out"))
    }

    /// `text` to standard output, or to `path` (written beside it first, then renamed: never half a file).
    static func output(_ text: String, to path: String?) throws(ExitCode) -> ExitStatus {
        guard let path else { raw(text, terminator: ""); return .ok }
        let temp = path + ".part"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temp))
            guard rename(temp, path) == 0 else { throw POSIXErrorText(errno) }
        } catch {
            unlink(temp)
            printError("coldchainctl: cannot write \(path.escapedForTerminal): \(error)")
            throw ExitCode(.failure)
        }
        printError("wrote \(path.escapedForTerminal) (\(ByteSize.text(Double(text.utf8.count))))")
        return .ok
    }

    struct POSIXErrorText: Error, CustomStringConvertible {
        var code: Int32
        init(_ code: Int32) { self.code = code }
        var description: String { String(cString: strerror(code)) }
    }
}

extension SheetText {
    /// The sheet in 80 columns: a row per day with the readings and checks (values in °C, as the heading says), and
    /// the day's events and gaps on the lines beneath it. The ledger head column is for `--wide`.
    static func text(_ sheet: RecordSheet, calendar: ClinicCalendar) -> String {
        var out: [String] = []
        for f in sheet.fridges {
            out += header(sheet, f).flatMap { $0.displayWidth <= 80 ? [$0] : Table.wrap($0, width: 80) }
            var t = Table(["日期\nDate", "上午\nAM", "核查\ncheck", "下午\nPM", "核查\ncheck", "最低\nMin", "最高\nMax", "平均\nMean",
                           "超范围\nOut min", "账本\nLedger head"],
                          wrap: ["核查\ncheck"], optional: ["账本\nLedger head"], minimumWrap: 10)
            for d in f.days {
                let day = String(d.date.dropFirst(5))
                guard started(d, sheet, calendar) else { t.add([day]); continue }
                if d.notInstalled == true { t.add([day]); t.note("\(notInstalled.0) \(notInstalled.1)"); continue }
                let brief = { (r: SheetReading?, target: String) in record(r, target: target, day: d, sheet, calendar, unit: false) }
                let check = { (l: [SheetCheck], pm: Bool) in checks(l, d, pm: pm, sheet, calendar, unit: false) }
                t.add([day, brief(d.am, sheet.am), check(d.amChecks, false), brief(d.pm, sheet.pm), check(d.pmChecks, true), c(d.minC), c(d.maxC),
                       c(d.meanC), String(d.minutesOutOfRange), head(d)])
                for n in notes(d, sheet, calendar) { t.note(n.zh); t.note(n.en) }
            }
            out.append(t.text)
            out += Table.wrap(anchorNote.0, width: 80) + Table.wrap(anchorNote.1, width: 80)
            out.append("")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
