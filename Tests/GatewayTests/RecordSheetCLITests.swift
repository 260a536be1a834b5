import ColdChain
import Control
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// The record sheet and the chart as a person gets them from `coldchainctl`: the CSV read back by Python's csv
/// module, the HTML printed by headless Chromium to one A4 page per fridge and rendered to a picture that is not
/// blank, the SVG chart likewise.
@Suite(.serialized) struct RecordSheetCLITests {
    @Test func theSheetExportsAndPrintsAndTheChartRenders() async throws {
        let dir = TempDir("cc-sheet")
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        // The fridge's model and place, as an inspector wants them on the sheet.
        let configText = validConfig.replacingOccurrences(of: #"name: "Fridge 1","#, with: #"name: "接种台冰箱", model: "海尔 HYC-310", location: "预防接种门诊二楼","#)
        let config = try ConfigLoader.load(path: dir.write("coldchaind.json5", configText)).get().0
        let seeded = try Ledger(path: config.storage.path)
        _ = try RecordSheetTests.month(seeded)
        seeded.close()
        let d = try InProcessDaemon(dir: dir, configText: configText)
        try await d.waitReady()
        let socket = ["--socket", d.config.control.socket]

        // CSV: a byte-order mark, one row per day, the 10th's maximum the excursion's 10 °C (October 2026 is over).
        let csvFile = dir.file("sheet.csv")
        let csv = try await offPool { try run("coldchainctl", socket + ["report", "daily", "--month", "2026-10", "--format", "csv", "--out", csvFile]) }
        #expect(csv.status == 0, "\(csv.err)")
        let parsed = try await offPool { shell("""
            python3 -c "import csv; f=open('\(csvFile)', encoding='utf-8-sig'); r=list(csv.DictReader(f)); \
            d=[x for x in r if x['日期 date']=='2026-10-10'][0]; \
            print(len(r), d['最高 max_c'], r[0]['冰箱 fridge'], sum(1 for x in r if x['账本序号 head_seq']), open('\(csvFile)','rb').read(3).hex())"
            """) }
        #expect(parsed.output.trimmingCharacters(in: .whitespacesAndNewlines) == "31 10.0 F1 31 efbbbf", "\(parsed.output)")

        // Text: the bilingual heading, a missing afternoon check on the 15th.
        let text = try await offPool { try run("coldchainctl", socket + ["report", "daily", "--month", "2026-10"]) }
        #expect(text.status == 0 && text.out.contains("冷链设备温度记录表 / Cold-chain equipment temperature record"), "\(text.err)")
        let fifteenth = text.out.split(separator: "\n").first { $0.hasPrefix("10-15") }.map(String.init) ?? ""
        #expect(fifteenth.components(separatedBy: "缺 missing").count == 2, "one missing check on the 15th: \(fifteenth)")

        // HTML: printed by Chromium to PDF (one A4 page for the one fridge) and to a picture with ink on it.
        let html = dir.file("sheet.html"), pdf = dir.file("sheet.pdf"), png = dir.file("sheet.png")
        let h = try await offPool { try run("coldchainctl", socket + ["report", "daily", "--month", "2026-10", "--format", "html", "--out", html]) }
        #expect(h.status == 0, "\(h.err)")
        let chromium = "chromium --headless=new --no-sandbox --disable-gpu --no-first-run --no-pdf-header-footer"
        let printed = try await offPool { shell("\(chromium) --print-to-pdf=\(pdf) file://\(html) 2>&1") }
        #expect(printed.status == 0, "\(printed.output)")
        let pages = try await offPool { shell("python3 -c \"import re; print(len(re.findall(rb'/Type\\s*/Page[^s]', open('\(pdf)','rb').read())))\"") }
        #expect(pages.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "A4 pages: \(pages.output)")
        // The printed text, as pdftotext (poppler) reads it back: Chinese first, a person for each acknowledgement,
        // the probe fault, the fridge's model and place, the ledger head without a command line.
        let read = try await offPool { shell("pdftotext -layout \(pdf) - 2>&1") }
        let printedText = read.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for expected in ["冷链设备温度记录表", "接种台冰箱", "海尔 HYC-310", "预防接种门诊二楼", "由 王丽 确认", "acknowledged by", "探头 F1-air 故障",
                         "超温 1", "账本头"] {
            #expect(printedText.contains(expected), "'\(expected)' not in the printed sheet: \(read.output.prefix(3000))")
        }
        #expect(!printedText.contains("coldchainctl") && !printedText.contains("uid 1000"), "\(read.output.prefix(3000))")
        let shot = try await offPool { shell("\(chromium) --screenshot=\(png) --window-size=900,1273 file://\(html) 2>&1") }
        #expect(shot.status == 0, "\(shot.output)")
        let ink = try await offPool { shell("python3 \(packageRoot())/Tests/Interop/png_ink.py \(png)") }
        // Kept for a person to look at: .build/artefacts/record-sheet.pdf and .png.
        _ = try await offPool { shell("mkdir -p \(packageRoot())/.build/artefacts && cp \(pdf) \(packageRoot())/.build/artefacts/record-sheet.pdf && cp \(png) \(packageRoot())/.build/artefacts/record-sheet.png") }
        let inked = Int(ink.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(inked > 10_000, "the rendered sheet is blank: \(ink.output)")

        // The chart alone, as SVG, rendered the same way.
        let svg = dir.file("f1.svg"), svgPNG = dir.file("f1.png")
        let c = try await offPool { try run("coldchainctl", socket + ["chart", "F1", "--since", "60d", "--out", svg]) }
        #expect(c.status == 0, "\(c.err)")
        let drawn = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(drawn.hasPrefix("<svg") && drawn.contains("class=\"excursion\"") && drawn.contains("class=\"series\""))
        _ = try await offPool { shell("\(chromium) --screenshot=\(svgPNG) --window-size=1000,380 file://\(svg) 2>&1") }
        let svgInk = try await offPool { shell("python3 \(packageRoot())/Tests/Interop/png_ink.py \(svgPNG)") }
        #expect((Int(svgInk.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0) > 1_000, "\(svgInk.output)")

        // Refusals: a month that is not one; a file that cannot be written.
        let bad = try await offPool { try run("coldchainctl", socket + ["report", "daily", "--month", "2026-13"]) }
        #expect(bad.status == 64 && bad.err.contains("is not a month YYYY-MM"), "\(bad.err)")
        let unwritable = try await offPool { try run("coldchainctl", socket + ["report", "daily", "--month", "2026-10", "--out", "/nonexistent/x.txt"]) }
        #expect(unwritable.status == 1 && unwritable.err.contains("cannot write /nonexistent/x.txt"), "\(unwritable.err)")
        #expect(await d.stop() == 0)
    }
}
