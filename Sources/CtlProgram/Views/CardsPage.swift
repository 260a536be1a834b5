import ColdChain

/// The command cards as a printable page: each card its Code 128 barcode (SVG bars drawn here, no font or library
/// needed), the content in plain text beneath, and what it does in Chinese and English. Cut out and stuck where
/// the nurse scans.
enum CardsPage {
    /// One barcode as SVG: bars of `module` px, 10 modules of quiet zone each side (ISO/IEC 15417 asks 10).
    static func barcode(_ text: String, module: Double = 2, height: Double = 70) -> String? {
        guard let widths = Code128.widths(text) else { return nil }
        let quiet = 10.0 * module
        var x = quiet, bars: [String] = []
        for (i, w) in widths.enumerated() {
            let width = Double(w) * module
            if i % 2 == 0 { bars.append(##"<rect x="\##(x)" y="0" width="\##(width)" height="\##(height)"/>"##) }
            x += width
        }
        let total = x + quiet
        return ##"<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="\##(total)" height="\##(height)" viewBox="0 0 \##(total) \##(height)"><rect width="\##(total)" height="\##(height)" fill="#fff"/><g fill="#000">\##(bars.joined())</g></svg>"##
    }

    static func html(_ cards: [ScannerCommand], fridgeNames: [String: String]) -> String {
        let e = HTML.escape
        var h = ["<!DOCTYPE html>", "<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>扫码枪指令卡 Scanner command cards</title>",
                 """
                 <style>
                 @page { size: A4 portrait; margin: 10mm; }
                 body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; margin: 0; }
                 h1 { font-size: 14pt; margin: 0 0 4mm 0; } h1 small { font-weight: normal; font-size: 10pt; }
                 .cards { display: flex; flex-wrap: wrap; gap: 6mm; }
                 .card { border: 0.5pt dashed #888; padding: 4mm; min-width: 84mm; break-inside: avoid; page-break-inside: avoid; }
                 .card .what { font-size: 15pt; font-weight: bold; margin-bottom: 1mm; }
                 .card .en { font-size: 9pt; color: #444; margin-bottom: 2mm; }
                 .card code { font-size: 10pt; letter-spacing: 0.5pt; }
                 svg.barcode { display: block; height: 18.5mm; width: auto; }   /* never squeezed: a long code makes a wider card */
                 </style></head><body>
                 """,
                 "<h1>扫码枪指令卡 <small>Scanner command cards: scan one to switch the scanner</small></h1>", "<div class=\"cards\">"]
        for c in cards {
            let (zh, en): (String, String)
            switch c {
            case .mode(let m): (zh, en) = (m.chineseMeaning, m.meaning)
            case .fridge(let f):
                let name = fridgeNames[f].map { "\($0)（\(f)）" } ?? f
                (zh, en) = ("冰箱：切换到 \(name)", "this scanner now works on fridge \(f)")
            }
            // A fridge id outside Code 128 B (a Chinese id) cannot be a barcode: the card says so rather than draw one.
            let bars = barcode(c.text) ?? "<p>(cannot be a Code 128 barcode: use ASCII ids)</p>"
            h.append("<div class=\"card\"><div class=\"what\">\(e(zh))</div><div class=\"en\">\(e(en))</div>\(bars)<code>\(e(c.text))</code></div>")
        }
        h.append("</div></body></html>")
        return h.joined(separator: "\n") + "\n"
    }
}
