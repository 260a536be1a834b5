import ColdChain
import Control
import FoundationEssentials
import POSIX
import Storage
import Synchronization

/// Tells people of alarms, level by level (`notify`): the escalation rule decides who is due, each notice goes to
/// its channels, and every attempt is recorded as `alarm.notified`. A failed attempt is retried with back-off,
/// for that channel (and, for SMS, those numbers) only.
///
/// `step(now:)` does the work, blocking, on the caller's thread: NotifyService calls it on a queue of its own
/// every few seconds (so a robot that takes 20 s to answer never delays polling or scanning), and tests call it
/// with an injected clock. The hub's listener only changes state under the lock.
final class NotifyCenter: Sendable {
    struct Pending: Sendable {
        var message: AlarmMessage
        var notice: Escalation.Notice
        var channel: String
        /// SMS numbers still to be told (a retry); nil: the whole channel.
        var numbers: [String]?
        var attempt: Int
        var due: Date
        var firstAt: Date
    }

    struct Acknowledgement: Sendable { var by: String; var note: String }

    struct State: Sendable {
        var escalation: Escalation
        var pending: [Pending] = []
        var acks: [Int: Acknowledgement] = [:]
    }

    let plan: NotifyPlan
    let config: GatewayConfig
    let hub: MonitorHub
    let log: Log
    let calendar: ClinicCalendar
    let state: Mutex<State>
    // The sender holds the HTTP client, which is not Sendable: it is only used inside `step`/`sendTest`, which
    // the caller runs one at a time (NotifyService's queue).
    private let sender: Mutex<ChannelSender>

    /// Retries wait 30 s, then twice as long each time, up to 10 min; a notice is given up after a day.
    static let firstRetry = 30.0, maxRetry = 600.0, giveUpAfter = 86_400.0
    /// More notices than this waiting (a channel down for days with many alarms): the oldest reminders go first.
    static let maxPending = 500

    init(plan: NotifyPlan, config: GatewayConfig, hub: MonitorHub, reader: LedgerReader, clock: any WallClock, log: Log,
         calendar: ClinicCalendar, searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") throws {
        self.plan = plan; self.config = config; self.hub = hub; self.log = log; self.calendar = calendar
        sender = Mutex(ChannelSender(gateway: config.gateway.id, alarmCommand: config.alarmCommand, searchPath: searchPath, clock: clock))
        state = Mutex(State(escalation: try Self.restore(plan: plan, hub: hub, reader: reader)))
    }

    /// The escalation of the alarms open at start: the levels their `alarm.notified` events say were told.
    static func restore(plan: NotifyPlan, hub: MonitorHub, reader: LedgerReader) throws -> Escalation {
        var e = Escalation(plan: plan)
        let open = hub.openAlarms
        guard let oldest = open.map(\.openedAt).min() else { return e }
        let from = try reader.lastEvent(before: oldest)?.seq ?? 0
        var told: [Int: [Int: Date]] = [:]
        for ev in try reader.events(types: [EventType.alarmNotified.rawValue], after: from) {
            guard case .alarmNotified(let n)? = try? ev.typed(), let level = n.level, let at = RFC3339.parse(ev.at),
                  [.opened, .escalated, .reminder].contains(n.kind) else { continue }
            told[n.alarm, default: [:]][level] = max(told[n.alarm]?[level] ?? at, at)
        }
        for a in open {
            e.restore(Escalation.Alarm(id: a.id, cause: a.cause, fridge: a.fridge, sensor: a.sensor, openedAt: a.openedAt),
                      told: told[a.id] ?? [:], acknowledged: a.acknowledged)
        }
        return e
    }

    // MARK: input

    /// An alarm event the hub recorded: opens, acknowledges or closes the alarm's escalation. Quick: no sending.
    func alarmEvent(_ typed: TypedEvent, at t: Date) {
        state.withLock { s in
            switch typed {
            case .alarmOpened(let a):
                s.escalation.opened(Escalation.Alarm(id: a.alarm, cause: a.cause, fridge: a.fridge, sensor: a.sensor, openedAt: t))
            case .alarmAcknowledged(let a):
                s.acks[a.alarm] = Acknowledgement(by: UserName.of(uid: a.uid), note: a.note)
                Self.dropCalls(for: a.alarm, &s)
                let alarm = s.escalation.alarms[a.alarm]?.alarm
                let notices = s.escalation.acknowledged(alarm: a.alarm)
                if let alarm { enqueue(notices, alarm: alarm, at: t, state: &s) }
            case .alarmClosed(let a):
                Self.dropCalls(for: a.alarm, &s)
                let alarm = s.escalation.alarms[a.alarm]?.alarm
                let notices = s.escalation.closed(alarm: a.alarm)
                if let alarm { enqueue(notices, alarm: alarm, at: t, state: &s) }
                s.acks[a.alarm] = nil
            case .clockCorrected(let c) where c.offsetSeconds > 0:
                // A forward step is no time an alarm waited (the hub leaves it out of its intervals the same way).
                s.escalation.clockStepped(by: c.offsetSeconds)
            default: break
            }
        }
    }

    /// Once someone has acknowledged (or the alarm has ended), retrying a call for help is noise: only the news
    /// of the acknowledgement and of the end are still sent.
    static func dropCalls(for alarm: Int, _ s: inout State) {
        s.pending.removeAll { $0.notice.alarm == alarm && [.opened, .escalated, .reminder].contains($0.notice.kind) }
    }

