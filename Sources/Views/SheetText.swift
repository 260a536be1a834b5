import ColdChain
import FoundationEssentials

/// The temperature record sheet as CSV and as printable HTML (one A4 page per fridge, with the month's chart), and
/// the pieces of it the 80-column text (coldchainctl) shares. Headings are Chinese with English beneath. Shared by
/// coldchainctl (`report daily`) and coldchain-web (the record sheet page): one sheet, whoever prints it.
public enum SheetText {
    public static let title = ("冷链设备温度记录表", "Cold-chain equipment temperature record")
    /// Column headings: Chinese, with English beneath.
    public static let columns: [(String, String)] = [
        ("日期", "Date"), ("上午", "AM"), ("上午核查", "AM check"), ("下午", "PM"), ("下午核查", "PM check"), ("最低", "Min"),
        ("最高", "Max"), ("平均", "Mean"), ("超范围(分)", "Out (min)"), ("事件 / 无数据", "Events / no data"), ("账本", "Ledger head"),
    ]

    public static func c(_ v: Double?) -> String { v.map { "\($0)" } ?? "-" }
    public static func hm(_ rfc: String, _ calendar: ClinicCalendar) -> String {
        RFC3339.parse(rfc).map { String(calendar.localText($0).dropFirst(11).prefix(5)) } ?? rfc
    }
    /// A half-day's checks: value, time, who, and the difference from the probe (⚠ when flagged); `缺 missing` once
    /// the half-day is over without one. `unit`: with °C (the HTML); without, the 80-column text whose heading says it.
    public static func checks(_ list: [SheetCheck], _ day: DaySheet, pm: Bool, _ sheet: RecordSheet, _ calendar: ClinicCalendar, unit: Bool) -> String {
        guard !list.isEmpty else { return over(day, pm: pm, sheet, calendar) ? "缺 missing" : "" }
        return list.map { k in
            "\(k.c)\(unit ? " °C" : "") \(hm(k.at, calendar)) \(k.by)" + (k.differenceC.map { k.flagged ? (unit ? " ⚠ Δ" : " ⚠Δ") + "\($0)" : " Δ\($0)" } ?? "")
        }.joined(separator: "; ")
    }
    /// A time in the note of day `date`: `HH:MM` on that day, `MM-DD HH:MM` on another.
    public static func when(_ rfc: String, day date: String, _ calendar: ClinicCalendar) -> String {
        guard let t = RFC3339.parse(rfc) else { return rfc }
        let text = calendar.localText(t)
        return text.hasPrefix(date) ? String(text.dropFirst(11).prefix(5)) : String(text.dropFirst(5).prefix(11))
    }
    /// The day's notes, each in Chinese and in English: what happened, the record's gaps, and a morning or
    /// afternoon record taken far from its time.
    public static func notes(_ d: DaySheet, _ sheet: RecordSheet, _ calendar: ClinicCalendar) -> [(zh: String, en: String)] {
        var out: [(String, String)] = []
        for (half, r, target) in [("上午", d.am, sheet.am), ("下午", d.pm, sheet.pm)] {
            // Only once the half-day is over: before, a nearer reading may still come.
            guard let r, over(d, pm: half == "下午", sheet, calendar), let off = offMinutes(r, target: target, day: d.date, calendar),
                  off > farMinutes else { continue }
            let gap = DurationText.describe(Double(off * 60)), zhGap = DurationText.chinese(Double(off * 60))
            out.append(("\(half)记录取自 \(hm(r.at, calendar))，距 \(target) \(zhGap)（当时无更近的读数）",
                        "\(half == "上午" ? "AM" : "PM") record taken at \(hm(r.at, calendar)), \(gap) from \(target) (no nearer reading)"))
        }
        for n in d.events {
            let from = n.from.map { when($0, day: d.date, calendar) }, to = n.to.map { when($0, day: d.date, calendar) }
            let zhPeriod = [from.map { "自 " + $0 }, to.map { "至 " + $0 }].compactMap { $0 }.joined(separator: " ")
            let enPeriod = [from.map { "from " + $0 }, to.map { "to " + $0 }].compactMap { $0 }.joined(separator: " ")
            let at = hm(n.at, calendar)
            out.append(("\(at) \(n.zh ?? n.text)" + (zhPeriod.isEmpty ? "" : "（\(zhPeriod)）"),
                        "\(at) \(n.text)" + (enPeriod.isEmpty ? "" : " (\(enPeriod))")))
        }
        for s in d.noData {
            out.append(s.minutes >= 1_440 ? ("全天无数据", "no data all day")
                       : ("无数据 \(hm(s.from, calendar))–\(hm(s.to, calendar))（\(s.minutes) 分）", "no data \(hm(s.from, calendar))–\(hm(s.to, calendar)) (\(s.minutes) min)"))
        }
        return out
    }

    /// A record further than this from its time (08:30, 16:30) is noted: the inspector asks why.
    public static let farMinutes = 60

