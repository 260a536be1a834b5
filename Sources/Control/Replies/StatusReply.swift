import ColdChain

/// `status`: the gateway, its ledger, fridges, buses, alarms and uplink, with what needs a person first.
public struct StatusReply: Codable, Sendable, Equatable {
    /// What needs a person now; the CLI prints these above everything else.
    public var problems: [String]
    public var gateway: GatewayIdentity
    public var version: String
    public var pid: Int
    public var startedAt: String
    public var uptimeSeconds: Double
    public var ledger: LedgerInfo
    /// Scanners whose line is noisy now.
    public var scanners: [NoisyScanner]
    public var fridges: [FridgeStatus]
    public var buses: [BusStatus]
    public var alarms: [AlarmSummary]
    public var platform: PlatformInfo
    public var uplink: UplinkStatus
    /// Absent when no backup is configured.
    public var backup: BackupStatus?
    /// Absent from a daemon before the record clock.
    public var clock: ClockInfo?
    /// Power sources (a UPS through NUT, mains inputs) and door switches; absent from a daemon before them.
    public var power: [PowerStatus]?
    public var doors: [DoorStatus]?
    /// Each configured scanner: its mode and fridge now, its link, its last scan since the daemon started.
    public var scannerStates: [ScannerStatus]?
    /// Excursions and alarms of the last 24 hours, open or closed: ten seconds after an excursion ended, `status`
    /// said `ok` and `no open alarms`. Absent when the ledger could not be read.
    public var recent: RecentHistory?

    enum CodingKeys: String, CodingKey {
        case problems, gateway, version, pid, ledger, scanners, fridges, buses, alarms, platform, uplink, backup, clock, power, doors, recent
        case startedAt = "started_at", uptimeSeconds = "uptime_s", scannerStates = "scanner_states"
    }

    public init(problems: [String], gateway: GatewayIdentity, version: String, pid: Int, startedAt: String, uptimeSeconds: Double,
                ledger: LedgerInfo, scanners: [NoisyScanner], fridges: [FridgeStatus], buses: [BusStatus], alarms: [AlarmSummary],
                platform: PlatformInfo, uplink: UplinkStatus, backup: BackupStatus? = nil, clock: ClockInfo? = nil,
                power: [PowerStatus]? = nil, doors: [DoorStatus]? = nil, scannerStates: [ScannerStatus]? = nil, recent: RecentHistory? = nil) {
        self.problems = problems; self.gateway = gateway; self.version = version; self.pid = pid; self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds; self.ledger = ledger; self.scanners = scanners; self.fridges = fridges; self.buses = buses
        self.alarms = alarms; self.platform = platform; self.uplink = uplink; self.backup = backup; self.clock = clock
        self.power = power; self.doors = doors; self.scannerStates = scannerStates; self.recent = recent
    }
}

/// The system clock as the daemon sees it: synchronised (the kernel's STA_UNSYNC, nil when it cannot be read), and
/// whether it is behind the record's time (RecordClock), with both times.
public struct ClockInfo: Codable, Sendable, Equatable {
    public var synchronised: Bool?
    public var behind: Bool
    /// Seconds the system clock is ahead of the record while that step is not followed (clock.ahead).
    public var aheadSeconds: Double?
    public var system: String
    public var recorded: String
    public init(synchronised: Bool?, behind: Bool, aheadSeconds: Double? = nil, system: String, recorded: String) {
        self.synchronised = synchronised; self.behind = behind; self.aheadSeconds = aheadSeconds; self.system = system; self.recorded = recorded
    }

    /// "synchronised", "not synchronised" or "unknown", and "behind the record" when it is.
    public var summary: String {
        (synchronised.map { $0 ? "synchronised" : "not synchronised" } ?? "synchronisation unknown") + (behind ? ", behind the record" : "")
            + (aheadSeconds.map { ", \(DurationText.describe($0)) ahead of the record (not followed until confirmed)" } ?? "")
    }
}

public struct GatewayIdentity: Codable, Sendable, Equatable {
    public var id: String
    public var site: String
    public init(id: String, site: String) { self.id = id; self.site = site }
}

