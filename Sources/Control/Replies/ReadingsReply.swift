/// `readings FRIDGE --since D [--every B]`, in parts (`ControlParts`): this header, then `ReadingsPart`s with the
/// readings (or, with `every`, the buckets), then `ReadingsEnd` with the summary of the whole window.
public struct ReadingsHeader: Codable, Sendable, Equatable {
    public var fridge: String
    /// The window's start, RFC 3339 UTC.
    public var since: String
    /// The bucket width as asked (`15m`); nil for every reading.
    public var every: String?
    public init(fridge: String, since: String, every: String?) { self.fridge = fridge; self.since = since; self.every = every }
}

public struct ReadingsPart: Codable, Sendable, Equatable {
    public var readings: [ReadingRow]?
    public var buckets: [BucketRow]?
    public init(readings: [ReadingRow]? = nil, buckets: [BucketRow]? = nil) { self.readings = readings; self.buckets = buckets }
}

public struct ReadingsEnd: Codable, Sendable, Equatable {
    public var summary: ReadingsSummary
    public init(summary: ReadingsSummary) { self.summary = summary }
}

/// One sensor's readings in one bucket: for charts and long windows.
public struct BucketRow: Codable, Sendable, Equatable {
    /// The bucket's start, RFC 3339 UTC.
    public var from: String
    public var sensor: String
    public var count: Int
    public var minC: Double
    public var maxC: Double
    public var meanC: Double
    enum CodingKeys: String, CodingKey { case from, sensor, count, minC = "min_c", maxC = "max_c", meanC = "mean_c" }
    public init(from: String, sensor: String, count: Int, minC: Double, maxC: Double, meanC: Double) {
        self.from = from; self.sensor = sensor; self.count = count; self.minC = minC; self.maxC = maxC; self.meanC = meanC
    }
}

public struct ReadingRow: Codable, Sendable, Equatable {
    public var at: String
    public var sensor: String
    public var celsius: Double
    public var humidity: Double?
    enum CodingKeys: String, CodingKey { case at, sensor, celsius = "c", humidity = "h" }
    public init(at: String, sensor: String, celsius: Double, humidity: Double?) {
        self.at = at; self.sensor = sensor; self.celsius = celsius; self.humidity = humidity
    }
}

/// Minimum, maximum, mean and mean kinetic temperature of a window; only the count when it holds no reading.
public struct ReadingsSummary: Codable, Sendable, Equatable {
    public var count: Int
    public var minC: Double?
    public var maxC: Double?
    public var meanC: Double?
    public var mktC: Double?
    enum CodingKeys: String, CodingKey { case count, minC = "min_c", maxC = "max_c", meanC = "mean_c", mktC = "mkt_c" }
    public init(count: Int, minC: Double? = nil, maxC: Double? = nil, meanC: Double? = nil, mktC: Double? = nil) {
        self.count = count; self.minC = minC; self.maxC = maxC; self.meanC = meanC; self.mktC = mktC
    }
}
