import ColdChain
import FoundationEssentials
import Glibc
import POSIX
import Storage

/// The running daemon: binds the control socket, opens the ledger, records how the previous run ended, runs the
/// services until SIGTERM or SIGINT, then records `gateway.stopped` and closes.
public struct GatewayDaemon: Sendable {
    public var config: GatewayConfig
    public var log: Log
    /// The system clock; the daemon records with a RecordClock over it, which never goes backwards.
    public var clock: any WallClock
    /// Measures intervals across the system clock's steps.
    public var steady: any MonotonicClock = SystemMonotonicClock()
    public var notifier: SystemdNotifier
    /// How long a device that failed 3 times in a row is left alone; shorter in tests.
    var pollBackOff = BusPoller.defaultBackOff

    public init(config: GatewayConfig, log: Log, clock: any WallClock = SystemClock(),
                notifier: SystemdNotifier = SystemdNotifier()) {
        self.config = config; self.log = log; self.clock = clock; self.notifier = notifier
    }

    public enum StartError: Error, CustomStringConvertible {
        case ledgerLocked(String)
        public var description: String {
            switch self {
            case .ledgerLocked(let p): "the ledger \(p) is in use by another coldchaind"
            }
        }
    }

    /// Runs until a signal from `signals`; returns the process exit status.
    public func run<Signals: AsyncSequence & Sendable>(signals: Signals) async -> Int32 where Signals.Element == Int32 {
        let listener: FileDescriptor
        let ledger: Ledger
        let lock: FileDescriptor
        do {
            // The socket first: a second daemon must be refused before it touches the ledger.
            listener = try ControlSocket.bind(path: config.control.socket, group: config.control.group, log: log)
            lock = try Self.lockLedger(config.storage.path)
            ledger = try Ledger(path: config.storage.path, progress: { [log] in log.notice($0) })
        } catch {
            log.error("cannot start: \(error)")
            return 1
        }
        defer { lock.close() }
        // One reader for everything start-up reads (the clock's last word, the power's, the state to restore).
        let reader: LedgerReader
        do { reader = try LedgerReader(path: config.storage.path) } catch {
            log.error("cannot start: cannot read the ledger \(config.storage.path): \(error)")
            await ledger.finish()
            return 1
        }
        defer { reader.close() }
        // From here on the time recorded never goes back past the newest event or heartbeat, whatever the system
        // clock says (a board without a battery-backed clock boots with a stale time).
        let clock: RecordClock
        let startedAt: Date
        do {
            let newest = try await ledger.newest()
            let floor = [newest.event?.at, newest.heartbeat, Version.earliestPlausibleTime]
                .compactMap { $0 }.max()
            let lastWord = try reader.latest(types: [EventType.clockBehind, .clockCorrected].map(\.rawValue), limit: 1).first
            clock = RecordClock(system: self.clock, steady: steady, floor: floor, wasBehind: lastWord?.type == EventType.clockBehind.rawValue,
                                policy: config.clock, synchronised: { ClockSync.read().isSynchronised })
            startedAt = clock.now()
            let lastPower = try reader.latest(types: EventType.power.map(\.rawValue), limit: 1).first
            try await recordStart(ledger: ledger, at: startedAt, expectedDown: lastPower?.type == EventType.powerBatteryLow.rawValue)
        } catch {
            log.error("cannot start: cannot read or write the ledger \(config.storage.path): \(error)")
            await ledger.finish()
            return 1
        }
        let services: [any Service]
        do {
            let anchorProblem = try Self.checkConfirmedHead(ledger: ledger, reader: reader, log: log)
            let hub = try MonitorHub(config: config, ledger: ledger, reader: reader, log: log, now: startedAt, recordClock: clock)
            let scans = try ScanHub(config: config, ledger: ledger, monitor: hub, reader: reader, log: log)
            let backups = try config.storage.backup.map { try Backups(settings: $0, config: config, hub: hub, reader: reader, log: log) }
            let ledgerSince = try reader.event(seq: 1)?.at
            let calendar = ClinicCalendar(offset: LocalTime.utcOffset)
            let notify = try config.notify.map { try NotifyCenter(plan: $0, config: config, hub: hub, reader: reader, clock: clock, log: log, calendar: calendar) }
            reader.close()   // its cache is not needed while running (close is idempotent; the defer covers the failures)
            let uplink = UplinkState()
            let commands = ControlCommands(config: config, ledger: ledger, hub: hub, scans: scans, uplink: uplink, startedAt: startedAt,
                                           clock: clock, anchorProblem: anchorProblem, backups: backups, calendar: calendar,
                                           ledgerSince: ledgerSince, notify: notify, log: log)
            // Built a part at a time: one expression of them all was past what the type checker does in reasonable time.
            var all: [any Service] = [
                try ControlServer(listener: listener, path: config.control.socket, handler: commands, log: log),
                HeartbeatService(ledger: ledger, interval: config.storage.heartbeat, clock: clock, notifier: notifier, log: log),
                MonitorTickService(hub: hub, clock: clock, every: 5),
            ]
            if let notify {
                all.append(NotifyService(center: notify, hub: hub, clock: clock))
            } else if let command = config.alarmCommand {
                all.append(AlarmNotifier(command: command, hub: hub, config: config, clock: clock, log: log))
            }
            if let nut = config.power.nut { all.append(UPSService(power: config.power, nut: nut, hub: hub, clock: clock, log: log)) }
            all += config.buses.map { BusPoller(bus: $0, config: config, hub: hub, clock: clock, log: log, backOff: pollBackOff) } as [any Service]
            all += config.scanners.map { ScannerReader(scanner: $0, hub: scans, clock: clock, log: log) } as [any Service]
            if let backups { all.append(BackupService(backups: backups, clock: clock, startedAt: startedAt, calendar: calendar)) }
            if let p = config.platform, let mqtt = p.mqtt {
                let password = Credentials.read(file: mqtt.passwordFile, credential: "platform-mqtt-password") { String($0.prefix { $0 != "\n" && $0 != "\r" }) }
                all.append(MQTTUplinkService(mqtt: mqtt, gateway: config.gateway.id, password: password, ledger: ledger, state: uplink, scans: scans, clock: clock, log: log))
            } else if let p = config.platform {
                let gateway = config.gateway.id, token = Self.token(p)
                all.append(UplinkService(platform: p, gateway: gateway, token: token, ledger: ledger, state: uplink, clock: clock, log: log))
                all.append(HoldsSync(platform: p, gateway: gateway, token: token, scans: scans, clock: clock, log: log))
                all.append(DeliveriesSync(platform: p, gateway: gateway, token: token, scans: scans, clock: clock, log: log))
            }
            services = all
        } catch {
            log.error("cannot start: \(error)")
            await ledger.finish()
            return 1
        }
        let summary = "gateway \(config.gateway.id): \(config.fridges.count) fridge(s), ledger head \(ledger.headSequence)"
            + (ClockSync.read() == .notSynchronised ? "; clock: not synchronised" : "") + (clock.isBehind ? "; clock: behind the record" : "")
        notifier.ready(status: summary)
        log.notice("ready: \(summary); control socket \(config.control.socket)")

        let ending = await ServiceGroup(services, log: log).run(until: signals)
        notifier.stopping()
        let reason: String
        switch ending {
        case .signal(let s): reason = SignalSequence.name(s)
        case .serviceEnded(let n): reason = "service \(n) ended"
        case .serviceFailed(let n, let e): reason = "service \(n) failed: \(e)"
        case .cancelled: reason = "cancelled"
        }
        log.notice("stopping: \(reason)")
        var status: Int32 = 0
        if case .serviceFailed = ending { status = 1 }
        do {
            let now = clock.now()
            try await ledger.append(NewEvent(GatewayStopped(reason: reason, uptimeSeconds: now.timeIntervalSince(startedAt)), at: now))
            try await ledger.writeHeartbeat(at: now)
        } catch {
            log.error("could not record gateway.stopped: \(error)")
            status = 1
        }
        await ledger.finish()
        log.notice("stopped")
        return status
    }

