import ColdChain
import FoundationEssentials

/// A temperature chart as SVG: the range band, each sensor's curve (its bucket minimum to maximum as a light band,
/// the mean as a line), excursions shaded red, periods without data grey, alarms, acknowledgements, manual checks
/// and gateway gaps marked, local time on the axis.
public enum ChartSVG {
    static let palette = ["#1f5fa8", "#c86e00", "#2e8540", "#7b3fa0", "#a83232", "#007c89", "#6b6b00", "#444444"]

    public static func render(_ d: ChartData, calendar: ClinicCalendar, width: Double = 1000, height: Double = 380) -> String {
        let left = 52.0, right = 16.0, top = 34.0, bottom = 48.0
        let plotW = width - left - right, plotH = height - top - bottom
        guard let from = RFC3339.parse(d.from), let to = RFC3339.parse(d.to) else { return "" }
        let span = max(to.timeIntervalSince(from), 1)
        let values = d.series.flatMap { $0.points.flatMap { [$0.min, $0.max] } }
        var lo = min(values.min() ?? 2, (d.lowC ?? 2) - 1), hi = max(values.max() ?? 8, (d.highC ?? 8) + 1)
        lo = (lo).rounded(.down); hi = (hi).rounded(.up)
        if hi - lo < 4 { hi = lo + 4 }
        func x(_ t: Date) -> Double { left + min(max(t.timeIntervalSince(from) / span, 0), 1) * plotW }
        // A bucket's point sits in its middle.
        func xs(_ seconds: Double) -> Double { left + min(max((seconds + d.bucketSeconds / 2) / span, 0), 1) * plotW }
        func y(_ c: Double) -> Double { top + (hi - min(max(c, lo), hi)) / (hi - lo) * plotH }
        func n(_ v: Double) -> String { String((v * 10).rounded() / 10) }
        var s = [##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(n(width))" height="\##(n(height))" viewBox="0 0 \##(n(width)) \##(n(height))" font-family="sans-serif" font-size="11">"##]
        s.append(##"<rect x="0" y="0" width="\##(n(width))" height="\##(n(height))" fill="#ffffff"/>"##)
        let title = "\(d.name) (\(d.fridge))  \(calendar.localText(from).prefix(16)) – \(calendar.localText(to).prefix(16))  \(calendar.zoneName(at: to))"
        s.append(##"<text x="\##(n(left))" y="18" font-size="13" font-weight="bold">\##(HTML.escape(title))</text>"##)
        // Labels are placed so that none overlaps another: each takes the first free lane, or is left out.
        var placer = LabelPlacer()
        // The range band.
        if let l = d.lowC, let h = d.highC {
            s.append(##"<rect x="\##(n(left))" y="\##(n(y(h)))" width="\##(n(plotW))" height="\##(n(y(l) - y(h)))" fill="#dff0d8"/>"##)
            for (v, label) in [(l, "\(l) °C"), (h, "\(h) °C")] {
                s.append(##"<line x1="\##(n(left))" x2="\##(n(left + plotW))" y1="\##(n(y(v)))" y2="\##(n(y(v)))" stroke="#3c763d" stroke-dasharray="4 3"/>"##)
                let w = LabelPlacer.width(label, size: 11)
                if placer.take(x: left + plotW - 2 - w, y: y(v) - 3, width: w, size: 11) {
                    s.append(##"<text class="label" x="\##(n(left + plotW - 2))" y="\##(n(y(v) - 3))" text-anchor="end" fill="#3c763d">\##(HTML.escape(label))</text>"##)
                }
            }
        }
        // Excursions shaded red and no data grey across the plot; doors open (amber) and power off (purple) as
        // strips along its foot, under the curve they explain.
        for sp in d.spans {
            guard let a = RFC3339.parse(sp.from), let b = RFC3339.parse(sp.to) else { continue }
            let w = n(max(x(b) - x(a), 1))
            switch sp.kind {
            case "door", "power":
                let lane = sp.kind == "door" ? 0.0 : 1.0
                let fill = sp.kind == "door" ? "#f0ad4e" : "#8e5ea2"
                s.append(##"<rect class="\##(sp.kind)" x="\##(n(x(a)))" y="\##(n(top + plotH - 6 - lane * 7))" width="\##(w)" height="6" fill="\##(fill)"/>"##)
            default:
                let fill = sp.kind == "excursion" ? "#f2b8b8" : "#d9d9d9"
                s.append(##"<rect class="\##(sp.kind)" x="\##(n(x(a)))" y="\##(n(top))" width="\##(w)" height="\##(n(plotH))" fill="\##(fill)" fill-opacity="0.7"/>"##)
            }
        }
        // Grid and axes: a tick per local day (or per 3 hours under two days), labelled in local time.
        for c in stride(from: lo, through: hi, by: hi - lo > 20 ? 5 : (hi - lo > 8 ? 2 : 1)) {
            s.append(##"<line x1="\##(n(left))" x2="\##(n(left + plotW))" y1="\##(n(y(c)))" y2="\##(n(y(c)))" stroke="#eeeeee"/>"##)
            s.append(##"<text x="\##(n(left - 6))" y="\##(n(y(c) + 4))" text-anchor="end">\##(n(c))</text>"##)
        }
        for (t, label) in ticks(from: from, to: to, calendar: calendar) {
            s.append(##"<line x1="\##(n(x(t)))" x2="\##(n(x(t)))" y1="\##(n(top))" y2="\##(n(top + plotH + 4))" stroke="#cccccc"/>"##)
            s.append(##"<text x="\##(n(x(t)))" y="\##(n(top + plotH + 16))" text-anchor="middle">\##(HTML.escape(label))</text>"##)
        }
        s.append(##"<text x="14" y="\##(n(top + plotH / 2))" transform="rotate(-90 14 \##(n(top + plotH / 2)))" text-anchor="middle">°C</text>"##)
        for (k, series) in d.series.enumerated() where !series.points.isEmpty {
            let color = palette[k % palette.count]
            let upper = series.points.map { "\(n(xs($0.t))),\(n(y($0.max)))" }
            let lower = series.points.reversed().map { "\(n(xs($0.t))),\(n(y($0.min)))" }
            s.append(##"<polygon points="\##((upper + lower).joined(separator: " "))" fill="\##(color)" fill-opacity="0.15" stroke="none"/>"##)
            // A break in the line where points are further apart than two buckets: no data is not drawn as a slope.
            var path = "", last: Double?
            for p in series.points {
                let cmd = last.map { p.t - $0 > 2 * d.bucketSeconds } ?? true ? "M" : "L"
                path += "\(cmd)\(n(xs(p.t))),\(n(y(p.mean))) "
                last = p.t
            }
            s.append(##"<path class="series" d="\##(path)" fill="none" stroke="\##(color)" stroke-width="1.5"/>"##)
            if series.points.count < 60 {   // few points: each one shown, so a lone one is not lost
                for p in series.points { s.append(##"<circle cx="\##(n(xs(p.t)))" cy="\##(n(y(p.mean)))" r="2.5" fill="\##(color)"/>"##) }
            }
            s.append(##"<text x="\##(n(left + 8 + Double(k) * 110))" y="\##(n(height - 10))" fill="\##(color)">━ \##(HTML.escape(series.sensor))</text>"##)
        }
        // Alarms, acknowledgements and gaps: a dashed line across; manual checks: a tick under the top edge (a month
        // has sixty).
        for m in d.marks {
            guard let t = RFC3339.parse(m.at) else { continue }
            let color = ["alarm": "#c9302c", "acknowledged": "#ec971f", "check": "#2e8540", "check_flagged": "#c9302c", "gap": "#555555"][m.kind] ?? "#555555"
            if m.kind.hasPrefix("check") {
                s.append(##"<line class="mark \##(m.kind)" x1="\##(n(x(t)))" x2="\##(n(x(t)))" y1="\##(n(top))" y2="\##(n(top + 8))" stroke="\##(color)" stroke-width="1.5"/>"##)
                continue
            }
            s.append(##"<line class="mark \##(m.kind)" x1="\##(n(x(t)))" x2="\##(n(x(t)))" y1="\##(n(top))" y2="\##(n(top + plotH))" stroke="\##(color)" stroke-width="1" stroke-dasharray="2 2"/>"##)
            // Stacked in up to four lanes under the top edge; one that fits none is left out (its line stays).
            // They overprinted each other ("alaralarm 2ack 1").
            let w = LabelPlacer.width(m.label, size: 9)
            // Right of its line, or left of it near the right edge (a label cut by the edge is no label).
            let lx = x(t) + 2 + w > left + plotW ? x(t) - 2 - w : x(t) + 2
            for lane in 0..<4 {
                let ly = top + 18 + Double(lane) * 12
                if placer.take(x: lx, y: ly, width: w, size: 9) {
                    s.append(##"<text class="label" x="\##(n(lx))" y="\##(n(ly))" fill="\##(color)" font-size="9">\##(HTML.escape(m.label))</text>"##)
                    break
                }
            }
        }
        s.append(##"<rect x="\##(n(left))" y="\##(n(top))" width="\##(n(plotW))" height="\##(n(plotH))" fill="none" stroke="#888888"/>"##)
        let legend = "green: \(d.lowC.map { "\($0)" } ?? "?")–\(d.highC.map { "\($0)" } ?? "?") °C · red: excursion · grey: no data · amber: door open · purple: power off · dashed: alarm, acknowledgement, gap · tick: manual check"
        s.append(##"<text x="\##(n(left + plotW))" y="\##(n(height - 10))" text-anchor="end" fill="#666666" font-size="9">\##(HTML.escape(legend))</text>"##)
        s.append("</svg>")
        return s.joined(separator: "\n") + "\n"
    }

    /// Local-time ticks that fit the window: the first step of 1, 2, 5, 10, 15 or 30 minutes, 1, 2, 3, 6 or 12 hours
    /// giving at most 12 labels (the time), or days (the date, every second or more days for a long window). The
    /// axis showed one or two labels for a new install.
    public static func ticks(from: Date, to: Date, calendar: ClinicCalendar) -> [(Date, String)] {
        let span = max(to.timeIntervalSince(from), 60)
        let steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720]
        guard let step = steps.first(where: { span / Double($0 * 60) <= 12 }) else {
            // Days: every day, or every k-th so that at most 12 show.
            let every = max(1, Int((span / 86_400 / 12).rounded(.up)))
            var out: [(Date, String)] = [], day = calendar.day(at: from), k = 0
            while out.count < 200 {
                let t = calendar.instant(day, minutes: 0)
                if t > to { break }
                if t >= from {
                    if k % every == 0 { out.append((t, String(calendar.localText(t).dropFirst(5).prefix(5)))) }
                    k += 1
                }
                day = calendar.next(day)
            }
            return out
        }
        var out: [(Date, String)] = []
        var day = calendar.day(at: from)
        while out.count < 200 {
            for minutes in stride(from: 0, to: 1_440, by: step) {
                let t = calendar.instant(day, minutes: minutes)
                if t > to { return out }
                // A tick at midnight says the date, the others the time.
                if t >= from {
                    let text = calendar.localText(t)
                    out.append((t, minutes == 0 && span > 6 * 3600 ? String(text.dropFirst(5).prefix(5)) : String(text.dropFirst(11).prefix(5))))
                }
            }
            day = calendar.next(day)
        }
        return out
    }
}

/// Where chart labels go: each takes a box no other has (boxes estimated from the text's display width at its
/// font size; a CJK character is about the font size wide, a Latin one about 0.6 of it).
struct LabelPlacer {
    private var boxes: [(x0: Double, x1: Double, y0: Double, y1: Double)] = []

    static func width(_ text: String, size: Double) -> Double { Double(text.displayWidth) * size * 0.6 + 2 }

    /// Takes the box of a label at baseline `y` from `x`, if it is free.
    mutating func take(x: Double, y: Double, width: Double, size: Double) -> Bool {
        let box = (x0: x - 1, x1: x + width + 1, y0: y - size, y1: y + size * 0.3)
        if boxes.contains(where: { $0.x0 < box.x1 && box.x0 < $0.x1 && $0.y0 < box.y1 && box.y0 < $0.y1 }) { return false }
        boxes.append(box)
        return true
    }
}
