/// `ack`: the acknowledgement's ledger event and who gave it.
public struct AckReply: Codable, Sendable, Equatable {
    public var acknowledged: Int
    public var seq: Int64
    public var uid: UInt32
    public init(acknowledged: Int, seq: Int64, uid: UInt32) { self.acknowledged = acknowledged; self.seq = seq; self.uid = uid }
}

/// `uplink retry`.
public struct RetryReply: Codable, Sendable, Equatable {
    public var retry: Bool
    public init(retry: Bool) { self.retry = retry }
}

/// `watch`: the stream has started; `WatchLine`s follow.
public struct WatchStarted: Codable, Sendable, Equatable {
    public var watching: Bool
    public init(watching: Bool) { self.watching = watching }
}

/// `help`: the commands the daemon knows.
public struct HelpReply: Codable, Sendable, Equatable {
    public var commands: [String]
    public init(commands: [String]) { self.commands = commands }
}

/// `notify test`: how each channel's test message fared.
public struct NotifyTestResult: Codable, Sendable, Equatable {
    public var channel: String
    public var kind: String
    public var recipient: String
    public var ok: Bool
    public var error: String?
    public init(channel: String, kind: String, recipient: String, ok: Bool, error: String?) {
        self.channel = channel; self.kind = kind; self.recipient = recipient; self.ok = ok; self.error = error
    }
}

/// `version`: what the running daemon is. `build` is the GNU build-id of its executable (the linker's hash of its
/// contents: two builds of the same version differ there), `schema` the ledger migration it runs on.
public struct VersionReply: Codable, Sendable, Equatable {
    public var version: String
    public var build: String
    public var configuration: String
    public var schema: String
    public var migrations: Int
    public var pid: Int
    public var startedAt: String
    public var uptimeSeconds: Double
    public init(version: String, build: String, configuration: String, schema: String, migrations: Int, pid: Int, startedAt: String,
                uptimeSeconds: Double) {
        self.version = version; self.build = build; self.configuration = configuration; self.schema = schema; self.migrations = migrations
        self.pid = pid; self.startedAt = startedAt; self.uptimeSeconds = uptimeSeconds
    }
}

/// A line the daemon wrote to its log at another program's request.
public struct LoggedReply: Codable, Sendable, Equatable {
    public var logged: Bool
    public init(logged: Bool) { self.logged = logged }
}
