/// How a buzzer or light tells the nurse a scan's verdict: steps of on and off, starting on. A refusal pulsed the
/// output for 2 s whatever the reason (`expired`, `held`, `exposed`, `unrecognised` alike), an accepted scan gave
/// nothing, and on an alarm's steady signal a refusal added nothing.
///
/// Pure and clock-free: asked at an offset from the pattern's start.
public struct SignalPattern: Sendable, Equatable, CustomStringConvertible {
    /// Seconds on, off, on, …
    public let steps: [Double]

    /// Bounds: 20 ms is about what a relay and a Modbus write resolve; a pattern of more than 16 steps or 10 s
    /// is no longer a verdict a nurse tells apart at the desk.
    public static let stepRange = 0.02...5.0
    public static let maxSteps = 16
    public static let maxDuration = 10.0

    public init(steps: [Double]) { self.steps = steps }

    /// `"150 100 150"`: milliseconds on, off, on (whole numbers, separated by spaces).
    public static func parse(_ text: String) -> Result<SignalPattern, ParseError> {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard !words.isEmpty else { return .failure(.init("is empty: give milliseconds on, off, on …, e.g. \"150 100 150\"")) }
        guard words.count <= maxSteps else { return .failure(.init("has \(words.count) steps; at most \(maxSteps)")) }
        var steps: [Double] = []
        for w in words {
            guard w.count <= 5, let ms = Int(w), stepRange.contains(Double(ms) / 1000) else {
                return .failure(.init("'\(String(w).truncated(12))' is not a whole number of milliseconds from 20 to 5000"))
            }
            steps.append(Double(ms) / 1000)
        }
        let p = SignalPattern(steps: steps)
        guard p.duration <= maxDuration else { return .failure(.init("lasts \(p.duration) s; at most \(Int(maxDuration)) s")) }
        return .success(p)
    }

    public struct ParseError: Error, Equatable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    public var duration: Double { steps.reduce(0, +) }

    /// Whether the output is in an on step `t` seconds after the start; nil before the start or once it is over.
    public func isOn(at t: Double) -> Bool? {
        guard t >= 0 else { return nil }
        var edge = 0.0
        for (i, s) in steps.enumerated() {
            edge += s
            if t < edge { return i % 2 == 0 }
        }
        return nil
    }

    /// The first step boundary after `t` (the end included), for the poller to switch at; nil when over.
    public func nextEdge(after t: Double) -> Double? {
        var edge = 0.0
        for s in steps {
            edge += s
            if edge > t { return edge }
        }
        return nil
    }

    public var description: String { steps.map { String(Int(($0 * 1000).rounded())) }.joined(separator: " ") }
}

/// What a pattern says: the verdicts a nurse must tell apart at the desk without looking at a screen.
public enum SignalClass: String, Sendable, CaseIterable, Hashable {
    /// Accepted: one short chirp, where the desk wants it (`chirp_on_accept`).
    case accepted
    /// Out of date or on hold: do not give it.
    case expiredOrHeld = "expired_or_held"
    /// Sat through an excursion, awaiting a decision: set it aside.
    case exposed
    /// Not in this fridge's stock, or already out.
    case notInStock = "not_in_stock"
    /// Administered or discarded here, and scanned in again: it must not go back into the fridge.
    case usedOrDiscarded = "used_or_discarded"
    /// Not a code the gateway reads.
    case unrecognised
    /// Any other refusal (another dose should go first, a duplicate, a scan not recorded).
    case other

    /// The class of a scan's verdict.
    public init(verdict: String, refused: Bool) {
        guard refused else { self = .accepted; return }
        switch Verdict(rawValue: verdict) {
        case .expired?, .held?: self = .expiredOrHeld
        case .exposed?: self = .exposed
        case .notInStock?, .alreadyOut?: self = .notInStock
        case .alreadyUsed?, .discarded?: self = .usedOrDiscarded
        case .unrecognised?: self = .unrecognised
        default: self = .other
        }
    }

    /// The defaults (README, "The buzzer"): short and few for the common, long for what needs a look.
    public var defaultPattern: SignalPattern {
        switch self {
        case .accepted: SignalPattern(steps: [0.1])
        case .expiredOrHeld: SignalPattern(steps: [0.15, 0.1, 0.15, 0.1, 0.15])
        case .exposed: SignalPattern(steps: [0.6, 0.2, 0.6])
        case .notInStock: SignalPattern(steps: [0.15, 0.1, 0.6])
        case .usedOrDiscarded: SignalPattern(steps: [0.6, 0.1, 0.15, 0.1, 0.6])
        case .unrecognised: SignalPattern(steps: [1.0])
        case .other: SignalPattern(steps: [2.0])
        }
    }
}