    /// Minutes between a record's local time and its target `HH:MM` on day `date`.
    public static func offMinutes(_ r: SheetReading, target: String, day date: String, _ calendar: ClinicCalendar) -> Int? {
        guard let t = RFC3339.parse(r.at), let day = GS1Date.parseISO(date) else { return nil }
        let parts = target.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        return Int((abs(t.timeIntervalSince(calendar.instant(day, minutes: parts[0] * 60 + parts[1]))) / 60).rounded())
    }

    /// A record's cell: its value and time, with `*` when far from its time (the note says how far).
    public static func record(_ r: SheetReading?, target: String, day: DaySheet, _ sheet: RecordSheet, _ calendar: ClinicCalendar, unit: Bool) -> String {
        guard let r else { return "-" }
        let far = over(day, pm: target == sheet.pm, sheet, calendar) && (offMinutes(r, target: target, day: day.date, calendar) ?? 0) > farMinutes
        return "\(r.c)\(unit ? " °C" : "") \(hm(r.at, calendar))\(far ? "*" : "")"
    }
    public static func head(_ d: DaySheet) -> String { d.head.map { "\($0.seq):\($0.hash)" } ?? (d.complete ? "-" : "(day not over)") }
    /// Whether the half-day has passed (a check can only be missing once its half-day is over).
    public static func over(_ d: DaySheet, pm: Bool, _ sheet: RecordSheet, _ calendar: ClinicCalendar) -> Bool {
        guard !d.complete else { return true }
        guard let day = GS1Date.parseISO(d.date), let now = RFC3339.parse(sheet.generatedAt) else { return false }
        return now >= calendar.instant(day, minutes: pm ? 1_440 : 720)
    }

    /// Whether the day has begun (a later day of the month shows only its date).
    public static func started(_ d: DaySheet, _ sheet: RecordSheet, _ calendar: ClinicCalendar) -> Bool {
        guard let now = RFC3339.parse(sheet.generatedAt) else { return true }
        return calendar.day(at: now).description >= d.date
    }

    public static func header(_ sheet: RecordSheet, _ f: FridgeSheet) -> [String] {
        let where_ = [f.model.map { "型号 Model: \($0)" }, f.location.map { "位置 Location: \($0)" }].compactMap { $0 }
        return ["\(title.0) / \(title.1)",
         "单位 Site: \(sheet.site)   月份 Month: \(sheet.month)",
         "冰箱 Fridge: \(f.name) (\(f.id))   网关 Gateway: \(sheet.gateway)"] + (where_.isEmpty ? [] : [where_.joined(separator: "   ")]) + [
         "范围 Range: \(c(f.lowC))–\(c(f.highC)) °C   记录探头 Record probe: \(f.recordSensor)",
         "记录时间 Record times: 上午 AM \(sheet.am), 下午 PM \(sheet.pm) (\(sheet.zone))"]
    }

    public static let notInstalled = ("未安装", "not installed")
    /// What the ledger head is for, without a command line (an inspector's sheet is not a terminal).
    public static let anchorNote = ("账本头：当日最后一条记录的序号和哈希前16位，可与网关账本核对，证明此后记录未被改动。",
                             "Ledger head: the day's last event (sequence number and the first 16 hex digits of its hash), to check the gateway's ledger against: it proves the record was not changed after this sheet was printed.")

    public static func cells(_ d: DaySheet, _ sheet: RecordSheet, _ calendar: ClinicCalendar) -> [String] {
        if !started(d, sheet, calendar) { return [d.date] + Array(repeating: "", count: columns.count - 1) }
        return [d.date, record(d.am, target: sheet.am, day: d, sheet, calendar, unit: true), checks(d.amChecks, d, pm: false, sheet, calendar, unit: true),
         record(d.pm, target: sheet.pm, day: d, sheet, calendar, unit: true), checks(d.pmChecks, d, pm: true, sheet, calendar, unit: true),
         c(d.minC), c(d.maxC), c(d.meanC), String(d.minutesOutOfRange), "", head(d)]
    }

