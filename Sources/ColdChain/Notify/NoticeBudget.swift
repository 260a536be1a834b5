import FoundationEssentials

/// At most `perHour` notices per alarm cause, fridge and channel in any hour; the rest are folded into one summary
/// notice. A pure rule over an injected time, like `Escalation`.
///
/// The second hardening run measured why: a upsd flapping OL/OB every 2 s sent 15 alarms, 90 SMS and 30 command runs a
/// minute. Debouncing (`power.debounce`) makes a flap of under 10 s one cut, but a supply failing every minute still
/// opens and closes an alarm each time. Past the bound, people get one message that says how often and how things
/// stand now ("断电告警 14 次 … 现在均已结束"), and the record says which notices were folded into it.
///
/// The key includes the fridge, so a second fridge's excursion is never folded behind the first one's storm. One slot
/// of each hour is kept for the summary, so the bound holds with it: `perHour - 1` notices, then folding until the
/// summary. A summary goes once its cause has been quiet for `quiet`, or an hour after the first notice it folds,
/// whichever is first, when the hour has room.
public struct NoticeBudget: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public var cause: AlarmCause
        public var fridge: String
        public var channel: String
        public init(cause: AlarmCause, fridge: String, channel: String) { self.cause = cause; self.fridge = fridge; self.channel = channel }
        public static func < (a: Key, b: Key) -> Bool {
            (a.channel, a.cause.rawValue, a.fridge) < (b.channel, b.cause.rawValue, b.fridge)
        }
    }

    /// What was folded for one key since its last summary.
    public struct Folded: Sendable, Equatable {
        public var notices: Int
        public var alarms: [Int]
        public var first: Date
        public var last: Date
        public init(notices: Int, alarms: [Int], first: Date, last: Date) {
            self.notices = notices; self.alarms = alarms; self.first = first; self.last = last
        }
        /// `folded` for a key: one more notice, about `alarm`, at `t`.
        static func adding(_ folded: Folded?, alarm: Int, at t: Date) -> Folded {
            var f = folded ?? Folded(notices: 0, alarms: [], first: t, last: t)
            f.notices += 1
            if !f.alarms.contains(alarm) { f.alarms.append(alarm) }
            f.last = max(f.last, t)
            return f
        }
    }

    public static let defaultPerHour = 10
    /// A storm is over for the summary after this long without a folded notice.
    public static let quiet = 600.0
    public static let window = 3600.0

    public let perHour: Int
    /// When each key's notices (summaries too) went out in the last hour.
    public private(set) var sent: [Key: [Date]] = [:]
    public private(set) var folded: [Key: Folded] = [:]

    public init(perHour: Int) { self.perHour = max(2, perHour) }

    /// Whether a first attempt of a notice may go out now; if not, it is folded into the key's next summary. Once a
    /// key is folding it keeps folding until its summary, so people never get a notice out of its order.
    public mutating func admit(_ key: Key, alarm: Int, now: Date) -> Bool {
        prune(key, now)
        if folded[key] == nil, sent[key, default: []].count < perHour - 1 {
            sent[key, default: []].append(now)
            return true
        }
        folded[key] = Folded.adding(folded[key], alarm: alarm, at: now)
        return false
    }

    /// The summaries due at `now`, each taking its slot of the hour.
    public mutating func summariesDue(_ now: Date) -> [(key: Key, folded: Folded)] {
        var out: [(key: Key, folded: Folded)] = []
        for key in folded.keys.sorted() {
            guard let f = folded[key], now.timeIntervalSince(f.last) >= Self.quiet || now.timeIntervalSince(f.first) >= Self.window else { continue }
            prune(key, now)
            guard sent[key, default: []].count < perHour else { continue }
            sent[key, default: []].append(now)
            folded[key] = nil
            out.append((key, f))
        }
        return out
    }

    /// One recorded attempt, with the cause and fridge of its alarm, for the restore.
    public struct Recorded: Sendable {
        public var at: Date
        public var notified: AlarmNotified
        public var cause: AlarmCause
        public var fridge: String
        public init(at: Date, notified: AlarmNotified, cause: AlarmCause, fridge: String) {
            self.at = at; self.notified = notified; self.cause = cause; self.fridge = fridge
        }
    }

    /// The state after a restart, from the record: the notices that went out in the last hour (a notice is its first
    /// attempt's events, one per recipient, recorded at one time), and what was folded since each key's last summary
    /// that reached someone (a summary not sent before the stop is owed, and goes when due).
    public static func restored(perHour: Int, from recorded: [Recorded], now: Date) -> NoticeBudget {
        var b = NoticeBudget(perHour: perHour)
        var seen = Set<String>()
        var lastSummary: [Key: Date] = [:]
        for r in recorded where r.notified.kind == .summary && r.notified.ok {
            let key = Key(cause: r.cause, fridge: r.fridge, channel: r.notified.channel)
            lastSummary[key] = max(lastSummary[key] ?? r.at, r.at)
        }
        for r in recorded.sorted(by: { $0.at < $1.at }) where r.notified.kind != .test && r.notified.attempt == 1 {
            let n = r.notified
            let key = Key(cause: r.cause, fridge: r.fridge, channel: n.channel)
            if n.folded == true {
                guard r.at > lastSummary[key] ?? .distantPast else { continue }
                b.folded[key] = Folded.adding(b.folded[key], alarm: n.alarm, at: r.at)
            } else if now.timeIntervalSince(r.at) < window, r.at <= now,
                      seen.insert("\(n.channel) \(n.alarm) \(n.level ?? -1) \(n.kind.rawValue) \(r.at.timeIntervalSince1970)").inserted {
                b.sent[key, default: []].append(r.at)
            }
        }
        return b
    }

    private mutating func prune(_ key: Key, _ now: Date) {
        guard let list = sent[key] else { return }
        let kept = list.filter { now.timeIntervalSince($0) < Self.window && $0 <= now.addingTimeInterval(Self.window) }
        sent[key] = kept.isEmpty ? nil : kept
    }
}
