import ColdChain
import FoundationEssentials
import POSIX
import Storage

extension NotifyCenter {
    /// How far back the restore reads: notices are given up a day after their first attempt, so two days holds every
    /// close or acknowledgement still owed and the levels its alarm had told.
    static let restoreWindow = 2 * NotifyRetry.giveUpAfter

    /// The state after a restart, from the record alone (NotifyRestore): the escalation of the alarms still open,
    /// the notices still owed (retries with their attempt number and due time, acknowledgements and closes not yet
    /// sent), who acknowledged, and the SMS each channel sent in the last 24 hours.
    func restore(reader: LedgerReader, now: Date) throws {
        let open = hub.openAlarms
        let oldest = min(open.map(\.openedAt).min() ?? now, now.addingTimeInterval(-Self.restoreWindow))
        let from = try reader.lastEvent(before: oldest)?.seq ?? 0
        let types: [EventType] = [.alarmOpened, .alarmAcknowledged, .alarmClosed, .alarmNotified]
        var records: [Int: NotifyRestore.AlarmRecord] = [:]
        var attempts: [NotifyRestore.Attempt] = []
        var acks: [Int: Acknowledgement] = [:]
        var sms: [String: [Date]] = [:]
        for e in try reader.events(types: types.map(\.rawValue), after: from) {
            guard let typed = try? e.typed() else { continue }
            let at = e.at
            switch typed {
            case .alarmOpened(let a):
                records[a.alarm] = .init(alarm: .init(id: a.alarm, cause: a.cause, fridge: a.fridge, sensor: a.sensor, openedAt: at))
            case .alarmAcknowledged(let a):
                records[a.alarm]?.acknowledgedAt = at
                acks[a.alarm] = Acknowledgement(by: UserName.of(uid: a.uid), note: a.note)
            case .alarmClosed(let a):
                records[a.alarm]?.closedAt = at
            case .alarmNotified(let n):
                attempts.append(.init(at: at, notified: n))
                if plan.channels[n.channel]?.kind == .sms, now.timeIntervalSince(at) < 86_400, n.error?.hasPrefix(Self.budgetRefusal) != true {
                    sms[n.channel, default: []].append(at)
                }
            default: continue
            }
        }
        // The hub's view of what is open wins: an alarm whose opening is older than the window is still escalated.
        for a in open {
            var r = records[a.id] ?? .init(alarm: .init(id: a.id, cause: a.cause, fridge: a.fridge, sensor: a.sensor, openedAt: a.openedAt))
            r.closedAt = nil
            if a.acknowledged && r.acknowledgedAt == nil { r.acknowledgedAt = a.openedAt }
            records[a.id] = r
        }
        let (escalation, owed) = NotifyRestore.restore(plan: plan, alarms: Array(records.values), attempts: attempts, now: now)
        let budget = NoticeBudget.restored(perHour: plan.maxPerHour, from: attempts.compactMap { a in
            records[a.notified.alarm].map { .init(at: a.at, notified: a.notified, cause: $0.alarm.cause, fridge: $0.alarm.fridge) }
        }, now: now)
        state.withLock { s in
            s.escalation = escalation
            s.budget = budget
            s.acks = acks
            s.smsSent = sms.mapValues { Array($0.suffix(plan.smsPerDay)) }
            for o in owed {
                guard let alarm = records[o.notice.alarm]?.alarm, let channel = plan.channels[o.channel] else { continue }
                let numbers = o.recipients.map { masked in channel.numbers.filter { masked.contains(PhoneNumber.masked($0)) } }
                s.pending.append(Pending(message: message(o.notice, alarm: alarm, at: max(o.due, now), ack: acks[alarm.id]), notice: o.notice,
                                         channel: o.channel, numbers: numbers, attempt: o.attempt, due: o.due, firstAt: o.firstAt))
            }
        }
        if !owed.isEmpty {
            log.notice("notify: \(owed.count) notice(s) owed from before the restart: "
                       + owed.map { "alarm \($0.notice.alarm) \($0.notice.kind.rawValue) to \($0.channel) (attempt \($0.attempt))" }.joined(separator: ", "))
        }
    }
}
