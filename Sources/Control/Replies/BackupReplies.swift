import ColdChain

/// The backup in `status`: where, the newest copy, the last failure, the next run.
public struct BackupStatus: Codable, Sendable, Equatable {
    public var dir: String
    public var lastCompletedAt: String?
    public var lastHeadSeq: Int?
    public var lastFailedAt: String?
    public var lastError: String?
    public var nextAt: String?
    public var running: Bool

    enum CodingKeys: String, CodingKey {
        case dir, running, lastCompletedAt = "last_completed_at", lastHeadSeq = "last_head_seq", lastFailedAt = "last_failed_at"
        case lastError = "last_error", nextAt = "next_at"
    }

    public init(dir: String, lastCompletedAt: String?, lastHeadSeq: Int?, lastFailedAt: String?, lastError: String?, nextAt: String?, running: Bool) {
        self.dir = dir; self.lastCompletedAt = lastCompletedAt; self.lastHeadSeq = lastHeadSeq; self.lastFailedAt = lastFailedAt
        self.lastError = lastError; self.nextAt = nextAt; self.running = running
    }
}
