import FoundationEssentials

/// `alarm.notified`: one attempt to tell someone of an alarm, kept whether it worked or not (the record of who was
/// told when): the level, the channel, the recipient (phone numbers masked, 138****0000), and the channel's error.
public struct AlarmNotified: EventBody {
    public static let type = EventType.alarmNotified
    public var typed: TypedEvent { .alarmNotified(self) }
    public var alarm: Int
    /// The level's index (0 first); absent for a test message.
    public var level: Int?
    public var kind: Escalation.Kind
    public var channel: String
    public var recipient: String
    public var ok: Bool
    public var error: String?
    /// Which attempt this was (1 first; retries count up).
    public var attempt: Int
    /// Not sent on purpose: the hour's bound for its cause, fridge and channel was reached (NoticeBudget), and the
    /// notice is folded into the next summary. Absent otherwise.
    public var folded: Bool?
    /// A summary: how many notices it stands for. Absent otherwise.
    public var folds: Int?
    public init(alarm: Int, level: Int?, kind: Escalation.Kind, channel: String, recipient: String, ok: Bool, error: String?, attempt: Int,
                folded: Bool? = nil, folds: Int? = nil) {
        self.alarm = alarm; self.level = level; self.kind = kind; self.channel = channel; self.recipient = recipient; self.ok = ok
        self.error = error; self.attempt = attempt; self.folded = folded; self.folds = folds
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("alarm", alarm); w.set("level", level); w.set("kind", kind.rawValue); w.set("channel", channel); w.set("recipient", recipient)
        w.set("ok", ok); w.set("error", error); w.set("attempt", attempt); w.set("folded", folded); w.set("folds", folds)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(alarm: try r.int("alarm"), level: try r.optionalInt("level"), kind: try r.enumValue("kind"), channel: try r.string("channel"),
                  recipient: try r.string("recipient"), ok: try r.bool("ok"), error: try r.optionalString("error"), attempt: try r.int("attempt"),
                  folded: try r.optionalBool("folded"), folds: try r.optionalInt("folds"))
    }
}