    public static func csv(_ sheet: RecordSheet) -> String {
        var lines = [CSV.byteOrderMark + CSV.line(["冰箱 fridge", "日期 date", "上午时间 am_at", "上午 am_c", "上午核查 am_checks", "下午时间 pm_at", "下午 pm_c",
                                                   "下午核查 pm_checks", "最低 min_c", "最高 max_c", "平均 mean_c", "读数 readings", "超范围分钟 minutes_out_of_range",
                                                   "事件 events", "无数据 no_data", "账本序号 head_seq", "账本哈希 head_hash"])]
        for f in sheet.fridges {
            for d in f.days {
                let checks = { (l: [SheetCheck]) in
                    l.map { "\($0.at) \($0.c) \($0.by)\($0.flagged ? " flagged" : "")\($0.differenceC.map { " diff \($0)" } ?? "")" }.joined(separator: "; ")
                }
                lines.append(CSV.line([f.id, d.date, d.am?.at ?? "", CSV.number(d.am?.c), checks(d.amChecks), d.pm?.at ?? "", CSV.number(d.pm?.c),
                                       checks(d.pmChecks), CSV.number(d.minC), CSV.number(d.maxC), CSV.number(d.meanC), String(d.readings),
                                       String(d.minutesOutOfRange), d.events.map { "\($0.at) \($0.text)" }.joined(separator: "; "),
                                       d.noData.map { "\($0.from)/\($0.to)" }.joined(separator: "; "), d.head.map { String($0.seq) } ?? "", d.head?.hash ?? ""]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func html(_ sheet: RecordSheet, calendar: ClinicCalendar) -> String {
        let e = HTML.escape
        var h = ["<!DOCTYPE html>", "<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
                 "<title>\(e(title.0)) \(e(sheet.month)) \(e(sheet.gateway))</title>",
                 """
                 <style>
                 @page { size: A4 portrait; margin: 8mm; }
                 body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size: 6pt; line-height: 1.05; color: #000; margin: 0; }
                 section.page { page-break-after: always; break-after: page; page-break-inside: avoid; }
                 section.page:last-child { page-break-after: auto; break-after: auto; }
                 h1 { font-size: 11pt; margin: 0 0 1mm 0; } h1 small { font-weight: normal; font-size: 8pt; }
                 p.meta { margin: 0 0 1mm 0; }
                 table { border-collapse: collapse; width: 100%; table-layout: fixed; }
                 th, td { border: 0.4pt solid #555; padding: 0.2mm 0.6mm; vertical-align: top; overflow: hidden; }
                 th small { display: block; font-weight: normal; color: #444; }
                 td { white-space: nowrap; } td.events { white-space: normal; }
                 col.date { width: 13mm; } col.r { width: 15mm; } col.k { width: 23mm; } col.n { width: 7.5mm; } col.o { width: 9mm; } col.h { width: 21mm; }
                 td.events, td.check { font-size: 5.5pt; } td.events small { font-size: 4.8pt; } td.head { font-family: monospace; font-size: 4.6pt; white-space: nowrap; }
                 tr.out td { background: #fbe3e3; } tr.absent td { color: #666; } .missing { color: #a00; } .flag { color: #a00; font-weight: bold; }
                 td.events small, p.sign small { color: #444; }
                 svg { display: block; width: 100%; height: auto; max-height: 46mm; margin-top: 1mm; }
                 p.sign { margin-top: 1.5mm; }
                 </style></head><body>
                 """]
        for f in sheet.fridges {
            h.append("<section class=\"page\">")
            h.append("<h1>\(e(title.0)) <small>\(e(title.1))</small></h1>")
            let lines = header(sheet, f).dropFirst()
            h.append("<p class=\"meta\">" + lines.map(e).joined(separator: "<br>") + "</p>")
            h.append("<table><colgroup><col class=\"date\"><col class=\"r\"><col class=\"k\"><col class=\"r\"><col class=\"k\">"
                     + "<col class=\"n\"><col class=\"n\"><col class=\"n\"><col class=\"o\"><col><col class=\"h\"></colgroup>")
            h.append("<thead><tr>" + columns.map { "<th>\(e($0.0))<small>\(e($0.1))</small></th>" }.joined() + "</tr></thead><tbody>")
            for d in f.days {
                if d.notInstalled == true {
                    h.append("<tr class=\"absent\"><td>\(e(d.date))</td><td colspan=\"\(columns.count - 1)\">\(e(notInstalled.0)) <small>\(e(notInstalled.1))</small></td></tr>")
                    continue
                }
                var row = cells(d, sheet, calendar).map(e)
                // Chinese, then English in small type on the same line: one A4 page a fridge still.
                row[9] = notes(d, sheet, calendar).map { "\(e($0.zh)) <small>\(e($0.en))</small>" }.joined(separator: "<br>")
                for k in [2, 4] where row[k].hasPrefix("缺") { row[k] = "<span class=\"missing\">\(row[k])</span>" }
                for k in [2, 4] { row[k] = row[k].replacingAll("⚠", with: "<span class=\"flag\">⚠</span>").replacingAll("; ", with: "<br>") }
                h.append("<tr\(d.minutesOutOfRange > 0 ? " class=\"out\"" : "")>" + row.enumerated().map { i, v in
                    "<td\(i == 9 ? " class=\"events\"" : i == 10 ? " class=\"head\"" : i == 2 || i == 4 ? " class=\"check\"" : "")>\(v)</td>"
                }.joined() + "</tr>")
            }
            h.append("</tbody></table>")
            if let chart = f.chart { h.append(ChartSVG.render(chart, calendar: calendar, width: 1000, height: 300)) }
            h.append("<p class=\"sign\">\(e(anchorNote.0)) <small>\(e(anchorNote.1))</small><br>"
                     + "生成 Generated \(e(calendar.localText(RFC3339.parse(sheet.generatedAt) ?? Date()))) (\(e(sheet.zone))). "
                     + "审核人 Reviewed by: ____________ 日期 Date: ____________</p>")
            h.append("</section>")
        }
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }
}
