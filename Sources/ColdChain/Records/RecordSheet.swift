import FoundationEssentials

/// The cold-chain equipment temperature record (冷链设备温度记录表) of one month: per fridge and day, the morning
/// and afternoon record beside that half-day's manual checks, the day's minimum, maximum and mean, the minutes out of
/// range, what happened (excursions, alarms with their acknowledgements, gaps), and the ledger's head at the end of
/// the day as a paper anchor for `verify --anchor`. Times are RFC 3339 UTC; renderers show local time.
public struct RecordSheet: Codable, Sendable, Equatable {
    public var gateway: String
    public var site: String
    /// `YYYY-MM`.
    public var month: String
    /// The zone the days are cut in, `UTC+08:00`.
    public var zone: String
    /// The local times of the morning and afternoon records, `HH:MM`.
    public var am: String
    public var pm: String
    public var generatedAt: String
    public var fridges: [FridgeSheet]

    enum CodingKeys: String, CodingKey { case gateway, site, month, zone, am, pm, fridges, generatedAt = "generated_at" }

    public init(gateway: String, site: String, month: String, zone: String, am: String, pm: String, generatedAt: String, fridges: [FridgeSheet]) {
        self.gateway = gateway; self.site = site; self.month = month; self.zone = zone; self.am = am; self.pm = pm
        self.generatedAt = generatedAt; self.fridges = fridges
    }
}

public struct FridgeSheet: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The range the minutes out of range are counted against (the fridge's alarm rule).
    public var lowC: Double?
    public var highC: Double?
    /// The probe the morning and afternoon records are read from (the fridge's first sensor).
    public var recordSensor: String
    public var days: [DaySheet]
    /// The month's curve for the printed chart.
    public var chart: ChartData?
    /// The fridge's make and model and where it stands (config `model`, `location`), for the inspector.
    public var model: String?
    public var location: String?

    enum CodingKeys: String, CodingKey { case id, name, days, chart, model, location, lowC = "low_c", highC = "high_c", recordSensor = "record_sensor" }

    public init(id: String, name: String, lowC: Double?, highC: Double?, recordSensor: String, days: [DaySheet], chart: ChartData? = nil,
                model: String? = nil, location: String? = nil) {
        self.id = id; self.name = name; self.lowC = lowC; self.highC = highC; self.recordSensor = recordSensor; self.days = days; self.chart = chart
        self.model = model; self.location = location
    }
}

public struct DaySheet: Codable, Sendable, Equatable {
    /// The local date, `YYYY-MM-DD`.
    public var date: String
    public var am: SheetReading?
    public var pm: SheetReading?
    /// Manual checks of the morning (before local noon) and of the afternoon.
    public var amChecks: [SheetCheck]
    public var pmChecks: [SheetCheck]
    public var minC: Double?
    public var maxC: Double?
    public var meanC: Double?
    public var readings: Int
    /// Minutes the worst probe spent outside the range.
    public var minutesOutOfRange: Int
    /// Excursions, alarms and acknowledgements, gaps in the record, as they happened this day.
    public var events: [SheetNote]
    /// Periods without readings longer than the fridge's `comm_loss_after`, cut to the day.
    public var noData: [SheetSpan]
    /// The newest event recorded before the day ended (none for a day still running or before the ledger began).
    public var head: SheetHead?
    /// False for a day not yet over (or in the future): its figures are so far.
    public var complete: Bool
    /// True for a day that ended before the gateway began recording: not installed, not missing. Absent otherwise.
    public var notInstalled: Bool?

    enum CodingKeys: String, CodingKey {
        case date, am, pm, readings, events, head, complete
        case amChecks = "am_checks", pmChecks = "pm_checks", minC = "min_c", maxC = "max_c", meanC = "mean_c"
        case minutesOutOfRange = "minutes_out_of_range", noData = "no_data", notInstalled = "not_installed"
    }

    public init(date: String, am: SheetReading? = nil, pm: SheetReading? = nil, amChecks: [SheetCheck] = [], pmChecks: [SheetCheck] = [],
                minC: Double? = nil, maxC: Double? = nil, meanC: Double? = nil, readings: Int = 0, minutesOutOfRange: Int = 0,
                events: [SheetNote] = [], noData: [SheetSpan] = [], head: SheetHead? = nil, complete: Bool = true, notInstalled: Bool? = nil) {
        self.date = date; self.am = am; self.pm = pm; self.amChecks = amChecks; self.pmChecks = pmChecks; self.minC = minC; self.maxC = maxC
        self.meanC = meanC; self.readings = readings; self.minutesOutOfRange = minutesOutOfRange; self.events = events; self.noData = noData
        self.head = head; self.complete = complete; self.notInstalled = notInstalled
    }
}

public struct SheetReading: Codable, Sendable, Equatable {
    public var at: String
    public var c: Double
    public init(at: String, c: Double) { self.at = at; self.c = c }
}

public struct SheetCheck: Codable, Sendable, Equatable {
    public var at: String
    public var c: Double
    public var by: String
    public var probeC: Double?
    public var differenceC: Double?
    public var flagged: Bool
    public var note: String?
    enum CodingKeys: String, CodingKey { case at, c, by, flagged, note, probeC = "probe_c", differenceC = "difference_c" }
    public init(at: String, _ b: InspectionRecorded) {
        self.at = at; c = b.celsius; by = b.by; probeC = b.probeCelsius; differenceC = b.difference; flagged = b.flagged; note = b.note
    }
}

public struct SheetNote: Codable, Sendable, Equatable {
    public var at: String
    /// excursion, alarm, acknowledged, gap, no_data, unrecorded, power, door, clock
    public var kind: String
    /// What happened, without times (a renderer writes `at`, `from` and `to` in the reader's time): in English,
    /// and in Chinese (`zh`), which the sheet shows first.
    public var text: String
    public var zh: String?
    /// The period it concerns, when it is one (an excursion since, a gap from and to).
    public var from: String?
    public var to: String?
    public init(at: String, kind: String, text: String, zh: String? = nil, from: Date? = nil, to: Date? = nil) {
        self.at = at; self.kind = kind; self.text = text; self.zh = zh; self.from = from.map { RFC3339.format($0) }; self.to = to.map { RFC3339.format($0) }
    }
}

public struct SheetSpan: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var minutes: Int
    public init(from: String, to: String, minutes: Int) { self.from = from; self.to = to; self.minutes = minutes }
}

public struct SheetHead: Codable, Sendable, Equatable {
    public var seq: Int64
    /// The first 16 hex digits of the event's hash: enough to check by eye, `verify --anchor SEQ:HASH` takes the full one.
    public var hash: String
    public init(seq: Int64, hash: String) { self.seq = seq; self.hash = hash }
}
