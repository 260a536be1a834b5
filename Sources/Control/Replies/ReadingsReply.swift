/// `readings FRIDGE --since D`: every reading in the window, with its summary.
public struct ReadingsReply: Codable, Sendable, Equatable {
    public var fridge: String
    /// The window's start, RFC 3339 UTC.
    public var since: String
    public var summary: ReadingsSummary
    public var readings: [ReadingRow]
    public init(fridge: String, since: String, summary: ReadingsSummary, readings: [ReadingRow]) {
        self.fridge = fridge; self.since = since; self.summary = summary; self.readings = readings
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