    private func enqueue(_ notices: [Escalation.Notice], alarm: Escalation.Alarm, at t: Date, state s: inout State) {
        for n in notices {
            let m = message(n, alarm: alarm, at: t, ack: s.acks[alarm.id])
            for c in n.channels where plan.channels[c] != nil {
                s.pending.append(Pending(message: m, notice: n, channel: c, numbers: nil, attempt: 1, due: t, firstAt: t))
            }
        }
        if s.pending.count > Self.maxPending {
            let excess = s.pending.count - Self.maxPending
            var dropped = 0
            s.pending.removeAll { p in
                guard dropped < excess, p.notice.kind == .reminder else { return false }
                dropped += 1
                return true
            }
            if s.pending.count > Self.maxPending { s.pending.removeFirst(s.pending.count - Self.maxPending) }
            log.error("notify: more than \(Self.maxPending) notices waiting; the oldest were dropped")
        }
    }

    /// The message a notice sends, as things stand at `t`.
    func message(_ n: Escalation.Notice, alarm a: Escalation.Alarm, at t: Date, ack: Acknowledgement?) -> AlarmMessage {
        let fridge = config.fridges.first { $0.id == a.fridge }
        let elapsed = t.timeIntervalSince(a.openedAt)
        let minutes = elapsed.isFinite && elapsed > 0 && elapsed < 1e9 ? Int(elapsed / 60) : 0
        return AlarmMessage(kind: n.kind, level: n.level + 1, alarm: a.id, cause: a.cause, fridge: a.fridge, fridgeName: fridge?.name,
                            sensor: a.sensor, celsius: a.cause == .excursion ? hub.lastCelsius(sensor: a.sensor) : nil,
                            lowC: fridge?.alarm.low?.limitC, highC: fridge?.alarm.high?.limitC, openedAt: a.openedAt,
                            openedLocal: calendar.localClockText(a.openedAt), minutes: minutes,
                            acknowledgedBy: ack?.by, note: ack?.note, gateway: config.gateway.id, site: config.gateway.site)
    }

    // MARK: work

    /// What is due at `now`: new levels and reminders, then every notice whose time has come, sent and recorded.
    func step(now: Date) {
        let due: [Pending] = state.withLock { s in
            let notices = s.escalation.due(now)
            for n in notices {
                guard let a = s.escalation.alarms[n.alarm]?.alarm else { continue }
                enqueue([n], alarm: a, at: now, state: &s)
            }
            let ready = s.pending.filter { $0.due <= now }
            s.pending.removeAll { $0.due <= now }
            return ready
        }
        for p in due { deliver(p, now: now) }
    }

    private func deliver(_ p: Pending, now: Date) {
        guard let channel = plan.channels[p.channel] else { return }
        let attempts = sender.withLock { $0.send(p.message, via: channel, only: p.numbers) }
        record(attempts, alarm: p.notice.alarm, level: p.notice.level, kind: p.notice.kind, channel: p.channel, attempt: p.attempt, at: now)
        let failed = attempts.filter { $0.error != nil }
        guard !failed.isEmpty else {
            log.info("notify: alarm \(p.notice.alarm) \(p.notice.kind.rawValue) sent to \(p.channel)")
            return
        }
        for a in failed {
            log.warning("notify: alarm \(p.notice.alarm) to \(p.channel) (\(a.recipient)) failed, attempt \(p.attempt): \(a.error ?? "?")")
        }
        guard now.timeIntervalSince(p.firstAt) < Self.giveUpAfter else {
            log.error("notify: alarm \(p.notice.alarm) \(p.notice.kind.rawValue) to \(p.channel) failed for a day; given up")
            return
        }
        let wait = min(Self.firstRetry * Double(1 << min(p.attempt - 1, 10)), Self.maxRetry)
        var retry = p
        retry.attempt += 1
        retry.due = now.addingTimeInterval(wait)
        retry.numbers = channel.kind == .sms ? failed.compactMap(\.number) : nil
        state.withLock { $0.pending.append(retry) }
    }

    /// Records each recipient's attempt as `alarm.notified` (sent or not, the attempt happened).
    private func record(_ attempts: [ChannelSender.Attempt], alarm: Int, level: Int?, kind: Escalation.Kind, channel: String, attempt: Int, at t: Date) {
        let events = attempts.map { a in
            NewEvent(AlarmNotified(alarm: alarm, level: level, kind: kind, channel: channel, recipient: a.recipient, ok: a.error == nil,
                                   error: a.error, attempt: attempt), at: t)
        }
        if case .failure(let refusal) = hub.commitExternal({ events }) {
            log.error("notify: could not record \(events.count) attempt(s) for alarm \(alarm): \(refusal.reason)")
        }
    }

    /// `notify test`: a test message to every channel (or one), sent now, each attempt recorded (alarm 0).
    func sendTest(channel only: String?, now: Date) -> [NotifyTestResult] {
        let names = plan.channels.keys.sorted().filter { only == nil || $0 == only }
        let m = AlarmMessage(kind: .test, level: 0, alarm: 0, cause: .excursion, fridge: "-", fridgeName: nil, sensor: "-", celsius: nil,
                             lowC: nil, highC: nil, openedAt: now, openedLocal: "", minutes: 0, gateway: config.gateway.id, site: config.gateway.site)
        var results: [NotifyTestResult] = []
        for name in names {
            guard let channel = plan.channels[name] else { continue }
            let attempts = sender.withLock { $0.send(m, via: channel) }
            record(attempts, alarm: 0, level: nil, kind: .test, channel: name, attempt: 1, at: now)
            results += attempts.map { NotifyTestResult(channel: name, kind: channel.kind.rawValue, recipient: $0.recipient, ok: $0.error == nil, error: $0.error) }
        }
        return results
    }

    /// Notices waiting for a retry after a failed attempt, by channel, for `status`.
    var retrying: [String: Int] {
        state.withLock { s in s.pending.filter { $0.attempt > 1 }.reduce(into: [:]) { $0[$1.channel, default: 0] += 1 } }
    }
}
