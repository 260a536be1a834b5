import ColdChain

/// `alarms`: each alarm opened in the window, with who was told, when it was acknowledged and closed, and China
/// CDC's bucket of how long it took to be handled (acknowledged): ≤ 30, ≤ 60, ≤ 120, > 120 min.
public struct AlarmsReply: Codable, Sendable, Equatable {
    public var since: String
    public var alarms: [AlarmRecord]
    /// Acknowledged alarms per bucket, every bucket present.
    public var buckets: [String: Int]
    /// Alarms closed (or still open) without an acknowledgement.
    public var unacknowledged: Int
    public init(since: String, alarms: [AlarmRecord], buckets: [String: Int], unacknowledged: Int) {
        self.since = since; self.alarms = alarms; self.buckets = buckets; self.unacknowledged = unacknowledged
    }
}

public struct AlarmRecord: Codable, Sendable, Equatable {
    public var id: Int
    public var fridge: String
    public var sensor: String
    public var cause: AlarmCause
    public var openedAt: String
    public var acknowledgedAt: String?
    public var acknowledgedUID: Int?
    /// Who acknowledged, by name (`ack --by`, or the person logged in to coldchain-web).
    public var acknowledgedBy: String?
    public var note: String?
    public var closedAt: String?
    /// Seconds from opening to acknowledgement and to closing.
    public var acknowledgeSeconds: Double?
    public var closeSeconds: Double?
    public var bucket: HandlingBucket?
    /// Levels told (1 first), attempts made and how many failed; notices folded into a summary by the hour's bound
    /// (not sent on purpose, counted apart from attempts).
    public var levels: [Int]
    public var attempts: Int
    public var failed: Int
    public var folded: Int

    enum CodingKeys: String, CodingKey {
        case id, fridge, sensor, cause, note, bucket, levels, attempts, failed, folded
        case openedAt = "opened_at", acknowledgedAt = "acknowledged_at", acknowledgedUID = "acknowledged_uid", acknowledgedBy = "acknowledged_by", closedAt = "closed_at"
        case acknowledgeSeconds = "acknowledge_s", closeSeconds = "close_s"
    }

    public init(id: Int, fridge: String, sensor: String, cause: AlarmCause, openedAt: String, acknowledgedAt: String? = nil,
                acknowledgedUID: Int? = nil, acknowledgedBy: String? = nil, note: String? = nil, closedAt: String? = nil, acknowledgeSeconds: Double? = nil,
                closeSeconds: Double? = nil, bucket: HandlingBucket? = nil, levels: [Int] = [], attempts: Int = 0, failed: Int = 0, folded: Int = 0) {
        self.id = id; self.fridge = fridge; self.sensor = sensor; self.cause = cause; self.openedAt = openedAt
        self.acknowledgedAt = acknowledgedAt; self.acknowledgedUID = acknowledgedUID; self.acknowledgedBy = acknowledgedBy; self.note = note; self.closedAt = closedAt
        self.acknowledgeSeconds = acknowledgeSeconds; self.closeSeconds = closeSeconds; self.bucket = bucket; self.levels = levels
        self.attempts = attempts; self.failed = failed; self.folded = folded
    }
}
