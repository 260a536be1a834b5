import FoundationEssentials

/// Decides, at start-up, whether the ledger must record a `gateway.gap`: regulators must see missing periods,
/// not guess them.
public enum GapRule {
    public struct Gap: Sendable, Equatable {
        public var from: Date
        public var to: Date
        /// "crash" when the previous run ended without `gateway.stopped`, "stopped" when it stopped cleanly,
        /// "battery_low" when it ended without a stop after the UPS said its battery was low (`power.battery_low`).
        public var previousEnd: String
        public var seconds: Double { to.timeIntervalSince(from) }
        public init(from: Date, to: Date, previousEnd: String) { self.from = from; self.to = to; self.previousEnd = previousEnd }
    }

    /// A gap is recorded when the previous run ended without `gateway.stopped`, or when its last sign of life
    /// (heartbeat or event) is older than twice the heartbeat interval. It runs from that last sign of life to now.
    /// `expectedDown`: the last power event is `power.battery_low`, so an end without a stop was the power's.
    public static func gap(lastEventType: String?, lastEventAt: Date?, lastHeartbeat: Date?,
                           heartbeatInterval: Double, now: Date, expectedDown: Bool = false) -> Gap? {
        guard let lastEventType else { return nil }  // a new ledger has no previous run
        let lastAlive = [lastEventAt, lastHeartbeat].compactMap { $0 }.max() ?? now
        let cleanStop = lastEventType == EventType.gatewayStopped.rawValue
        let stale = now.timeIntervalSince(lastAlive) > 2 * heartbeatInterval
        guard !cleanStop || stale else { return nil }
        return Gap(from: min(lastAlive, now), to: now, previousEnd: cleanStop ? "stopped" : expectedDown ? "battery_low" : "crash")
    }
}
