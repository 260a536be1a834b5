import ColdChain
import Control
import Dispatch
import FoundationEssentials
import POSIX
import Storage
import Synchronization

/// Tells people of alarms, level by level (`notify`): the escalation rule decides who is due, each notice goes to
/// its channels, and every attempt is recorded as `alarm.notified`, at the time it was made. A failed attempt is
/// retried with back-off, for that channel (and, for SMS, those numbers) only.
///
/// Each channel sends on a serial queue of its own (its `Serialized` sender). The second hardening run measured why: with one
/// queue for all, 8 alarms' SMS went out 18 s to 104 s late behind a robot that never answered. `step(now:)` only
/// decides what is due and hands each channel its notices; a channel still busy with an earlier send keeps its new
/// notices until it is free, so a hung channel holds up nobody else's first attempt.
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
        /// Channels with a send under way on their queue.
        var busy: Set<String> = []
        /// When each channel last ran `notify test`.
        var lastTest: [String: Date] = [:]
        /// SMS handed to a tool in the last 24 hours, per sms channel (at most `smsPerDay` kept).
        var smsSent: [String: [Date]] = [:]
        /// The hour's bound per cause, fridge and channel, and what it folded.
        var budget: NoticeBudget
    }

    let plan: NotifyPlan
    let config: GatewayConfig
    let hub: MonitorHub
    let log: Log
    let calendar: ClinicCalendar
    /// The record clock: each attempt is stamped when it was made, not when its round began.
    let clock: any WallClock
    let state: Mutex<State>
    let workers: [String: Serialized<ChannelSender>]

    /// More notices than this waiting (a channel down for days with many alarms): the oldest reminders go first.
    static let maxPending = 500
    /// `notify test` runs at most this often per channel (16 at once sent 16 SMS).
    static let testInterval = 60.0
    /// The words that mark an SMS refused for the day's budget: such an attempt cost nothing and is not retried.
    static let budgetRefusal = "not sent: the SMS budget"

    init(plan: NotifyPlan, config: GatewayConfig, hub: MonitorHub, reader: LedgerReader, clock: any WallClock, log: Log,
         calendar: ClinicCalendar, searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
         robotTimeout: Double = 20) throws {
        self.plan = plan; self.config = config; self.hub = hub; self.log = log; self.calendar = calendar; self.clock = clock
        var workers: [String: Serialized<ChannelSender>] = [:]
        for name in plan.channels.keys {
            workers[name] = Serialized(ChannelSender(gateway: config.gateway.id, alarmCommand: config.alarmCommand, searchPath: searchPath,
                                                     clock: clock, robotTimeout: robotTimeout), label: "coldchain.notify.\(name)")
        }
        self.workers = workers
        state = Mutex(State(escalation: Escalation(plan: plan), budget: NoticeBudget(perHour: plan.maxPerHour)))
        try restore(reader: reader, now: clock.now())
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

    /// What is due at `now`: new levels and reminders, then every notice whose time has come, handed to its channel's
    /// queue (a busy channel keeps them for the next step). A first attempt past the hour's bound for its cause, fridge
    /// and channel is folded (recorded, not sent) into that key's summary, which is sent when due. Quick: no sending
    /// on the caller's thread; the folded notices are recorded after the lock is let go.
    func step(now: Date) {
        let (work, folded): ([String: [Pending]], [Pending]) = state.withLock { s in
            let notices = s.escalation.due(now)
            for n in notices {
                guard let a = s.escalation.alarms[n.alarm]?.alarm else { continue }
                enqueue([n], alarm: a, at: now, state: &s)
            }
            var ready: [String: [Pending]] = [:]
            var folded: [Pending] = []
            s.pending.removeAll { p in
                guard p.due <= now, !s.busy.contains(p.channel), workers[p.channel] != nil else { return false }
                if p.attempt == 1, p.notice.kind != .summary,
                   !s.budget.admit(.init(cause: p.message.cause, fridge: p.message.fridge, channel: p.channel), alarm: p.notice.alarm, now: now) {
                    folded.append(p)
                } else {
                    ready[p.channel, default: []].append(p)
                }
                return true
            }
            for (key, f) in s.budget.summariesDue(now) where workers[key.channel] != nil {
                let open = s.escalation.alarms.values.filter { $0.alarm.cause == key.cause && $0.alarm.fridge == key.fridge }.map(\.alarm.id).sorted()
                let m = summaryMessage(key, f, stillOpen: open, at: now)
                let p = Pending(message: m, notice: .init(alarm: f.alarms.last ?? 0, level: 0, kind: .summary, channels: [key.channel]),
                                channel: key.channel, numbers: nil, attempt: 1, due: now, firstAt: now)
                if s.busy.contains(key.channel) { s.pending.append(p) } else { ready[key.channel, default: []].append(p) }
            }
            s.busy.formUnion(ready.keys)
            return (ready, folded)
        }
        for p in folded {
            record([.init(recipient: "-", number: nil, error: nil)], alarm: p.notice.alarm, level: p.notice.level, kind: p.notice.kind,
                   channel: p.channel, attempt: 1, folded: true)
        }
        if let first = folded.first {
            log.warning("notify: \(folded.count) notice(s) folded into a summary, the hour's bound of \(plan.maxPerHour) per cause, fridge "
                        + "and channel reached (first: alarm \(first.notice.alarm) \(first.notice.kind.rawValue) to \(first.channel))")
        }
        for (name, list) in work {
            guard let worker = workers[name] else { continue }
            worker.enqueue { [self] sender in
                for p in list { deliver(p, by: sender) }
                state.withLock { _ = $0.busy.remove(name) }
            }
        }
    }

    /// The summary of the notices one key folded, as things stand at `t`.
    func summaryMessage(_ key: NoticeBudget.Key, _ f: NoticeBudget.Folded, stillOpen: [Int], at t: Date) -> AlarmMessage {
        let fridge = config.fridges.first { $0.id == key.fridge }
        var m = AlarmMessage(kind: .summary, level: 0, alarm: f.alarms.last ?? 0, cause: key.cause, fridge: key.fridge, fridgeName: fridge?.name,
                             sensor: "-", celsius: nil, lowC: fridge?.alarm.low?.limitC, highC: fridge?.alarm.high?.limitC, openedAt: f.first,
                             openedLocal: calendar.localClockText(f.first), minutes: 0, gateway: config.gateway.id, site: config.gateway.site)
        m.summary = .init(notices: f.notices, alarms: f.alarms.count, fromLocal: calendar.localClockText(f.first),
                          toLocal: calendar.localClockText(f.last), stillOpen: stillOpen)
        return m
    }

    /// Waits until every channel's queue has finished what it was given (tests, and a clean stop).
    func waitIdle() {
        for w in workers.values { w.blocking { _ in } }
    }

    /// On the channel's queue.
    private func deliver(_ p: Pending, by sender: ChannelSender) {
        guard let channel = plan.channels[p.channel] else { return }
        let (sent, refused) = send(p.message, via: p.channel, channel, only: p.numbers, by: sender)
        let attempts = sent + refused
        let at = record(attempts, alarm: p.notice.alarm, level: p.notice.kind == .summary ? nil : p.notice.level, kind: p.notice.kind,
                        channel: p.channel, attempt: p.attempt, folds: p.message.summary?.notices)
        let failed = sent.filter { $0.error != nil }
        for r in refused.prefix(1) { log.error("notify: alarm \(p.notice.alarm) to \(p.channel): \(r.error ?? "")") }
        guard !failed.isEmpty else {
            if !sent.isEmpty { log.info("notify: alarm \(p.notice.alarm) \(p.notice.kind.rawValue) sent to \(p.channel)") }
            return
        }
        for a in failed {
            log.warning("notify: alarm \(p.notice.alarm) to \(p.channel) (\(a.recipient)) failed, attempt \(p.attempt): \(a.error ?? "?")")
        }
        guard at.timeIntervalSince(p.firstAt) < NotifyRetry.giveUpAfter else {
            log.error("notify: alarm \(p.notice.alarm) \(p.notice.kind.rawValue) to \(p.channel) failed for a day; given up")
            return
        }
        var retry = p
        retry.attempt += 1
        retry.due = at.addingTimeInterval(NotifyRetry.wait(after: p.attempt))
        retry.numbers = channel.kind == .sms ? failed.compactMap(\.number) : nil
        state.withLock { $0.pending.append(retry) }
    }

    /// On the channel's queue: one send, an SMS channel's numbers first claimed from its day's budget. Numbers past
    /// the budget are not sent and come back as refusals (they cost nothing, and are not retried).
    private func send(_ m: AlarmMessage, via name: String, _ channel: NotifyPlan.Channel, only numbers: [String]?,
                      by sender: ChannelSender) -> (sent: [ChannelSender.Attempt], refused: [ChannelSender.Attempt]) {
        guard channel.kind == .sms else { return (sender.send(m, via: channel, only: numbers), []) }
        let wanted = numbers ?? channel.numbers
        let allowed = claimSMS(channel: name, count: wanted.count, now: clock.now())
        let refused = wanted.dropFirst(allowed).map { ChannelSender.Attempt(recipient: PhoneNumber.masked($0), number: $0, error: budgetWords) }
        return (allowed == 0 ? [] : sender.send(m, via: channel, only: Array(wanted.prefix(allowed))), refused)
    }

    var budgetWords: String { "\(Self.budgetRefusal) of \(plan.smsPerDay) a day for this channel is spent" }

    /// How many of `count` SMS the channel may still send in the last 24 hours; claims them.
    private func claimSMS(channel: String, count: Int, now: Date) -> Int {
        state.withLock { s in
            var sent = s.smsSent[channel, default: []].filter { now.timeIntervalSince($0) < 86_400 && $0 <= now }
            let allowed = max(0, min(count, plan.smsPerDay - sent.count))
            sent += Array(repeating: now, count: allowed)
            s.smsSent[channel] = sent
            return allowed
        }
    }

    /// SMS sent in the last 24 hours, per sms channel, for `status` (a warning from 80 % of the budget).
    func smsUsed(now: Date) -> [String: Int] {
        state.withLock { s in s.smsSent.mapValues { $0.filter { now.timeIntervalSince($0) < 86_400 }.count }.filter { $0.value > 0 } }
    }

    /// Records each recipient's attempt as `alarm.notified` (sent or not, the attempt happened), stamped with the
    /// record clock when it is recorded, just after the attempt; returns that time. (Stamped with the time its round
    /// began, an SMS sent 104 s after its alarm was recorded at +0.7 s, and 31 events were earlier than the one before.)
    @discardableResult
    private func record(_ attempts: [ChannelSender.Attempt], alarm: Int, level: Int?, kind: Escalation.Kind, channel: String, attempt: Int,
                        folded: Bool? = nil, folds: Int? = nil) -> Date {
        let at = clock.now()
        guard !attempts.isEmpty else { return at }
        let events = attempts.map { a in
            NewEvent(AlarmNotified(alarm: alarm, level: level, kind: kind, channel: channel, recipient: a.recipient,
                                   ok: folded != true && a.error == nil, error: a.error, attempt: attempt, folded: folded, folds: folds), at: at)
        }
        if case .failure(let refusal) = hub.commitExternal({ events }) {
            log.error("notify: could not record \(events.count) attempt(s) for alarm \(alarm): \(refusal.reason)")
        }
        return at
    }

    /// `notify test`: a test message to every channel (or one), sent now on each channel's queue (in parallel), each
    /// attempt recorded (alarm 0). A channel tested within the last minute is refused, with when it may run again.
    func sendTest(channel only: String?, now: Date) -> Result<[NotifyTestResult], ControlFailure> {
        let names = plan.channels.keys.sorted().filter { only == nil || $0 == only }
        let refusal: String? = state.withLock { s in
            for name in names {
                if let last = s.lastTest[name], now.timeIntervalSince(last) < Self.testInterval, now >= last {
                    return "channel \(name) was tested at \(calendar.localClockText(last)); it may be tested again at "
                        + "\(calendar.localClockText(last.addingTimeInterval(Self.testInterval))) (one test a minute per channel)"
                }
            }
            for name in names { s.lastTest[name] = now }
            return nil
        }
        if let refusal { return .failure(ControlFailure(.conflict, refusal)) }
        let m = AlarmMessage(kind: .test, level: 0, alarm: 0, cause: .excursion, fridge: "-", fridgeName: nil, sensor: "-", celsius: nil,
                             lowC: nil, highC: nil, openedAt: now, openedLocal: "", minutes: 0, gateway: config.gateway.id, site: config.gateway.site)
        let results = Mutex<[String: [NotifyTestResult]]>([:])
        let group = DispatchGroup()
        for name in names {
            guard let channel = plan.channels[name], let worker = workers[name] else { continue }
            group.enter()
            worker.enqueue { [self] sender in
                defer { group.leave() }
                let (sent, refused) = send(m, via: name, channel, only: nil, by: sender)
                let attempts = sent + refused
                record(attempts, alarm: 0, level: nil, kind: .test, channel: name, attempt: 1)
                let r = attempts.map { NotifyTestResult(channel: name, kind: channel.kind.rawValue, recipient: $0.recipient, ok: $0.error == nil, error: $0.error) }
                results.withLock { $0[name] = r }
            }
        }
        group.wait()
        return .success(results.withLock { r in names.flatMap { r[$0] ?? [] } })
    }

    /// Notices waiting for a retry after a failed attempt, by channel, for `status`.
    var retrying: [String: Int] {
        state.withLock { s in s.pending.filter { $0.attempt > 1 }.reduce(into: [:]) { $0[$1.channel, default: 0] += 1 } }
    }
}
