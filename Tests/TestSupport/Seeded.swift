/// A seeded random generator (xorshift64): a random test prints its seed, and the seed replays the run.
public struct Seeded: RandomNumberGenerator {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    public mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
}