public struct LedgerInfo: Codable, Sendable, Equatable {
    public var path: String
    public var headSeq: Int64
    /// The database and its write-ahead log.
    public var sizeBytes: Int64
    /// Set while the ledger refuses writes (disk full, I/O error).
    public var writeError: WriteError?
    /// Growth a day, free space, days until full.
    public var outlook: StorageOutlook?

    public struct WriteError: Codable, Sendable, Equatable {
        public var since: String
        public var error: String
        public init(since: String, error: String) { self.since = since; self.error = error }
    }

    enum CodingKeys: String, CodingKey { case path, outlook, headSeq = "head_seq", sizeBytes = "size_bytes", writeError = "write_error" }

    public init(path: String, headSeq: Int64, sizeBytes: Int64, writeError: WriteError?, outlook: StorageOutlook? = nil) {
        self.path = path; self.headSeq = headSeq; self.sizeBytes = sizeBytes; self.writeError = writeError; self.outlook = outlook
    }
}

/// A scanner line producing unrecognised codes faster than a person scans.
public struct ScannerStatus: Codable, Sendable, Equatable {
    public var id: String
    public var device: String
    public var mode: ScannerMode
    public var fridge: String
    /// Whether its device is open now, since when, and why not.
    public var up: Bool
    public var since: String?
    public var error: String?
    public var lastScan: LastScan?

    public struct LastScan: Codable, Sendable, Equatable {
        public var at: String
        public var verdict: String
        public var refused: Bool
        public init(at: String, verdict: String, refused: Bool) { self.at = at; self.verdict = verdict; self.refused = refused }
    }

    enum CodingKeys: String, CodingKey { case id, device, mode, fridge, up, since, error, lastScan = "last_scan" }

    public init(id: String, device: String, mode: ScannerMode, fridge: String, up: Bool, since: String?, error: String?, lastScan: LastScan?) {
        self.id = id; self.device = device; self.mode = mode; self.fridge = fridge; self.up = up; self.since = since; self.error = error
        self.lastScan = lastScan
    }
}

/// What happened in the last 24 hours that a person should still hear of.
public struct RecentHistory: Codable, Sendable, Equatable {
    public var hours: Int
    public var excursions: [ExcursionRow]
    public var alarms: [AlarmRecord]
    public init(hours: Int, excursions: [ExcursionRow], alarms: [AlarmRecord]) {
        self.hours = hours; self.excursions = excursions; self.alarms = alarms
    }
}

public struct NoisyScanner: Codable, Sendable, Equatable {
    public var scanner: String
    public var since: String
    public var notRecordedIndividually: Int
    enum CodingKeys: String, CodingKey { case scanner, since, notRecordedIndividually = "not_recorded_individually" }
    public init(scanner: String, since: String, notRecordedIndividually: Int) {
        self.scanner = scanner; self.since = since; self.notRecordedIndividually = notRecordedIndividually
    }
}

public struct BusStatus: Codable, Sendable, Equatable {
    public var id: String
    public var endpoint: String
    public var connected: Bool
    public var errors: Int
    /// Units the poller has backed off from.
    public var backedOff: [String]
    public var lastError: String?
    enum CodingKeys: String, CodingKey { case id, endpoint, connected, errors, backedOff = "backed_off", lastError = "last_error" }
    public init(id: String, endpoint: String, connected: Bool, errors: Int, backedOff: [String], lastError: String?) {
        self.id = id; self.endpoint = endpoint; self.connected = connected; self.errors = errors; self.backedOff = backedOff
        self.lastError = lastError
    }
}

/// Where events are forwarded, if anywhere.
public struct PlatformInfo: Codable, Sendable, Equatable {
    public var configured: Bool
    public var url: String?
    public var format: String?
    /// Said when nothing is configured.
    public var state: String?
    public init(configured: Bool, url: String? = nil, format: String? = nil, state: String? = nil) {
        self.configured = configured; self.url = url; self.format = format; self.state = state
    }
}
