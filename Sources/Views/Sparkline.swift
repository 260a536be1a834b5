import ColdChain
import FoundationEssentials

/// A fridge's last day in a tile: the range band (2–8 °C) and the first sensor's mean, as a small SVG with no style
/// attributes (the web's CSP allows no inline style; the colours are the stylesheet's, by class).
public enum Sparkline {
    public static func render(_ d: ChartData, width: Double = 220, height: Double = 44) -> String {
        guard let from = RFC3339.parse(d.from), let to = RFC3339.parse(d.to), let series = d.series.first, !series.points.isEmpty else { return "" }
        let span = max(to.timeIntervalSince(from), 1)
        let means = series.points.map(\.mean)
        let lo = min(means.min()!, (d.lowC ?? 2) - 1), hi = max(means.max()!, (d.highC ?? 8) + 1)
        func y(_ c: Double) -> Double { (hi - c) / max(hi - lo, 1) * height }
        func n(_ v: Double) -> String { String((v * 10).rounded() / 10) }
        var svg = "<svg class=\"spark\" viewBox=\"0 0 \(n(width)) \(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"24 h\">"
        if let low = d.lowC, let high = d.highC {
            svg += "<rect class=\"band\" x=\"0\" y=\"\(n(y(high)))\" width=\"\(n(width))\" height=\"\(n(y(low) - y(high)))\"/>"
        }
        // A point sits in its bucket's middle; `t` is seconds from the chart's start.
        let points = series.points.map { p in "\(n(min(max((p.t + d.bucketSeconds / 2) / span, 0), 1) * width)),\(n(y(p.mean)))" }
        svg += "<polyline class=\"line\" vector-effect=\"non-scaling-stroke\" points=\"\(points.joined(separator: " "))\"/></svg>"
        return svg
    }
}
