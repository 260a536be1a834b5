import ColdChain
import Control
import FoundationEssentials
import Synchronization

/// What `coldchainctl outbox` and `status` show of the uplink.
public final class UplinkState: Sendable {
    public typealias Phase = UplinkPhase
    public init() {}

    struct Snapshot {
        var phase: Phase = .idle
        var lastSuccess: Date?
        var lastError: String?
        var nextAttempt: Date?
        var sent: Int64 = 0
    }

    let snapshot = Mutex(Snapshot())
    /// Set by `uplink retry` after the platform rejected a batch.
    let retryRequested = Mutex(false)

    func update(_ change: (inout Snapshot) -> Void) { snapshot.withLock { change(&$0) } }

    public func status(pending: Int64, oldestPending: String?, configured: Bool) -> UplinkStatus {
        let s = snapshot.withLock { $0 }
        return UplinkStatus(state: configured ? s.phase : .notConfigured, pending: pending, sent: s.sent, oldestPendingAt: oldestPending,
                            lastSuccess: s.lastSuccess.map { RFC3339.format($0) }, lastError: s.lastError,
                            nextAttempt: s.nextAttempt.map { RFC3339.format($0) })
    }
}
