import ColdChain
import Control
import FoundationEssentials

/// The pages, server-rendered from the daemon's replies. Chinese first with English beneath, as the record sheet.
/// No inline script or style (the CSP forbids both): the stylesheet is its own resource.
enum WebPages {
    static let e = HTML.escape

    static func page(title: String, _ body: [String]) -> String {
        (["<!DOCTYPE html>", "<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
          "<title>\(e(title))</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>"] + body + ["</body></html>"])
            .joined(separator: "\n") + "\n"
    }

    /// The overview: what needs a person first (as `status` orders it), then a tile per fridge coloured by its state.
    static func overview(_ s: StatusReply, calendar: ClinicCalendar) -> String {
        var b = ["<header><h1>\(e(s.gateway.site)) <small>冷链监测 Cold chain</small></h1></header>"]
        if !s.problems.isEmpty {
            b.append("<section class=\"problems\"><h2>需要处理 <small>Needs attention</small></h2><ul>")
            b += s.problems.map { "<li>\(e($0))</li>" }
            b.append("</ul></section>")
        }
        b.append("<section class=\"fridges\">")
        for f in s.fridges {
            let state = f.shownState
            let temp = f.celsius.map { "\($0) °C" } ?? "—"
            let at = f.at.flatMap(RFC3339.parse).map { calendar.localText($0) } ?? "无数据 no data"
            let alarms = f.alarms.map { "报警 \($0.id) alarm \($0.id)" + ($0.acknowledged ? "（已确认 acknowledged）" : "") }
            let cls = e(state == "no_data" ? "no-data" : state)
            var tile = "<article class=\"tile \(cls)\"><h2>\(e(f.name)) <small>\(e(f.id))</small></h2>"
            tile += "<p class=\"temp\">\(e(temp))</p><p class=\"state\">\(e(stateWords(state)))</p><p class=\"at\">\(e(at))</p>"
            for a in alarms { tile += "<p class=\"alarm\">\(e(a))</p>" }
            b.append(tile + "</article>")
        }
        b.append("</section>")
        b.append("<footer>\(e(s.gateway.id)) · \(e(s.version)) · \(e(calendar.zoneName(at: Date())))</footer>")
        return page(title: "\(s.gateway.site) 冷链监测", b)
    }

    static func stateWords(_ state: String) -> String {
        switch state {
        case "ok": "正常 ok"
        case "warning": "预警 warning"
        case "excursion": "超温 excursion"
        case "no_data": "无数据 no data"
        case "stale": "数据过时 stale"
        default: "未知 unknown"
        }
    }

    static let stylesheet = """
        body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; margin: 0; padding: 1rem; background: #f5f5f5; color: #222; }
        h1 { font-size: 1.4rem; margin: 0 0 1rem 0; } h1 small, h2 small { font-weight: normal; color: #666; font-size: 0.8em; }
        .problems { background: #fdecea; border-left: 4px solid #c9302c; padding: 0.5rem 1rem; margin-bottom: 1rem; }
        .problems h2 { font-size: 1rem; margin: 0.2rem 0; }
        .fridges { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 1rem; }
        .tile { background: #fff; border-radius: 8px; padding: 1rem; border-top: 8px solid #999; box-shadow: 0 1px 3px rgba(0,0,0,0.15); }
        .tile h2 { font-size: 1.1rem; margin: 0; }
        .tile .temp { font-size: 2.4rem; margin: 0.3rem 0; font-weight: bold; }
        .tile .state { margin: 0; font-weight: bold; } .tile .at { margin: 0.2rem 0; color: #666; font-size: 0.85rem; }
        .tile .alarm { color: #c9302c; font-weight: bold; margin: 0.2rem 0; }
        .tile.ok { border-top-color: #2e8540; } .tile.warning { border-top-color: #ec971f; }
        .tile.excursion { border-top-color: #c9302c; background: #fdecea; } .tile.no-data, .tile.stale, .tile.unknown { border-top-color: #777; background: #eee; }
        footer { margin-top: 1rem; color: #888; font-size: 0.8rem; }
        """
}
