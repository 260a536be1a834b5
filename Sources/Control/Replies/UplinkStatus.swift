/// What the uplink is doing.
public enum UplinkPhase: String, Codable, Sendable {
    case idle, sending, retrying, rejected
    /// The uplink cannot read its own cursor (see `lastError`); nothing is sent.
    case stopped
    case notConfigured = "not_configured"
    /// `status` could not read the cursor to say.
    case unknown
}

/// `outbox` (and part of `status`): what waits for the platform.
public struct UplinkStatus: Codable, Sendable, Equatable {
    public var state: UplinkPhase
    /// Events recorded and not yet confirmed; nil when the cursor cannot be read.
    public var pending: Int64?
    public var sent: Int64?
    public var oldestPendingAt: String?
    public var lastSuccess: String?
    public var lastError: String?
    public var nextAttempt: String?

    enum CodingKeys: String, CodingKey {
        case state, pending, sent
        case oldestPendingAt = "oldest_pending_at", lastSuccess = "last_success", lastError = "last_error", nextAttempt = "next_attempt"
    }

    public init(state: UplinkPhase, pending: Int64?, sent: Int64?, oldestPendingAt: String? = nil, lastSuccess: String? = nil,
                lastError: String? = nil, nextAttempt: String? = nil) {
        self.state = state; self.pending = pending; self.sent = sent; self.oldestPendingAt = oldestPendingAt
        self.lastSuccess = lastSuccess; self.lastError = lastError; self.nextAttempt = nextAttempt
    }
}
