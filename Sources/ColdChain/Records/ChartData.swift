import FoundationEssentials

/// What a temperature chart draws for one fridge and window: each sensor's curve (bucketed for long windows), the
/// range band, excursions and no-data periods shaded, and marks for alarms, acknowledgements and manual checks.
/// Times are RFC 3339 UTC; the renderer writes local time on the axis.
public struct ChartData: Codable, Sendable, Equatable {
    public var fridge: String
    public var name: String
    public var from: String
    public var to: String
    public var lowC: Double?
    public var highC: Double?
    /// Seconds per point (readings are averaged per bucket, with their min and max kept).
    public var bucketSeconds: Double
    public var series: [ChartSeries]
    public var spans: [ChartSpan]
    public var marks: [ChartMark]

    enum CodingKeys: String, CodingKey { case fridge, name, from, to, series, spans, marks, lowC = "low_c", highC = "high_c", bucketSeconds = "bucket_s" }

    public init(fridge: String, name: String, from: String, to: String, lowC: Double?, highC: Double?, bucketSeconds: Double,
                series: [ChartSeries], spans: [ChartSpan], marks: [ChartMark]) {
        self.fridge = fridge; self.name = name; self.from = from; self.to = to; self.lowC = lowC; self.highC = highC
        self.bucketSeconds = bucketSeconds; self.series = series; self.spans = spans; self.marks = marks
    }

    /// Points per sensor a chart holds at most: a printed page is about 1,000 dots wide.
    public static let maxPoints = 1_000.0

    /// The bucket for a window: the poll interval's minute at least, so that a week is ~10 minutes a point.
    public static func bucket(for window: Double) -> Double { max(60, (window / maxPoints).rounded(.up)) }
}

public struct ChartSeries: Codable, Sendable, Equatable {
    public var sensor: String
    public var points: [ChartPoint]
    public init(sensor: String, points: [ChartPoint]) { self.sensor = sensor; self.points = points }
}

public struct ChartPoint: Codable, Sendable, Equatable {
    /// Seconds since the chart's `from`.
    public var t: Double
    public var min: Double
    public var max: Double
    public var mean: Double
    public init(t: Double, min: Double, max: Double, mean: Double) { self.t = t; self.min = min; self.max = max; self.mean = mean }
}

public struct ChartSpan: Codable, Sendable, Equatable {
    /// excursion or no_data
    public var kind: String
    public var from: String
    public var to: String
    public init(kind: String, from: String, to: String) { self.kind = kind; self.from = from; self.to = to }
}

public struct ChartMark: Codable, Sendable, Equatable {
    /// alarm, acknowledged, check, check_flagged, gap
    public var kind: String
    public var at: String
    public var label: String
    public init(kind: String, at: String, label: String) { self.kind = kind; self.at = at; self.label = label }
}
