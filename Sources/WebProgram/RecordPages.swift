import ColdChain
import Control
import FoundationEssentials
import Views

/// The fridge, inventory, receiving and record-sheet pages.
enum RecordPages {
    static let ranges = ["24h", "7d", "30d"]

    /// `technician`: their CSRF token, when the page offers a technician's forms (a manual check, an assessment).
    static func fridge(_ w: Words, _ f: FridgeStatus?, id: String, range: String, chart: ChartData, excursions: [ExcursionRow], technician: String?) -> [String] {
        var b = ["<header><h1>\(w.e(f?.name ?? chart.name)) <small>\(w.e(id))</small></h1></header>"]
        if let f {
            b.append("<p class=\"fridge-now\">\(w.e(f.celsius.map { "\($0) °C" } ?? "—")) · \(WebPages.stateWords(w, f.shownState)) · \(w.e(WebPages.local(f.at)))</p>")
        }
        var tabs = "<p class=\"ranges\">"
        for r in ranges {
            tabs += r == range ? "<strong>\(w.e(r))</strong> " : "<a href=\"?range=\(w.e(r))\">\(w.e(r))</a> "
        }
        tabs += "· <a href=\"/fridge/\(w.e(id))/readings.csv?range=\(w.e(range))\" download>\(w.t("读数 CSV", "readings CSV"))</a></p>"
        b.append(tabs)
        b.append("<figure class=\"chart\">\(ChartSVG.render(chart, calendar: WebPages.calendar))</figure>")
        b.append("<section><h2>\(w.t("超温", "Excursions"))</h2>")
        let mine = excursions.filter { $0.excursion.fridge == id }
        if mine.isEmpty { b.append("<p>\(w.t("没有超温记录。", "No excursions."))</p>") } else {
            b.append("<table><thead><tr><th>\(w.t("编号", "No."))</th><th>\(w.t("探头", "Sensor"))</th><th>\(w.t("开始", "Start"))</th><th>\(w.t("持续", "Lasted"))</th>"
                     + "<th>\(w.t("最高/最低", "Peak"))</th><th>\(w.t("原因", "Cause"))</th><th>\(w.t("状态", "State"))</th>"
                + (technician == nil ? "" : "<th>\(w.t("评估受影响的疫苗", "Assess the exposed doses"))</th>") + "</tr></thead><tbody>")
            for x in mine.reversed() {
                let e = x.excursion
                let cause = e.cause.map { $0 == .power ? w.t("停电", "power cut") : w.t("开门", "door open") } ?? ""
                b.append("<tr><td>\(e.id)</td><td>\(w.e(e.sensor))</td><td>\(w.e(WebPages.clock(e.start)))</td><td>\(w.e(DurationText.describe(x.durationSeconds)))</td>"
                         + "<td>\(w.e("\(e.peakC) °C"))</td><td>\(cause)</td><td>\(x.open ? w.t("进行中", "open") : w.t("已结束", "closed"))</td>"
                         + (technician.map { assessForm(w, csrf: $0, fridge: id, excursion: e.id, open: x.open) } ?? "") + "</tr>")
            }
            b.append("</tbody></table>")
        }
        b.append("</section>")
        if let csrf = technician {
            b.append("<section><h2>\(w.t("人工核查", "Manual check"))</h2><form method=\"post\" action=\"/fridge-check\" class=\"check\">\(WebPages.csrfField(csrf))"
                     + "<input type=\"hidden\" name=\"fridge\" value=\"\(w.e(id))\">"
                     + "<label>\(w.t("温度计读数 °C", "Thermometer °C")) <input name=\"c\" inputmode=\"decimal\" maxlength=\"8\" required></label> "
                     + "<label>\(w.t("备注", "Note")) <input name=\"note\" maxlength=\"500\"></label> "
                     + "<button type=\"submit\">\(w.t("记录", "Record"))</button></form></section>")
        }
        return b
    }

    /// An ended excursion's decision on the doses that sat through it (all of them): released or to be discarded.
    static func assessForm(_ w: Words, csrf: String, fridge: String, excursion: Int, open: Bool) -> String {
        guard !open else { return "<td>\(w.t("结束后评估", "after it ends"))</td>" }
        return "<td><form method=\"post\" action=\"/fridge-assess\" class=\"assess\">\(WebPages.csrfField(csrf))"
            + "<input type=\"hidden\" name=\"fridge\" value=\"\(w.e(fridge))\"><input type=\"hidden\" name=\"excursion\" value=\"\(excursion)\">"
            + "<select name=\"decision\"><option value=\"release\">\(w.t("放行", "release"))</option><option value=\"discard\">\(w.t("报废", "discard"))</option></select> "
            + "<input name=\"note\" maxlength=\"500\" required placeholder=\"\(w.t("依据", "grounds"))\"> "
            + "<button type=\"submit\">\(w.t("记录", "Record"))</button></form></td>"
    }

