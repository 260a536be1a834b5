import FoundationEssentials

/// The text a person reads on the phone, stable and in Chinese (the nurse's language), plus the key facts in
/// English JSON for `command` channels. One definition: every channel sends this text.
///
/// `【冷链报警】疫苗冰箱2 (F2) 11.3 °C，超出 2–8 °C，自 09:15 起 25 分钟，未确认`
public struct AlarmMessage: Sendable, Equatable {
    public var kind: Escalation.Kind
    /// The level told (1 first, as people count), for an escalation.
    public var level: Int
    public var alarm: Int
    public var cause: AlarmCause
    public var fridge: String
    public var fridgeName: String?
    public var sensor: String
    public var celsius: Double?
    public var lowC: Double?
    public var highC: Double?
    public var openedAt: Date
    /// Local clock time of the opening, `09:15` (the caller's clinic calendar).
    public var openedLocal: String
    public var minutes: Int
    public var acknowledgedBy: String?
    public var note: String?
    public var gateway: String
    public var site: String
    /// For a summary: what it folds and how things stand now.
    public var summary: Summary?

    public struct Summary: Sendable, Equatable {
        /// Notices folded, and the alarms they were about.
        public var notices: Int
        public var alarms: Int
        /// Local clock times of the first and last folded notice, `10:02`.
        public var fromLocal: String
        public var toLocal: String
        /// Alarms of this cause and fridge still open now.
        public var stillOpen: [Int]
        public init(notices: Int, alarms: Int, fromLocal: String, toLocal: String, stillOpen: [Int]) {
            self.notices = notices; self.alarms = alarms; self.fromLocal = fromLocal; self.toLocal = toLocal; self.stillOpen = stillOpen
        }
    }

    public init(kind: Escalation.Kind, level: Int, alarm: Int, cause: AlarmCause, fridge: String, fridgeName: String?, sensor: String,
                celsius: Double?, lowC: Double?, highC: Double?, openedAt: Date, openedLocal: String, minutes: Int,
                acknowledgedBy: String? = nil, note: String? = nil, gateway: String, site: String) {
        self.kind = kind; self.level = level; self.alarm = alarm; self.cause = cause; self.fridge = fridge; self.fridgeName = fridgeName
        self.sensor = sensor; self.celsius = celsius; self.lowC = lowC; self.highC = highC; self.openedAt = openedAt
        self.openedLocal = openedLocal; self.minutes = minutes; self.acknowledgedBy = acknowledgedBy; self.note = note
        self.gateway = gateway; self.site = site
    }

    public static func number(_ d: Double) -> String {
        guard d.isFinite, abs(d) < 1e6 else { return "?" }
        let r = (d * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) + (abs(r) < 100 ? ".0" : "") : "\(r)"
    }

    /// The message text (at most a few hundred characters; SMS tools split long ones).
    public var text: String {
        let head = switch kind {
        case .opened: "【冷链报警】"
        case .escalated: "【冷链报警·第\(level)级】"
        case .reminder: "【冷链报警·提醒】"
        case .acknowledged: "【冷链报警·已确认】"
        case .closed: "【冷链报警·已结束】"
        case .test: "【冷链报警·测试】"
        case .summary: "【冷链报警·汇总】"
        }
        if kind == .test { return head + "\(site) 网关 \(gateway) 的通知测试，无需处理 (notification test)" }
        let place = fridge == "*" ? "全部冰箱" : "\(fridgeName.map { "\($0) " } ?? "")(\(fridge))"
        if kind == .summary, let s = summary {
            let cause = switch cause {
            case .excursion: "温度超标"
            case .noData: "探头无数据"
            case .power: "断电"
            case .door: "门未关"
            }
            let now = s.stillOpen.isEmpty ? "现在均已结束"
                : "现在仍有 \(s.stillOpen.count) 个未结束（告警 " + s.stillOpen.prefix(5).map(String.init).joined(separator: "、") + (s.stillOpen.count > 5 ? "…" : "") + "）"
            return head + "\(place) \(cause)告警 \(s.alarms) 次（\(s.fromLocal)–\(s.toLocal)），为免刷屏，其间 \(s.notices) 条通知合并为本条；\(now) [\(gateway)]"
        }
        var what: String
        switch cause {
        case .excursion:
            let range = (lowC.map(Self.number) ?? "?") + "–" + (highC.map(Self.number) ?? "?")
            what = kind == .closed ? "\(place) 温度已恢复" + (celsius.map { " \(Self.number($0)) °C" } ?? "") + " (\(range) °C)"
                : "\(place) " + (celsius.map { "\(Self.number($0)) °C，" } ?? "") + "超出 \(range) °C"
        case .noData: what = "\(place) 探头 \(sensor) 无数据"
        case .power: what = "\(place) 断电 (\(sensor))"
        case .door: what = "\(place) 门未关 (\(sensor))"
        }
        var text = head + what + "，自 \(openedLocal) 起 \(minutes) 分钟"
        switch kind {
        case .acknowledged: text += "，已由 \(acknowledgedBy ?? "?") 确认" + (note.map { "：\($0)" } ?? "")
        case .closed: text += "，已结束"
        default: text += "，未确认"
        }
        return text + " [\(gateway)]"
    }

    /// The key facts in English, for `command` (beside the text).
    public var facts: JSONValue {
        var w = BodyWriter()
        w.set("kind", kind.rawValue); w.set("level", level); w.set("alarm", alarm); w.set("cause", cause.rawValue); w.set("fridge", fridge)
        w.set("fridge_name", fridgeName); w.set("sensor", sensor); w.set("c", celsius); w.set("low_c", lowC); w.set("high_c", highC)
        w.set("opened_at", openedAt); w.set("minutes", minutes); w.set("acknowledged_by", acknowledgedBy); w.set("note", note)
        w.set("gateway", gateway); w.set("site", site); w.set("text", text)
        if let s = summary {
            w.set("folded_notices", s.notices); w.set("folded_alarms", s.alarms); w.set("still_open", .array(s.stillOpen.map { .number(Double($0)) }))
        }
        return w.json
    }
}