    /// Records a gap since the previous run when there is one, then `gateway.started` and `config.loaded`.
    /// `expectedDown`: the UPS's battery was low at the last record, so a gap says the power ended the run.
    func recordStart(ledger: Ledger, at now: Date, expectedDown: Bool = false) async throws {
        // Read errors stop the start: taken for "nothing there", they would hide the gap since the last run.
        let (last, heartbeat) = try await ledger.newest()
        var events: [NewEvent] = []
        if let gap = GapRule.gap(lastEventType: last?.type, lastEventAt: last?.at,
                                 lastHeartbeat: heartbeat, heartbeatInterval: config.storage.heartbeat, now: now,
                                 expectedDown: expectedDown) {
            log.warning("gap in the record: no data from \(RFC3339.format(gap.from)) to \(RFC3339.format(gap.to)) (\(DurationText.describe(gap.seconds)); previous run ended by \(gap.previousEnd))")
            events.append(NewEvent(GatewayGap(from: gap.from, to: gap.to, seconds: gap.seconds, previousEnd: gap.previousEnd,
                                              lastSeq: Int(last?.seq ?? 0)), at: now))
        }
        events.append(NewEvent(GatewayStarted(gateway: config.gateway.id, site: config.gateway.site, version: Version.current,
                                              pid: Int(getpid())), at: now))
        let configText = FileManager.default.contents(atPath: config.file).map { [UInt8]($0) } ?? []
        events.append(NewEvent(ConfigLoaded(file: config.file, sha256: SHA256.hash(configText).hexString, fridges: config.fridges.map(\.id),
                                            sensors: config.fridges.reduce(0) { $0 + $1.sensors.count }, scanners: config.scanners.count,
                                            platform: config.platform?.address), at: now))
        try await ledger.append(contentsOf: events)
        try await ledger.writeHeartbeat(at: now)
    }

