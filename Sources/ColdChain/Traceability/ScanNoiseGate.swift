import FoundationEssentials

/// Tells a person's unrecognised scans from line noise, per scanner. Pure: every call carries its time.
///
/// A person scans at most a code a second or so; a loose RS-232 plug or a wrong baud rate produces garbage much
/// faster (2.1 MB in 10 s once became 24,711 `unrecognised` scan events, 21 MB the append-only ledger keeps for
/// ever). Up to `limit` unrecognised codes within `interval` are each recorded as a scan; past that the line is
/// noisy: its codes are counted, and one report per interval (count and a sample) is recorded instead, until an
/// interval passes without any.
public struct ScanNoiseGate: Sendable {
    public let limit: Int
    public let interval: Double
    private var recent: [Date] = []
    public private(set) var spell: Spell?

    public struct Spell: Sendable, Equatable {
        /// When the line turned noisy.
        public var since: Date
        /// Start of the interval being counted.
        public var intervalStart: Date
        public var count: Int
        public var sample: String
        /// Codes not recorded individually since the line turned noisy.
        public var total: Int
    }

    /// One interval of a noisy line: what `scanner.noise` records. `ended` when the interval was quiet.
    public struct Report: Sendable, Equatable {
        public var from: Date
        public var to: Date
        public var count: Int
        public var sample: String
        public var ended: Bool
        public init(from: Date, to: Date, count: Int, sample: String, ended: Bool) {
            self.from = from; self.to = to; self.count = count; self.sample = sample; self.ended = ended
        }
    }

    public enum Decision: Sendable, Equatable { case record, suppress }

    public init(limit: Int = 10, interval: Double = 10) {
        self.limit = max(1, limit)
        self.interval = max(0.001, interval)
    }

    /// An unrecognised code read at `t`: record it on its own, or count it as noise. `sample` is the code as
    /// printable text; it is kept at most 64 characters long.
    public mutating func unrecognised(sample: String, at t: Date) -> Decision {
        if var s = spell {
            s.count += 1
            s.total += 1
            if s.sample.isEmpty { s.sample = String(sample.prefix(64)) }
            spell = s
            return .suppress
        }
        recent.removeAll { abs(t.timeIntervalSince($0)) >= interval }
        guard recent.count >= limit else {
            recent.append(t)
            return .record
        }
        spell = Spell(since: t, intervalStart: t, count: 1, sample: String(sample.prefix(64)), total: 1)
        recent.removeAll()
        return .suppress
    }

    /// Time passing: a report when a noisy interval is complete (and the end of the spell after a quiet one).
    public mutating func tick(at t: Date) -> Report? {
        guard var s = spell else { return nil }
        // A clock stepped back must not hold the interval open for as long as it jumped.
        if t < s.intervalStart { s.intervalStart = t; spell = s; return nil }
        guard t.timeIntervalSince(s.intervalStart) >= interval else { return nil }
        let report = Report(from: s.intervalStart, to: t, count: s.count, sample: s.sample, ended: s.count == 0)
        if report.ended {
            spell = nil
        } else {
            s.intervalStart = t
            s.count = 0
            s.sample = ""
            spell = s
        }
        return report
    }
}
