import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Mean kinetic temperature: T = (ΔH/R) / −ln(Σ tᵢ·e^(−ΔH/(R·Tᵢ)) / Σ tᵢ), with ΔH/R = 10 000 K and T in kelvin.
public enum MeanKineticTemperature {
    public static let activationOverR = 10_000.0

    /// MKT in °C of readings (time, °C) over `window`; each reading weighs the time until the next one (the last
    /// one until the window's end). Nil without readings.
    public static func compute(_ readings: [(Date, Double)], until end: Date) -> Double? {
        var a = Accumulator()
        for (t, c) in readings.sorted(by: { $0.0 < $1.0 }) { a.add(t, c) }
        return a.result(until: end)
    }

    /// The same, one reading at a time in time order, holding nothing but sums (a stream of years of readings).
    public struct Accumulator: Sendable {
        var weightSum = 0.0, sum = 0.0
        var last: (Date, Double)?
        public init() {}

        public mutating func add(_ t: Date, _ c: Double) {
            if let (pt, pc) = last { weigh(pc, t.timeIntervalSince(pt)) }
            last = (t, c)
        }

        mutating func weigh(_ c: Double, _ w: Double) {
            guard w > 0 else { return }
            weightSum += w
            sum += w * exp(-activationOverR / (c + 273.15))
        }

        public func result(until end: Date) -> Double? {
            guard let (t, c) = last else { return nil }
            var a = self
            // The last reading weighs until the window's end, or one second when it is at the end.
            let tail = end.timeIntervalSince(t)
            a.weigh(c, tail > 0 ? tail : 1)
            guard a.weightSum > 0, a.sum > 0 else { return nil }
            return activationOverR / -log(a.sum / a.weightSum) - 273.15
        }
    }
}
