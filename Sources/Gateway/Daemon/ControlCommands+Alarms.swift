import ColdChain
import Control
import FoundationEssentials
import Storage

extension ControlCommands {
    /// `alarms [--since 30d]`: the alarms opened in the window, folded from their events (one pass over the alarm
    /// types through the type index, from the first event of the window).
    func alarms(since: DurationArgument?) async throws -> ControlReply {
        let from = clock.now().addingTimeInterval(-(since?.seconds ?? 30 * 86_400))
        return try await read { reader in try Self.alarms(reader, from: from) }
    }

    static func alarms(_ reader: LedgerReader, from: Date) throws -> AlarmsReply {
        let start = try reader.lastEvent(before: from)?.seq ?? 0
        let types = [EventType.alarmOpened, .alarmAcknowledged, .alarmClosed, .alarmNotified].map(\.rawValue)
        var records: [Int: AlarmRecord] = [:]
        var opened: [Int: Date] = [:]
        var told: [Int: Set<Int>] = [:]
        for e in try reader.events(types: types, after: start) {
            guard let typed = try? e.typed() else { continue }
            let at = e.at
            switch typed {
            case .alarmOpened(let a) where at >= from:
                opened[a.alarm] = at
                records[a.alarm] = AlarmRecord(id: a.alarm, fridge: a.fridge, sensor: a.sensor, cause: a.cause, openedAt: e.recordedAt)
            case .alarmAcknowledged(let a):
                guard var r = records[a.alarm], let o = opened[a.alarm] else { continue }
                let s = at.timeIntervalSince(o)
                r.acknowledgedAt = e.recordedAt; r.acknowledgedUID = a.uid; r.acknowledgedBy = a.by; r.note = a.note; r.acknowledgeSeconds = s.rounded()
                r.bucket = HandlingBucket(seconds: s)
                records[a.alarm] = r
            case .alarmClosed(let a):
                guard var r = records[a.alarm], let o = opened[a.alarm] else { continue }
                r.closedAt = e.recordedAt; r.closeSeconds = at.timeIntervalSince(o).rounded()
                records[a.alarm] = r
            case .alarmNotified(let n):
                guard var r = records[n.alarm] else { continue }
                if n.folded == true { r.folded += 1 } else {
                    r.attempts += 1
                    if !n.ok { r.failed += 1 }
                }
                if let l = n.level { told[n.alarm, default: []].insert(l + 1) }
                records[n.alarm] = r
            default: continue
            }
        }
        let list = records.values.sorted { $0.id < $1.id }.map { r in
            var r = r
            r.levels = (told[r.id] ?? []).sorted()
            return r
        }
        var buckets = Dictionary(uniqueKeysWithValues: HandlingBucket.allCases.map { ($0.rawValue, 0) })
        for r in list { if let b = r.bucket { buckets[b.rawValue, default: 0] += 1 } }
        return AlarmsReply(since: RFC3339.format(from), alarms: list, buckets: buckets, unacknowledged: list.filter { $0.acknowledgedAt == nil }.count)
    }

    /// `notify test [--channel C]`: a test message now, through the notify queue.
    func notifyTest(channel: String?) async throws -> ControlReply {
        guard let notify else { throw ControlFailure(.unavailable, "no notify channels are configured (notify: { levels, channels })") }
        if let channel, notify.plan.channels[channel] == nil {
            throw ControlFailure(.notFound, "no channel '\(channel.truncated(40).escapedForTerminal)'; configured: \(notify.plan.channels.keys.sorted().joined(separator: ", "))")
        }
        let now = clock.now()
        return try .result(try await onQueue(notifyQueue) { try notify.sendTest(channel: channel, now: now).get() })
    }
}
