import FoundationEssentials

/// Count, minimum, maximum, mean and mean kinetic temperature of readings taken one at a time in time order:
/// the summary of a window of any length, holding only sums.
public struct ReadingStats: Sendable {
    public private(set) var count = 0
    public private(set) var minC = Double.infinity
    public private(set) var maxC = -Double.infinity
    var sum = 0.0
    var kinetic = MeanKineticTemperature.Accumulator()

    public init() {}

    public mutating func add(_ t: Date, _ c: Double) {
        count += 1
        minC = Swift.min(minC, c)
        maxC = Swift.max(maxC, c)
        sum += c
        kinetic.add(t, c)
    }

    /// The mean, rounded to 0.01 °C as shown; nil without readings.
    public var meanC: Double? { count == 0 ? nil : ((sum / Double(count)) * 100).rounded() / 100 }

    /// Mean kinetic temperature until `end`, rounded to 0.01 °C.
    public func mktC(until end: Date) -> Double? { kinetic.result(until: end).map { ($0 * 100).rounded() / 100 } }
}
