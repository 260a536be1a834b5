import ColdChain
import Foundation
import Testing
import TestSupport
import Views
@testable import CtlProgram

/// Charts people can read, rendered by Chromium: no two labels' boxes intersect (the boxes measured by the browser,
/// getBBox of every text element), time ticks fit the window, doors and power cuts are drawn.
@Suite struct ChartTests {
    /// A day of 5-minute readings with an excursion, a door opening, a power cut, and six alarms and
    /// acknowledgements minutes apart (their labels overprinted: "alaralarm 2ack 1").
    static func crowdedDay() -> ChartData {
        let from = Date(timeIntervalSince1970: 1_796_140_800)   // 2026-12-01T16:00:00Z, midnight in UTC+8
        let points = (0..<288).map { i in
            let c = (150...170).contains(i) ? 10.5 : 5.0 + Double(i % 12) / 20
            return ChartPoint(t: Double(i * 300), min: c - 0.2, max: c + 0.2, mean: c)
        }
        func at(_ minutes: Double) -> String { RFC3339.format(from.addingTimeInterval(minutes * 60)) }
        var marks: [ChartMark] = []
        for k in 0..<6 {
            marks.append(ChartMark(kind: "alarm", at: at(752 + Double(k) * 3), label: "alarm \(k + 1)"))
            marks.append(ChartMark(kind: "acknowledged", at: at(753 + Double(k) * 3), label: "ack \(k + 1)"))
        }
        marks.append(ChartMark(kind: "gap", at: at(1430), label: "off 2h"))
        return ChartData(fridge: "F1", name: "接种台冰箱", from: at(0), to: at(1440), lowC: 2, highC: 8, bucketSeconds: 300,
                         series: [ChartSeries(sensor: "F1-air", points: points)],
                         spans: [ChartSpan(kind: "excursion", from: at(750), to: at(850)), ChartSpan(kind: "door", from: at(745), to: at(760)),
                                 ChartSpan(kind: "power", from: at(900), to: at(960))],
                         marks: marks)
    }

    @Test func noTwoLabelsOverlapInChromium() async throws {
        let svg = ChartSVG.render(Self.crowdedDay(), calendar: .fixed(hours: 8))
        #expect(svg.contains("class=\"door\"") && svg.contains("class=\"power\""))
        let dir = TempDir("cc-chart")
        // The SVG inline in a page whose script measures every text element and writes the boxes into the page.
        let page = dir.write("chart.html", """
            <!DOCTYPE html><html><body>\(svg)
            <pre id="boxes"></pre>
            <script>
            const boxes = [...document.querySelectorAll('svg text')].map(t => { const b = t.getBBox(); return [t.textContent, b.x, b.y, b.width, b.height]; });
            document.getElementById('boxes').textContent = JSON.stringify(boxes);
            </script></body></html>
            """)
        // Off the cooperative pool: a second of Chromium must not hold one of its two threads.
        let dumped = try await offPool { shell("chromium --headless=new --no-sandbox --disable-gpu --no-first-run --virtual-time-budget=2000 --dump-dom file://\(page) 2>/dev/null") }
        #expect(dumped.status == 0)
        guard let start = dumped.output.range(of: "<pre id=\"boxes\">"), let end = dumped.output.range(of: "</pre>", range: start.upperBound..<dumped.output.endIndex),
              let boxes = try JSONSerialization.jsonObject(with: Data(dumped.output[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&quot;", with: "\"").utf8)) as? [[Any]]
        else { Issue.record("no boxes measured: \(dumped.output.suffix(500))"); return }
        let measured = boxes.compactMap { b -> (String, Double, Double, Double, Double)? in
            guard b.count == 5, let t = b[0] as? String, let x = b[1] as? Double, let y = b[2] as? Double, let w = b[3] as? Double, let h = b[4] as? Double else { return nil }
            return (t, x, y, w, h)
        }
        #expect(measured.count > 20, "\(measured.count) labels measured")
        var overlaps: [String] = []
        for i in measured.indices {
            for j in measured.indices where j > i {
                let a = measured[i], b = measured[j]
                // The rotated axis title is measured unrotated; it stands alone at the left edge.
                if a.0 == "°C" || b.0 == "°C" { continue }
                if a.1 < b.1 + b.3 && b.1 < a.1 + a.3 && a.2 < b.2 + b.4 && b.2 < a.2 + a.4 { overlaps.append("'\(a.0)' and '\(b.0)'") }
            }
        }
        #expect(overlaps.isEmpty, "labels overlap: \(overlaps)")
        // The crowded marks are stacked, and the ones that fit no lane left out: at least the first few show.
        let shown = measured.map(\.0)
        #expect(shown.contains("alarm 1") && shown.contains("ack 1") && shown.contains("alarm 2"), "\(shown)")
        try? FileManager.default.createDirectory(atPath: packageRoot() + "/.build/artefacts", withIntermediateDirectories: true)
        try? svg.write(toFile: packageRoot() + "/.build/artefacts/chart-crowded-day.svg", atomically: true, encoding: .utf8)
    }

    /// Ticks fit the window: times for a quarter of an hour, an hour, a day; dates for a week and a month.
    @Test(arguments: [(900.0, "10:06", 4...13), (3_600.0, "10:10", 4...13), (86_400.0, "02:00", 6...13), (7 * 86_400.0, "12-03", 7...8),
                      (31 * 86_400.0, "12-06", 8...13)] as [(Double, String, ClosedRange<Int>)])
    func ticksFitTheWindow(seconds: Double, label: String, count: ClosedRange<Int>) {
        let from = Date(timeIntervalSince1970: 1_796_176_800)   // 2026-12-02T02:00:00Z = 10:00 in UTC+8
        let ticks = ChartSVG.ticks(from: from, to: from.addingTimeInterval(seconds), calendar: .fixed(hours: 8))
        #expect(count.contains(ticks.count), "\(seconds) s: \(ticks.map(\.1))")
        #expect(ticks.map(\.1).contains(label), "\(seconds) s: \(ticks.map(\.1))")
    }
}
