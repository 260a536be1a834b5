/// A switch read by polling (a door's reed contact, a mains relay), debounced toward its safe side: the side that
/// raises the alarm (a door open, mains off).
///
/// - Toward the safe side, a change is reported once the input has read safe at a poll `debounce` seconds or more
///   after it first did, however often it read the other way meanwhile, as long as no unsafe spell lasted `debounce`.
/// - Away from it, the input must read unsafe continuously for `debounce`.
///
/// A reed contact chatters for tens of milliseconds when a door swings, and a door pushed to that springs back open
/// reads closed for one poll; neither is a door closing, and a single read of "open" between closed ones is not an
/// opening. But the second hardening run found a symmetric rule blind: a door open 90 % of the time, with a 100 ms
/// "closed" blip every second, never held "open" for `debounce` and never alarmed. Here the blips cannot hide it.
///
/// Times are monotonic seconds (the poller's), so a step of the system clock neither hastens nor delays it.
public struct InputDebouncer: Sendable, Equatable {
    public let debounce: Double
    /// The value that raises the alarm: true for a door (open), false for mains (off).
    public let safe: Bool
    /// The value last reported; nil until the first one holds.
    public private(set) var stable: Bool?
    /// Since when the input has been (mostly) safe, in this spell; nil when it is not.
    private var safeSince: Double?
    /// Since when the input has read unsafe without a break; nil when it last read safe.
    private var unsafeSince: Double?

    public init(debounce: Double, safe: Bool = true) { self.debounce = max(0, debounce); self.safe = safe }

    /// One poll's raw value at monotonic time `t`; the new stable value when this read settles a change.
    public mutating func observe(_ raw: Bool, at t: Double) -> Bool? {
        if raw == safe {
            unsafeSince = nil
            if safeSince == nil { safeSince = t }
            guard stable != safe, let since = safeSince, t - since >= debounce else { return nil }
            stable = safe
            return safe
        }
        if unsafeSince == nil { unsafeSince = t }
        guard let since = unsafeSince, t - since >= debounce else { return nil }
        // Unsafe without a break for `debounce`: the safe spell, if any, is over.
        safeSince = nil
        guard stable != raw else { return nil }
        stable = raw
        return raw
    }

    /// Forgets the value in progress (the input could not be read): a change must hold again from the next read.
    public mutating func interrupted() { safeSince = nil; unsafeSince = nil }
}
