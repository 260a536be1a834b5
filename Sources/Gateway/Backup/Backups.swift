import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Storage
import Synchronization

/// The daily backup's state and its runs, for the schedule (`BackupService`) and `backup now`. A run reads the
/// ledger on a connection of its own and writes only to the backup folder, so recording never waits for it; only
/// its one event goes through the hub. A folder that is missing, a stick that is full: `backup.failed` and a
/// status line, and the readings go on.
public final class Backups: Sendable {
    struct State {
        var lastCompleted: (at: Date, body: BackupCompleted)?
        var lastFailure: (at: Date, error: String)?
        var lastAttempt: Date?
        var nextAt: Date?
        var running = false
    }

    let settings: GatewayConfig.Backup
    let ledgerPath: String
    let name: String
    let hub: MonitorHub
    let log: Log
    let state: Mutex<State>

    /// `reader` gives the newest backup events, so `status` and the schedule know the last backup after a restart.
    public init(settings: GatewayConfig.Backup, config: GatewayConfig, hub: MonitorHub, reader: LedgerReader, log: Log) throws {
        self.settings = settings; ledgerPath = config.storage.path; name = config.gateway.id; self.hub = hub; self.log = log
        var s = State()
        for e in try reader.latest(types: [EventType.backupCompleted.rawValue], limit: 1) {
            if case .backupCompleted(let b)? = try? e.typed() { s.lastCompleted = (e.at, b) }
        }
        for e in try reader.latest(types: [EventType.backupFailed.rawValue], limit: 1) {
            if case .backupFailed(let b)? = try? e.typed(), e.at > (s.lastCompleted?.at ?? .distantPast) {
                s.lastFailure = (e.at, b.error)
            }
        }
        state = Mutex(s)
    }

    /// One backup now: blocking, on the caller's thread. Refused while another runs.
    public func run(at now: Date) -> Result<BackupReply, ControlFailure> {
        let busy = state.withLock { s in
            if s.running { return true }
            s.running = true; s.lastAttempt = now
            return false
        }
        if busy { return .failure(ControlFailure(.conflict, "a backup is running; try again when it ends (status shows it)")) }
        defer { state.withLock { $0.running = false } }
        log.info("backup: copying the ledger to \(settings.dir)")
        switch Result(catching: { () throws(LedgerBackup.Failure) in
            try LedgerBackup.run(source: ledgerPath, dir: settings.dir, name: name, keep: settings.keep, now: now)
        }) {
        case .success(let r):
            let body = r.completed
            if let aside = r.setAside { log.warning("backup: the copy in \(settings.dir) did not match the ledger (\(aside.reason)); moved to \(aside.file), writing a new full copy") }
            switch hub.commitExternal({ [NewEvent(body, at: now)] }) {
            case .success(let written):
                state.withLock { $0.lastCompleted = (now, body); $0.lastFailure = nil }
                log.notice("backup: \(body.full ? "full copy" : "extended") \(body.file) to event \(body.headSeq) (\(body.copied) events in \(DurationText.describe(body.seconds)))")
                let notes = r.setAside.map { ["set_aside": $0.file, "set_aside_reason": $0.reason] } ?? [:]
                return .success(BackupReply(seq: written.first?.seq ?? 0, at: written.first?.recordedAt ?? RFC3339.format(now), body: body, notes: notes))
            case .failure(let refusal):
                // The copy is there, but the record cannot say so: not a completed backup as far as the record goes.
                let error = "the copy to event \(body.headSeq) was written, but the ledger cannot record it: \(refusal.reason)"
                state.withLock { $0.lastFailure = (now, error) }
                return .failure(refusal.controlFailure)
            }
        case .failure(let f):
            log.error("backup: \(f.message)")
            state.withLock { $0.lastFailure = (now, f.message) }
            let dir = settings.dir
            hub.commitExternal { [NewEvent(BackupFailed(dir: dir, error: f.message), at: now)] }
            return .failure(ControlFailure(.unavailable, "backup failed: \(f.message)"))
        }
    }

    /// For `status`.
    public func status() -> BackupStatus {
        state.withLock { s in
            BackupStatus(dir: settings.dir, lastCompletedAt: s.lastCompleted.map { RFC3339.format($0.at) }, lastHeadSeq: s.lastCompleted?.body.headSeq,
                         lastFailedAt: s.lastFailure.map { RFC3339.format($0.at) }, lastError: s.lastFailure?.error,
                         nextAt: s.nextAt.map { RFC3339.format($0) }, running: s.running)
        }
    }

    /// What needs a person: a failure newer than the last copy, or no copy for more than a day and a bit.
    public func problems(now: Date) -> [String] {
        state.withLock { s in
            if let f = s.lastFailure { return ["backup: failed at \(RFC3339.format(f.at)): \(f.error)"] }
            if let c = s.lastCompleted, now.timeIntervalSince(c.at) > 26 * 3600 {
                return ["backup: the newest copy is from \(RFC3339.format(c.at)), more than a day ago"]
            }
            return []
        }
    }

    /// When the schedule should run next (and remembers it for `status`).
    func next(now: Date, startedAt: Date, calendar: ClinicCalendar) -> Date {
        state.withLock { s in
            let t = BackupSchedule.next(now: now, startedAt: startedAt, lastCompleted: s.lastCompleted?.at, lastAttempt: s.lastAttempt,
                                        at: settings.at, calendar: calendar)
            s.nextAt = t
            return t
        }
    }
}

/// Runs the backup once a day at `storage.backup.at` (local), and soon after start when the newest is over a day old.
struct BackupService: Service {
    let name = "backup"
    let backups: Backups
    let clock: any WallClock
    let startedAt: Date
    let calendar: ClinicCalendar
    let queue = DispatchQueue(label: "coldchain.backup")

    func run() async throws {
        while true {
            let now = clock.now()
            let due = backups.next(now: now, startedAt: startedAt, calendar: calendar)
            // Woken at least hourly, so a clock set right (or stepped) moves the schedule with it.
            guard await sleep(seconds: min(3600, due.timeIntervalSince(now))) else { return }
            guard clock.now() >= due else { continue }
            let backups = self.backups, at = clock.now()
            _ = try await onQueue(queue) { backups.run(at: at) }
        }
    }
}
