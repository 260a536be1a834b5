import ColdChain

extension Commands {
    /// A fridge's readings over any window, in parts (`ControlParts`): the reply is the header, `ReadingsPart`s
    /// follow, `ReadingsEnd` ends them.
    public enum Readings: ControlCommand {
        public typealias Reply = ReadingsHeader
        public static let wire = WireName("readings")
        public static let synopsis = "FRIDGE [--since 24h] [--every 15m] [--csv]"
        public static let summary = "readings (or min/max/mean per bucket) with min, max, mean and\nmean kinetic temperature; any window, printed as it comes"
        public static let narrowing = "ask for a shorter window (readings FRIDGE --since 24h)"

        public struct Arguments: CommandArguments {
            public var fridge: String
            public var since: DurationArgument?
            public var every: DurationArgument?
            public init(fridge: String, since: DurationArgument?, every: DurationArgument? = nil) {
                self.fridge = fridge; self.since = since; self.every = every
            }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                fridge = try a.required(try a.string("fridge"), "which fridge? (readings FRIDGE)")
                since = try a.durationArgument("since", in: 1...ControlArguments.maxWindow)
                every = try a.durationArgument("every", in: ControlArguments.bucketRange)
            }
            public var wire: [String: JSONValue] {
                wireObject([("fridge", .string(fridge)), ("since", since.map { .string($0.text) }), ("every", every.map { .string($0.text) })])
            }
        }
    }

    public enum Excursions: ControlCommand {
        public typealias Reply = [ExcursionRow]
        public static let wire = WireName("excursions")
        public static let synopsis = "[--open] [--csv]"
        public static let summary = "excursions with start, end, min, max, duration, degree-minutes, rule"
        public static let narrowing = "ask for the open ones (excursions --open)"

        public struct Arguments: CommandArguments {
            public var openOnly: Bool
            public init(openOnly: Bool) { self.openOnly = openOnly }
            public init(checking a: ControlArguments) throws(ControlFailure) { openOnly = try a.bool("open", default: false) }
            public var wire: [String: JSONValue] { ["open": .bool(openOnly)] }
        }
    }

    /// The temperature record sheet of a month (local days), of every fridge or one.
    public enum Report: ControlCommand {
        public typealias Reply = RecordSheet
        public static let wire = WireName("report", "kind", "daily", isDefault: true, typed: false)
        public static let synopsis = "daily [--month YYYY-MM] [--fridge F] [--format text|csv|html] [--out FILE]"
        public static let summary = "the temperature record sheet (冷链设备温度记录表): per fridge and day, the\nmorning and afternoon record beside the manual checks, min, max, mean,\nminutes out of range, excursions, alarms, gaps, the ledger head; html: A4 pages"

        public struct Arguments: CommandArguments {
            public var month: MonthArgument
            public var fridge: String?
            public init(month: MonthArgument, fridge: String?) { self.month = month; self.fridge = fridge }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                month = try MonthArgument(try a.required(try a.string("month", maxLength: 7), "which month? (report daily --month YYYY-MM)"))
                fridge = try a.string("fridge")
            }
            public var wire: [String: JSONValue] { wireObject([("month", .string(month.text)), ("fridge", fridge.map(JSONValue.string))]) }
        }
    }

    /// A fridge's chart over a window ending now.
    public enum Chart: ControlCommand {
        public typealias Reply = ChartData
        public static let wire = WireName("chart")
        public static let synopsis = "FRIDGE [--since 7d] [--out FILE.svg]"
        public static let summary = "an SVG chart: the range band, each sensor, excursions, gaps, alarms, checks"

        public struct Arguments: CommandArguments {
            public var fridge: String
            public var since: DurationArgument?
            public init(fridge: String, since: DurationArgument?) { self.fridge = fridge; self.since = since }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                fridge = try a.required(try a.string("fridge"), "which fridge? (chart FRIDGE --since 7d)")
                since = try a.durationArgument("since", in: 60...ControlArguments.maxChartWindow)
            }
            public var wire: [String: JSONValue] { wireObject([("fridge", .string(fridge)), ("since", since.map { .string($0.text) })]) }
        }
    }

    /// Alarms opened in a window ending now, with how long each took to be acknowledged and closed.
    public enum Alarms: ControlCommand {
        public typealias Reply = AlarmsReply
        public static let wire = WireName("alarms")
        public static let synopsis = "[--since 30d] [--csv]"
        public static let summary = "alarms opened in the window: levels told, time to acknowledge and to close,\nand China CDC's buckets (<= 30 / <= 60 / <= 120 / > 120 min)"

        public struct Arguments: CommandArguments {
            public var since: DurationArgument?
            public init(since: DurationArgument?) { self.since = since }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                since = try a.durationArgument("since", in: 60...ControlArguments.maxWindow)
            }
            public var wire: [String: JSONValue] { wireObject([("since", since.map { .string($0.text) })]) }
        }
    }
}