    /// The technician's tools: a backup now, a test message through every notify channel.
    static func tools(_ w: Words, _ s: Sessions.Session, results: [String]?) -> [String] {
        var b = ["<header><h1>\(w.t("维护", "Maintenance"))</h1></header>"]
        if let results { b.append("<section class=\"results\" id=\"results\"><ul>" + results.map { "<li>\(w.e($0))</li>" }.joined() + "</ul></section>") }
        guard s.role >= .technician else { return b + ["<p>\(w.t("维护操作供技术员使用。", "Maintenance is for technicians."))</p>"] }
        for (action, zh, en) in [("/tools/backup", "立即备份", "Back up now"), ("/tools/notify", "发送测试通知", "Send a test notice")] {
            b.append("<form method=\"post\" action=\"\(action)\" class=\"tool\">\(WebPages.csrfField(s.csrf))<button type=\"submit\">\(w.t(zh, en))</button></form>")
        }
        return b
    }

    static func inventory(_ w: Words, _ groups: [StockGroup], today: String, soon: String) -> [String] {
        var b = ["<header><h1>\(w.t("库存", "Inventory"))</h1></header>"]
        if groups.isEmpty { return b + ["<p>\(w.t("库存为空。", "Nothing in stock."))</p>"] }
        b.append("<table><thead><tr><th>\(w.t("冰箱", "Fridge"))</th><th>\(w.t("产品", "Product"))</th><th>\(w.t("批号", "Lot"))</th><th>\(w.t("有效期至", "Expires"))</th>"
                 + "<th>\(w.t("数量", "Doses"))</th><th>\(w.t("注意", "Attention"))</th></tr></thead><tbody>")
        for g in groups {
            var marks: [String] = []
            var cls: [String] = []
            if let x = g.expiry, x < today { marks.append(w.t("已过期", "expired")); cls.append("bad") }
            else if let x = g.expiry, x <= soon { marks.append(w.t("30 天内过期", "expires within 30 days")); cls.append("soon") }
            if let ex = g.exposed, !ex.isEmpty { marks.append(w.t("曾超温待评估 ", "exposed, awaiting assessment ") + w.e(ex.map(String.init).joined(separator: ", "))); cls.append("bad") }
            if let d = g.discard, !d.isEmpty { marks.append(w.t("应报废 ", "to discard ") + w.e(d.map(String.init).joined(separator: ", "))); cls.append("bad") }
            b.append("<tr class=\"\(cls.joined(separator: " "))\"><td>\(w.e(g.fridge))</td><td>\(w.e(g.name ?? g.product))</td><td>\(w.e(g.lot ?? "—"))</td>"
                     + "<td>\(w.e(g.expiry ?? "—"))</td><td>\(g.count)</td><td>\(marks.joined(separator: "; "))</td></tr>")
        }
        return b + ["</tbody></table>"]
    }

    static func receiving(_ w: Words, _ bills: [BillStatus]) -> [String] {
        var b = ["<header><h1>\(w.t("到货验收", "Receiving"))</h1></header>"]
        if bills.isEmpty { return b + ["<p>\(w.t("没有未结的到货单。导入：coldchainctl receive import FILE", "No open delivery bills. Import one: coldchainctl receive import FILE"))</p>"] }
        b.append("<table><thead><tr><th>\(w.t("到货单", "Bill"))</th><th>\(w.t("发货单位", "Sender"))</th><th>\(w.t("日期", "Date"))</th><th>\(w.t("应到", "Expected"))</th>"
                 + "<th>\(w.t("已扫", "Scanned"))</th><th>\(w.t("缺少", "Missing"))</th><th>\(w.t("单外", "On no bill"))</th></tr></thead><tbody>")
        for x in bills {
            b.append("<tr class=\"\(x.missing > 0 ? "soon" : "")\"><td>\(w.e(x.bill))</td><td>\(w.e(x.sender))</td><td>\(w.e(x.date))</td><td>\(x.expected)</td>"
                     + "<td>\(x.scanned)</td><td>\(x.missing)</td><td>\(x.unexpected)</td></tr>")
        }
        return b + ["</tbody></table>"]
    }

    static func sheetForm(_ w: Words, month: String) -> String {
        "<form method=\"get\" action=\"/sheet\" class=\"month\"><label>\(w.t("月份", "Month")) <input name=\"month\" value=\"\(w.e(month))\" pattern=\"[0-9]{4}-[0-9]{2}\" maxlength=\"7\"></label>"
            + "<button type=\"submit\">\(w.t("打开", "Open"))</button></form>"
    }
}
