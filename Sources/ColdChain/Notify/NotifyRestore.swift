import FoundationEssentials

/// How failed notices are retried: 30 s, then twice as long each time, up to 10 min; given up a day after the first
/// attempt. One definition, for the running center and for the restore after a restart.
public enum NotifyRetry {
    public static let first = 30.0, longest = 600.0, giveUpAfter = 86_400.0

    /// The wait after attempt `n` (1 first) failed.
    public static func wait(after attempt: Int) -> Double {
        min(first * Double(1 << min(max(attempt, 1) - 1, 10)), longest)
    }
}

/// What the record says is still owed to people after a restart: a pure rule over the alarms and their
/// `alarm.notified` attempts, and an injected time.
///
/// Found by the second hardening run: an SMS that failed, a SIGKILL, the modem fixed, a restart, and no retry in 75 s
/// (it was due 30 s after the failure); a "closed" notice not yet sent was lost the same way, because the restore
/// counted any attempt, failed or not, as "told". Here a level is *started* by any attempt (so it is not sent again
/// to the channels that took it), and what is owed is worked out per level, kind and channel:
/// - the newest round of attempts (from its attempt 1) whose last try for a recipient failed: retried, that recipient
///   only, as attempt N+1, when its back-off from the last try ends;
/// - a channel of a started level that has no attempt at all (the run ended between channels): sent now;
/// - an acknowledgement or a close recorded within a day, for each started level and channel with no attempt of that
///   kind: sent now.
/// Calls for help (opened, escalated, reminder) are owed only while the alarm is open and unacknowledged, as they are
/// dropped in a running center once someone acknowledges.
public enum NotifyRestore {
    public struct AlarmRecord: Sendable, Equatable {
        public var alarm: Escalation.Alarm
        public var acknowledgedAt: Date?
        public var closedAt: Date?
        public init(alarm: Escalation.Alarm, acknowledgedAt: Date? = nil, closedAt: Date? = nil) {
            self.alarm = alarm; self.acknowledgedAt = acknowledgedAt; self.closedAt = closedAt
        }
    }

    public struct Attempt: Sendable, Equatable {
        public var at: Date
        public var notified: AlarmNotified
        public init(at: Date, notified: AlarmNotified) { self.at = at; self.notified = notified }
    }

    /// One notice owed to one channel; `recipients` (as recorded: masked numbers) limits an SMS retry, nil for all.
    public struct Owed: Sendable, Equatable {
        public var notice: Escalation.Notice
        public var channel: String
        public var recipients: [String]?
        public var attempt: Int
        public var due: Date
        public var firstAt: Date
    }

    public static func restore(plan: NotifyPlan, alarms: [AlarmRecord], attempts: [Attempt], now: Date) -> (escalation: Escalation, owed: [Owed]) {
        var escalation = Escalation(plan: plan)
        var owed: [Owed] = []
        let byAlarm = Dictionary(grouping: attempts.filter { $0.notified.level != nil }, by: \.notified.alarm)
        let calls: Set<Escalation.Kind> = [.opened, .escalated, .reminder]
        for record in alarms.sorted(by: { $0.alarm.id < $1.alarm.id }) {
            let a = record.alarm
            let levels = plan.levels(for: a.cause)
            let mine = (byAlarm[a.id] ?? []).sorted { $0.at < $1.at }
            var told: [Int: Date] = [:]
            for t in mine where calls.contains(t.notified.kind) {
                let l = t.notified.level!
                told[l] = max(told[l] ?? t.at, t.at)
            }
            let open = record.closedAt == nil
            if open { escalation.restore(a, told: told, acknowledged: record.acknowledgedAt != nil) }
            let started = told.keys.sorted().filter { $0 < levels.count }

            func group(_ level: Int, _ kinds: Set<Escalation.Kind>, _ channel: String) -> [Attempt] {
                mine.filter { $0.notified.level == level && kinds.contains($0.notified.kind) && $0.notified.channel == channel }
            }
            /// The newest round's recipients whose last try failed, as a retry; nil when nothing is owed.
            func retry(_ tries: [Attempt], level: Int, kind: Escalation.Kind, channel: String) -> Owed? {
                // A round begins with its attempt 1, one event per recipient, all recorded at once (one time).
                guard let lastFirst = tries.last(where: { $0.notified.attempt == 1 }) ?? tries.first,
                      let start = tries.firstIndex(where: { $0.notified.attempt == lastFirst.notified.attempt && $0.at == lastFirst.at }) else { return nil }
                let round = tries[start...]
                var last: [String: Attempt] = [:]
                for t in round { last[t.notified.recipient] = t }
                // A notice folded into a summary (NoticeBudget) was handled on purpose: not owed.
                let failed = last.values.filter { !$0.notified.ok && $0.notified.folded != true }.map(\.notified.recipient).sorted()
                guard !failed.isEmpty, let newest = round.last, let first = round.first else { return nil }
                guard now.timeIntervalSince(first.at) < NotifyRetry.giveUpAfter else { return nil }
                let n = round.map(\.notified.attempt).max() ?? 1
                let isGroup = failed == ["group"] || failed == ["alarm_command"]
                return Owed(notice: Escalation.Notice(alarm: a.id, level: level, kind: kind, channels: [channel]), channel: channel,
                            recipients: isGroup ? nil : failed, attempt: n + 1,
                            due: newest.at.addingTimeInterval(NotifyRetry.wait(after: n)), firstAt: first.at)
            }

            if open && record.acknowledgedAt == nil {
                for level in started {
                    for channel in levels[level].to where plan.channels[channel] != nil {
                        let first: Escalation.Kind = level == 0 ? .opened : .escalated
                        let tries = group(level, [.opened, .escalated], channel)
                        if tries.isEmpty {
                            owed.append(Owed(notice: .init(alarm: a.id, level: level, kind: first, channels: [channel]), channel: channel,
                                             recipients: nil, attempt: 1, due: now, firstAt: now))
                        } else if let r = retry(tries, level: level, kind: tries.last!.notified.kind, channel: channel) {
                            owed.append(r)
                        }
                        // A reminder round that failed is retried like the first.
                        if let r = retry(group(level, [.reminder], channel), level: level, kind: .reminder, channel: channel) { owed.append(r) }
                    }
                }
            }
            for (kind, at) in [(Escalation.Kind.acknowledged, record.acknowledgedAt), (.closed, record.closedAt)] {
                guard let at, now.timeIntervalSince(at) < NotifyRetry.giveUpAfter else { continue }
                for level in started {
                    for channel in levels[level].to where plan.channels[channel] != nil {
                        let tries = group(level, [kind], channel)
                        if tries.isEmpty {
                            owed.append(Owed(notice: .init(alarm: a.id, level: level, kind: kind, channels: [channel]), channel: channel,
                                             recipients: nil, attempt: 1, due: now, firstAt: at))
                        } else if let r = retry(tries, level: level, kind: kind, channel: channel) {
                            owed.append(r)
                        }
                    }
                }
            }
        }
        return (escalation, owed)
    }
}
