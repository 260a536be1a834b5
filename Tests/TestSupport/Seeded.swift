/// A seeded random generator (xorshift64): a random test prints its seed, and the seed replays the run.
public struct Seeded: RandomNumberGenerator {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    public mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
}

import Foundation

extension Seeded {
    /// The generator of a random test: seeded from `COLDCHAIN_SEED` when it is set (to replay a failure), else from
    /// the clock, and the seed printed with the test's name either way, so every run can be replayed.
    public static func forTest(_ name: String = #function, file: String = #fileID) -> Seeded {
        let given = ProcessInfo.processInfo.environment["COLDCHAIN_SEED"].flatMap { UInt64($0) }
        let seed = given ?? UInt64(Date().timeIntervalSince1970 * 1_000_000) & 0xFFFF_FFFF_FFFF
        print("\(file) \(name): seed \(seed) (replay: COLDCHAIN_SEED=\(seed))")
        return Seeded(seed: seed)
    }
}
