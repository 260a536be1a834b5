/// A switch read by polling (a door's reed contact, a mains relay), reported only once it has read the same for
/// `debounce` seconds. A reed contact chatters for tens of milliseconds when a door swings, and a door pushed to
/// that springs back open reads closed for one poll; neither is a door closing.
///
/// Times are monotonic seconds (the poller's), so a step of the system clock neither hastens nor delays it.
public struct InputDebouncer: Sendable, Equatable {
    public let debounce: Double
    /// The value last reported; nil until the first one holds.
    public private(set) var stable: Bool?
    private var candidate: Bool?
    private var candidateSince = 0.0

    public init(debounce: Double) { self.debounce = max(0, debounce) }

    /// One poll's raw value at monotonic time `t`; the new stable value when this read settles a change.
    public mutating func observe(_ raw: Bool, at t: Double) -> Bool? {
        if raw == stable { candidate = nil; return nil }
        if candidate != raw { candidate = raw; candidateSince = t }
        guard t - candidateSince >= debounce else { return nil }
        stable = raw
        candidate = nil
        return raw
    }

    /// Forgets the value in progress (the input could not be read): a change must hold again from the next read.
    public mutating func interrupted() { candidate = nil }
}
