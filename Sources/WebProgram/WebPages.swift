import ColdChain
import Control
import FoundationEssentials
import POSIX

/// The words of a page in the reader's language: Chinese unless they chose English (the switch in the header).
/// Every text goes through `t` or `e`, both escaped: nothing from the daemon, a scanner or a person is HTML.
struct Words: Sendable {
    enum Language: String, Sendable { case zh, en }
    let language: Language
    init(_ l: Language) { language = l }

    /// The Chinese or the English, escaped.
    func t(_ zh: String, _ en: String) -> String { HTML.escape(language == .zh ? zh : en) }
    func e(_ s: String) -> String { HTML.escape(s) }
}

/// The pages, server-rendered from the daemon's replies. No inline script or style (the CSP forbids both): the
/// stylesheet and the script are resources of their own (Assets), embedded in the binary.
enum WebPages {
    static let calendar = ClinicCalendar(offset: LocalTime.utcOffset)

    /// A time as the clinic reads it: local, to the minute.
    static func clock(_ d: Date) -> String { calendar.localText(d) }
    static func local(_ rfc3339: String?) -> String { rfc3339.flatMap(RFC3339.parse).map(clock) ?? "—" }

    static func page(_ w: Words, title: String, session: Sessions.Session?, path: String, _ body: [String]) -> String {
        var head = ["<!DOCTYPE html>", "<html lang=\"\(w.language == .zh ? "zh-CN" : "en")\"><head><meta charset=\"utf-8\">",
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                    "<title>\(w.e(title))</title><link rel=\"stylesheet\" href=\"/static/app.css\"><link rel=\"icon\" href=\"data:,\">",
                    "<script src=\"/static/app.js\" defer></script></head><body>"]
        var nav = "<nav>"
        if let s = session {
            for (href, zh, en) in [("/", "概览", "Overview"), ("/alarms", "报警", "Alarms"), ("/inventory", "库存", "Inventory"),
                                   ("/receiving", "到货", "Receiving"), ("/sheet", "记录表", "Record sheet"), ("/desk", "接种台", "Desk"),
                                   ("/tools", "维护", "Maintenance")] where href != "/tools" || s.role >= .technician {
                nav += "<a href=\"\(href)\"\(path == href ? " class=\"here\"" : "")>\(w.t(zh, en))</a>"
            }
            nav += "<span class=\"person\">\(w.e(s.name)) · \(w.t(s.role.chinese, s.role.rawValue))</span>"
            nav += "<form method=\"post\" action=\"/logout\" class=\"inline\">\(csrfField(s.csrf))<button type=\"submit\">\(w.t("退出", "Log out"))</button></form>"
        }
        nav += w.language == .zh ? "<a class=\"lang\" href=\"?lang=en\">English</a>" : "<a class=\"lang\" href=\"?lang=zh\">中文</a>"
        head.append(nav + "</nav>")
        return (head + body + ["</body></html>"]).joined(separator: "\n") + "\n"
    }

    static func csrfField(_ token: String) -> String { "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(token))\">" }

    static func notice(_ text: String) -> String { "<section class=\"notice\"><p>\(HTML.escape(text))</p></section>" }

    static func login(_ w: Words, csrf: String, problem: String?) -> String {
        var b = "<section class=\"login\"><h1>\(w.t("冷链监测 登录", "Cold chain: log in"))</h1>"
        if let problem { b += "<p class=\"problem\" id=\"problem\">\(w.e(problem))</p>" }
        b += "<form method=\"post\" action=\"/login\">\(csrfField(csrf))"
        b += "<label>\(w.t("名字", "Name")) <input name=\"name\" id=\"name\" autocomplete=\"username\" maxlength=\"32\" required></label>"
        b += "<label>\(w.t("密码", "Password")) <input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\" maxlength=\"256\" required></label>"
        b += "<button type=\"submit\" id=\"login\">\(w.t("登录", "Log in"))</button></form></section>"
        return b
    }

    // MARK: Overview

    static func overview(_ w: Words, _ s: StatusReply, live: String) -> [String] {
        ["<header><h1>\(w.e(s.gateway.site)) <small>\(w.t("冷链监测", "Cold chain"))</small></h1></header>",
         "<main id=\"live\" data-live=\"/?part=live\">\(live)</main>",
         "<footer>\(w.e(s.gateway.id)) · \(w.e(s.version)) · \(w.e(calendar.zoneName(at: Date()))) · <span id=\"link\" class=\"link\">\(w.t("实时", "live"))</span></footer>"]
    }

    /// What the live updates replace: what needs a person first (as `status` orders it), then a tile per fridge
    /// coloured by its state.
    static func live(_ w: Words, _ s: StatusReply, sparklines: [String: String] = [:]) -> String {
        var b: [String] = []
        if !s.problems.isEmpty {
            b.append("<section class=\"problems\"><h2>\(w.t("需要处理", "Needs attention"))</h2><ul>")
            b += s.problems.map { "<li>\(w.e($0))</li>" }
            b.append("</ul></section>")
        }
        b.append("<section class=\"fridges\">")
        for f in s.fridges {
            let state = f.shownState
            let temp = f.celsius.map { "\($0) °C" } ?? "—"
            let cls = ["ok", "warning", "excursion", "no_data", "stale"].contains(state) ? (state == "no_data" ? "no-data" : state) : "unknown"
            var tile = "<article class=\"tile \(cls)\" id=\"fridge-\(w.e(f.id))\" data-state=\"\(w.e(state))\"><h2><a href=\"/fridge/\(w.e(f.id))\">\(w.e(f.name))</a> <small>\(w.e(f.id))</small></h2>"
            tile += "<p class=\"temp\">\(w.e(temp))</p><p class=\"state\">\(stateWords(w, state))</p><p class=\"at\">\(w.e(local(f.at)))</p>"
            tile += sparklines[f.id] ?? ""
            for a in f.alarms {
                tile += "<p class=\"alarm\"><a href=\"/alarms\">\(w.t("报警", "Alarm")) \(a.id) · \(causeWords(w, a.cause))"
                    + (a.acknowledged ? " · \(w.t("已确认", "acknowledged"))" : " · \(w.t("未确认", "not acknowledged"))") + "</a></p>"
            }
            b.append(tile + "</article>")
        }
        b.append("</section>")
        return b.joined(separator: "\n")
    }

    static func stateWords(_ w: Words, _ state: String) -> String {
        switch state {
        case "ok": w.t("正常", "ok")
        case "warning": w.t("预警", "warning")
        case "excursion": w.t("超温", "excursion")
        case "no_data": w.t("无数据", "no data")
        case "stale": w.t("数据过时", "stale")
        default: w.t("未知", "unknown")
        }
    }

    static func causeWords(_ w: Words, _ c: AlarmCause) -> String {
        switch c {
        case .excursion: w.t("温度超限", "temperature excursion")
        case .noData: w.t("无数据", "no data")
        case .power: w.t("停电", "power cut")
        case .door: w.t("门未关", "door open")
        }
    }

    // MARK: Alarms

    static func alarms(_ w: Words, open: [AlarmSummary], recent: AlarmsReply, canAcknowledge: Bool, csrf: String, problem: String?) -> [String] {
        var b = ["<header><h1>\(w.t("报警", "Alarms"))</h1></header>"]
        if let problem { b.append("<p class=\"problem\" id=\"problem\">\(w.e(problem))</p>") }
        b.append("<section class=\"open-alarms\"><h2>\(w.t("未关闭的报警", "Open alarms"))</h2>")
        if open.isEmpty { b.append("<p>\(w.t("没有未关闭的报警。", "No open alarms."))</p>") }
        for a in open {
            var row = "<article class=\"alarm-row\" id=\"alarm-\(a.id)\"><h3>\(w.t("报警", "Alarm")) \(a.id) · \(w.e(a.fridge == "*" ? w.t("全部", "all") : a.fridge)) · \(causeWords(w, a.cause))</h3>"
            row += "<p>\(w.t("开始", "Opened")) \(w.e(local(a.openedAt)))" + (a.acknowledged ? " · \(w.t("已确认", "acknowledged"))" : "") + "</p>"
            if canAcknowledge && !a.acknowledged {
                row += "<form method=\"post\" action=\"/alarms/ack\" class=\"ack\">\(csrfField(csrf))<input type=\"hidden\" name=\"alarm\" value=\"\(a.id)\">"
                row += "<label>\(w.t("做了什么", "What was done")) <input name=\"note\" maxlength=\"500\" required placeholder=\"\(w.t("例如：门已关好，疫苗已检查", "e.g. door closed, vaccines checked"))\"></label>"
                row += "<button type=\"submit\">\(w.t("确认报警", "Acknowledge"))</button></form>"
            }
            b.append(row + "</article>")
        }
        b.append("</section><section class=\"recent-alarms\"><h2>\(w.t("最近 7 天", "Last 7 days"))</h2>")
        b.append("<table><thead><tr><th>\(w.t("编号", "No."))</th><th>\(w.t("冰箱", "Fridge"))</th><th>\(w.t("原因", "Cause"))</th><th>\(w.t("开始", "Opened"))</th>"
                 + "<th>\(w.t("确认用时", "To acknowledge"))</th><th>\(w.t("通知级别", "Levels told"))</th><th>\(w.t("确认人", "By"))</th><th>\(w.t("说明", "Note"))</th></tr></thead><tbody>")
        for a in recent.alarms.reversed() {
            let toAck = a.acknowledgeSeconds.map { DurationText.describe($0) } ?? w.t("未确认", "not acknowledged")
            b.append("<tr><td>\(a.id)</td><td>\(w.e(a.fridge))</td><td>\(causeWords(w, a.cause))</td><td>\(w.e(local(a.openedAt)))</td>"
                     + "<td>\(a.acknowledgeSeconds == nil ? toAck : w.e(toAck))</td><td>\(w.e(a.levels.map(String.init).joined(separator: ", ")))</td>"
                     + "<td class=\"by\">\(w.e(a.acknowledgedBy ?? ""))</td><td>\(w.e(a.note ?? ""))</td></tr>")
        }
        b.append("</tbody></table></section>")
        return b
    }

    // MARK: Desk

    static func deskList(_ w: Words, _ scanners: [ScannerStatus]) -> [String] {
        var b = ["<header><h1>\(w.t("接种台", "Desk"))</h1></header><section class=\"desks\"><ul>"]
        if scanners.isEmpty { b.append("<li>\(w.t("没有配置扫码枪。", "No scanners are configured."))</li>") }
        for s in scanners {
            b.append("<li><a href=\"/desk/\(w.e(s.id))\">\(w.e(s.id))</a> · \(w.e(s.fridge)) · \(w.e(s.mode.rawValue))</li>")
        }
        return b + ["</ul></section>"]
    }

    static func desk(_ w: Words, scanner s: ScannerStatus, verdict: String) -> [String] {
        ["<main class=\"desk\" id=\"desk\" data-scanner=\"\(w.e(s.id))\">",
         "<p class=\"desk-head\">\(w.t("扫码枪", "Scanner")) \(w.e(s.id)) · \(w.t("冰箱", "Fridge")) \(w.e(s.fridge)) · <button type=\"button\" id=\"sound\" data-on=\"\(w.t("声音已开启", "Sound is on"))\">\(w.t("开启声音", "Turn sound on"))</button></p>",
         "<section id=\"verdict\" data-live=\"/desk/\(w.e(s.id))?part=verdict\">\(verdict)</section></main>"]
    }

    /// The last scan at this scanner, filling the screen: green when it may be used, red when refused.
    static func deskVerdict(_ w: Words, scanner: ScannerStatus, last: WatchEvent?) -> String {
        guard let last, case .scan(let scan)? = last.typed else {
            return "<div class=\"verdict waiting\" data-seq=\"0\"><p class=\"big\">\(w.t("等待扫码", "Waiting for a scan"))</p></div>"
        }
        let words = VerdictWords(verdict: scan.verdict, into: scan.isIn)
        var b = "<div class=\"verdict \(scan.refused ? "refused" : "accepted")\" data-seq=\"\(last.seq ?? 0)\" data-sound=\"\(w.e(words.key))\">"
        b += "<p class=\"big\">\(w.t(words.chinese, words.english))</p>"
        if let name = last.notes?["name"] { b += "<p class=\"product\">\(w.e(name))</p>" }
        var facts: [String] = []
        if let p = scan.product { facts.append(w.t("产品 ", "Product ") + w.e(p)) }
        if let l = scan.lot { facts.append(w.t("批号 ", "Lot ") + w.e(l)) }
        if let x = scan.expiry { facts.append(w.t("有效期至 ", "Expires ") + w.e(x)) }
        if !facts.isEmpty { b += "<p class=\"facts\">\(facts.joined(separator: " · "))</p>" }
        if scan.verdict == "exposed", case .array(let list)? = scan.detail["excursions"] {
            for case .object(let x) in list {
                let peak: String = if case .number(let p)? = x["peak_c"] { "\(p) °C" } else { "?" }
                let start: String = if case .string(let s)? = x["start"] { local(s) } else { "?" }
                let minutes: String = if case .number(let d)? = x["duration_s"] { DurationText.describe(d) } else { "?" }
                b += "<p class=\"exposure\">\(w.t("超温", "Excursion")) \(w.e(start)) · \(w.t("最高", "peak")) \(w.e(peak)) · \(w.e(minutes))</p>"
            }
        }
        b += "<p class=\"at\">\(w.e(local(last.at)))</p></div>"
        return b
    }
}
