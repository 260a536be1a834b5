import ColdChain
import FoundationEssentials
import Synchronization

/// What `coldchainctl outbox` and `status` show of the uplink.
public final class UplinkState: Sendable {
    /// `stopped`: the uplink cannot read its own cursor (see `last_error`); nothing is sent.
    public enum Phase: String, Sendable { case idle, sending, retrying, rejected, stopped, notConfigured = "not_configured" }

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

    public func json(pending: Int64, oldestPending: String?, configured: Bool) -> JSONValue {
        let s = snapshot.withLock { $0 }
        var o: [String: JSONValue] = ["state": .string(configured ? s.phase.rawValue : Phase.notConfigured.rawValue),
                                      "pending": .number(Double(pending)), "sent": .number(Double(s.sent))]
        if let t = oldestPending { o["oldest_pending_at"] = .string(t) }
        if let t = s.lastSuccess { o["last_success"] = .string(RFC3339.format(t)) }
        if let e = s.lastError { o["last_error"] = .string(e) }
        if let t = s.nextAttempt { o["next_attempt"] = .string(RFC3339.format(t)) }
        return .object(o)
    }
}
