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
        let sorted = readings.sorted { $0.0 < $1.0 }
        guard !sorted.isEmpty else { return nil }
        var weightSum = 0.0, sum = 0.0
        for (i, (t, c)) in sorted.enumerated() {
            let next = i + 1 < sorted.count ? sorted[i + 1].0 : max(end, t)
            let w = max(next.timeIntervalSince(t), i + 1 == sorted.count && next == t ? 1 : 0)
            weightSum += w
            sum += w * exp(-activationOverR / (c + 273.15))
        }
        guard weightSum > 0, sum > 0 else { return nil }
        return activationOverR / -log(sum / weightSum) - 273.15
    }
}