    /// Compares the hash the ledger holds at the head the platform last confirmed with the confirmed one. A ledger
    /// rewritten and re-hashed after that (the one change the chain alone cannot show) differs there. One row read:
    /// the full walk is `verify`'s, which takes seconds a year of history.
    static func checkConfirmedHead(ledger: Ledger, reader: LedgerReader, log: Log) throws -> String? {
        guard let anchor = ledger.confirmedHead() else { return nil }
        let held = try reader.event(seq: anchor.seq)
        guard held?.hash != anchor.hash else { return nil }
        let problem = held == nil
            ? "ledger: event \(anchor.seq), which the platform confirmed, is missing: the record was cut"
            : "ledger: event \(anchor.seq) differs from the head the platform confirmed: the record was rewritten (coldchainctl verify)"
        log.error(problem)
        return problem
    }

    /// The platform token: `token_file`, else the systemd credential `platform-token`. Never logged.
    static func token(_ p: GatewayConfig.Platform) -> String? {
        Credentials.read(file: p.tokenFile, credential: "platform-token") { $0.filter { !$0.isWhitespace } }
    }

    /// Takes an exclusive lock beside the ledger, so two daemons can never write one ledger.
    ///
    /// The corresponding C function is flock(2).
    static func lockLedger(_ path: String) throws -> FileDescriptor {
        let fd = try FileDescriptor(path: path + ".lock", flags: O_RDWR | O_CREAT, mode: 0o640)
        do {
            _ = try systemCall("flock \(path).lock") { flock(fd.rawValue, LOCK_EX | LOCK_NB) }
        } catch let e as Errno where e.code == EWOULDBLOCK {
            throw StartError.ledgerLocked(path)
        }
        return fd
    }
}
