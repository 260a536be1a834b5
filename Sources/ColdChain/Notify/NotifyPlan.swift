/// Who is told of an alarm, through which channel, and when (`notify` in the config).
///
/// ```json5
/// notify: {
///   levels: [ { after: "0s", to: ["duty"] }, { after: "30m", to: ["head"] }, { after: "90m", to: ["county"] } ],
///   causes: { power: [ { after: "0s", to: ["duty", "head"] }, { after: "60m", to: ["county"] } ] },
///   repeat: "30m",
///   channels: {
///     duty: { type: "wecom", url_file: "/etc/coldchaind/wecom-duty.url", mobiles: ["13800000000"] },
///     head: { type: "dingtalk", url_file: "...", secret_file: "...", mobiles: ["13900000000"] },
///     county: { type: "sms", numbers: ["13700000000", "13600000000", "13500000000"], tool: "gammu" },
///     site: { type: "command" },
///   },
/// }
/// ```
public struct NotifyPlan: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        /// Seconds after the alarm opened, if it is still unacknowledged.
        public var after: Double
        /// Channel names.
        public var to: [String]
        public init(after: Double, to: [String]) { self.after = after; self.to = to }
    }

    public enum ChannelKind: String, Sendable, CaseIterable { case wecom, dingtalk, sms, command }
    public enum SMSTool: String, Sendable, CaseIterable { case gammu, mmcli }

    public struct Channel: Sendable, Equatable {
        public var name: String
        public var kind: ChannelKind
        /// The robot's webhook URL: this file, else the systemd credential `notify-NAME-url`. Never logged.
        public var urlFile: String?
        /// DingTalk's signing secret: this file, else the credential `notify-NAME-secret`; none: unsigned.
        public var secretFile: String?
        /// Mobiles the robot @-mentions (wecom, dingtalk).
        public var mobiles: [String]
        /// SMS: one message per number.
        public var numbers: [String]
        public var tool: SMSTool
        /// mmcli: the modem's index (`mmcli -m N`).
        public var modem: Int
        public init(name: String, kind: ChannelKind, urlFile: String? = nil, secretFile: String? = nil, mobiles: [String] = [],
                    numbers: [String] = [], tool: SMSTool = .gammu, modem: Int = 0) {
            self.name = name; self.kind = kind; self.urlFile = urlFile; self.secretFile = secretFile; self.mobiles = mobiles
            self.numbers = numbers; self.tool = tool; self.modem = modem
        }
    }

    public var levels: [Level]
    /// Levels of their own for some causes (power at once, then after 60 and 60 min, as China CDC's platforms do).
    public var causeLevels: [AlarmCause: [Level]]
    /// Levels already told are reminded this often until the alarm is acknowledged or closed; nil: never.
    public var repeatEvery: Double?
    public var channels: [String: Channel]
    /// Most SMS one sms channel sends in 24 hours (each number a message); past it, messages are refused and the
    /// refusals recorded. A flapping power supply sent 90 SMS a minute before this bound, and 16 `notify test` at once
    /// sent 16.
    public var smsPerDay: Int
    /// Most notices per alarm cause, fridge and channel in any hour, the summary included (NoticeBudget).
    public var maxPerHour: Int

    public static let defaultSMSPerDay = 200

    public init(levels: [Level], causeLevels: [AlarmCause: [Level]] = [:], repeatEvery: Double?, channels: [String: Channel],
                smsPerDay: Int = NotifyPlan.defaultSMSPerDay, maxPerHour: Int = NoticeBudget.defaultPerHour) {
        self.levels = levels; self.causeLevels = causeLevels; self.repeatEvery = repeatEvery; self.channels = channels
        self.smsPerDay = smsPerDay; self.maxPerHour = maxPerHour
    }

    public func levels(for cause: AlarmCause) -> [Level] { causeLevels[cause] ?? levels }

    static let keys = ["levels", "causes", "repeat", "channels", "sms_per_day", "max_per_hour"]

    /// Reads `notify: {...}`; problems go to the object's problems with key paths.
    static func decode(_ o: ConfigObject, configDir: String) -> NotifyPlan? {
        let before = o.node.problems.list.count
        var channels: [String: Channel] = [:]
        // The keys of `channels` are the channel names, so it is read as a map rather than an object of known keys.
        if let c = o.child("channels") {
            guard case .object(let fields) = c.value else { c.problem("expected an object { NAME: { type: ... } }"); return nil }
            if fields.isEmpty { c.problem("at least one channel is needed") }
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                let node = ConfigNode(value: value, path: c.key(name), problems: c.problems)
                guard GatewayConfig.isIdentifier(name) else { node.problem("a channel name may use only letters, digits, '.', '_' and '-'"); continue }
                if let ch = decodeChannel(node, name: name, configDir: configDir) { channels[name] = ch }
            }
        }
        func levelList(_ nodes: [ConfigNode], at path: ConfigNode?) -> [Level] {
            var out: [Level] = []
            for n in nodes {
                guard let l = n.object(allowed: ["after", "to"]), let after = l.duration("after", in: 0...(7 * 86400)) else { continue }
                var to: [String] = []
                for t in l.array("to", required: true) {
                    guard let name = t.string else { continue }
                    if channels[name] == nil && o.fields["channels"]?[name] == nil {
                        t.problem("no channel '\(name)'; known: \(channels.keys.sorted().joined(separator: ", "))")
                    }
                    to.append(name)
                }
                if to.isEmpty { l.node.problem("a level tells at least one channel (to: [\"NAME\"])") }
                if let last = out.last, after < last.after { l.node.problem("levels must be in order of their delay") }
                out.append(Level(after: after, to: to))
            }
            if out.isEmpty, let path { path.problem("at least one level is needed") }
            return out
        }
        if !o.has("channels") { o.node.problems.add(o.node.key("channels"), "required key is missing") }
        let levels = levelList(o.array("levels", required: true), at: o.child("levels"))
        var causeLevels: [AlarmCause: [Level]] = [:]
        if let causes = o.object("causes", allowed: AlarmCause.allCases.map(\.rawValue), required: false) {
            for cause in AlarmCause.allCases where causes.has(cause.rawValue) {
                causeLevels[cause] = levelList(causes.array(cause.rawValue), at: causes.child(cause.rawValue))
            }
        }
        var repeatEvery: Double? = 1800
        if let r = o.child("repeat") {
            if r.value == .null || r.value == .bool(false) { repeatEvery = nil } else { repeatEvery = o.duration("repeat", in: 60...86400) }
        }
        let smsPerDay = o.integer("sms_per_day", in: 1...10_000, default: defaultSMSPerDay) ?? defaultSMSPerDay
        let perHour = o.integer("max_per_hour", in: 2...1000, default: NoticeBudget.defaultPerHour) ?? NoticeBudget.defaultPerHour
        guard o.node.problems.list.count == before else { return nil }
        return NotifyPlan(levels: levels, causeLevels: causeLevels, repeatEvery: repeatEvery, channels: channels, smsPerDay: smsPerDay,
                          maxPerHour: perHour)
    }

    static func decodeChannel(_ node: ConfigNode, name: String, configDir: String) -> Channel? {
        guard let c = node.object(allowed: ["type", "url_file", "secret_file", "mobiles", "numbers", "tool", "modem"]) else { return nil }
        guard let kind: ChannelKind = c.choice("type") else { return nil }
        let file = { (k: String) in c.string(k, required: false, maxLength: ConfigObject.maxPath).map { GatewayConfig.resolve($0, against: configDir) } }
        func phones(_ k: String) -> [String] {
            c.array(k).compactMap { n in
                guard let s = n.string else { return nil }
                guard PhoneNumber.isValid(s) else { n.problem("'\(s.truncated(40).escapedForTerminal)' is not a phone number (digits, an optional leading +)"); return nil }
                return s
            }
        }
        let allowed: [ChannelKind: [String]] = [.wecom: ["type", "url_file", "mobiles"], .dingtalk: ["type", "url_file", "secret_file", "mobiles"],
                                                .sms: ["type", "numbers", "tool", "modem"], .command: ["type"]]
        for k in c.fields.keys.sorted() where !(allowed[kind] ?? []).contains(k) {
            c.child(k)?.problem("not used by a \(kind.rawValue) channel")
        }
        let ch = Channel(name: name, kind: kind, urlFile: file("url_file"), secretFile: file("secret_file"), mobiles: phones("mobiles"),
                         numbers: phones("numbers"), tool: c.choice("tool", default: SMSTool.gammu) ?? .gammu,
                         modem: c.integer("modem", in: 0...64, default: 0) ?? 0)
        if kind == .sms && ch.numbers.isEmpty { c.node.problem("an sms channel needs numbers: [\"138...\"]") }
        return ch
    }
}

/// A mobile number as the channels take it: an optional +, then 5 to 15 digits (E.164's longest).
public enum PhoneNumber {
    public static func isValid(_ s: String) -> Bool {
        let digits = s.hasPrefix("+") ? s.dropFirst() : Substring(s)
        return (5...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// What the record keeps of a number: its first three and last four digits (138****0000).
    public static func masked(_ s: String) -> String {
        let chars = Array(s)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + String(repeating: "*", count: chars.count - 7) + String(chars.suffix(4))
    }
}
