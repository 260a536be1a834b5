import FoundationEssentials

/// `inspection.recorded`: a person read the fridge's own thermometer (the twice-daily manual check of the
/// temperature record sheet), with the probe reading nearest to it at that moment. A difference of more than
/// `InspectionRecorded.tolerance` between the two is flagged in the record and on the sheet.
public struct InspectionRecorded: EventBody {
    public static let type = EventType.inspectionRecorded
    public var typed: TypedEvent { .inspectionRecorded(self) }
    /// Thermometer and probe may differ by this much (°C) before the check is flagged.
    public static let tolerance = 1.0

    public var fridge: String
    /// What the thermometer showed, °C.
    public var celsius: Double
    /// The name the person gave, and the uid of the account that ran the command.
    public var by: String
    public var uid: Int?
    public var note: String?
    /// The probe reading closest to the thermometer among the fridge's sensors with a current reading; absent when
    /// none had one (the check is then recorded unflagged, and `difference` is absent).
    public var probeSensor: String?
    public var probeCelsius: Double?
    public var probeAt: Date?

    public init(fridge: String, celsius: Double, by: String, uid: Int?, note: String?, probeSensor: String?, probeCelsius: Double?, probeAt: Date?) {
        self.fridge = fridge; self.celsius = celsius; self.by = by; self.uid = uid; self.note = note
        self.probeSensor = probeSensor; self.probeCelsius = probeCelsius; self.probeAt = probeAt
    }

    /// Thermometer minus probe, °C, to 0.01.
    public var difference: Double? { probeCelsius.map { ((celsius - $0) * 100).rounded() / 100 } }
    public var flagged: Bool { difference.map { abs($0) > Self.tolerance } ?? false }

    public var json: JSONValue {
        var w = BodyWriter()
        w.set("fridge", fridge); w.set("c", celsius); w.set("by", by); w.set("uid", uid); w.set("note", note)
        w.set("probe_sensor", probeSensor); w.set("probe_c", probeCelsius); w.set("probe_at", probeAt.map { RFC3339.format($0) })
        w.set("difference_c", difference); w.set("flagged", flagged)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(fridge: try r.string("fridge"), celsius: try r.double("c"), by: try r.string("by"), uid: try r.optionalInt("uid"),
                  note: try r.optionalString("note"), probeSensor: try r.optionalString("probe_sensor"), probeCelsius: try r.optionalDouble("probe_c"),
                  probeAt: r.has("probe_at") ? try r.date("probe_at") : nil)
    }
}
/// `backup.completed`: a verified copy of the ledger up to `headSeq` (whose hash is `headHash`) is in `file`.
/// The record itself says how complete each backup was.
public struct BackupCompleted: EventBody {
    public static let type = EventType.backupCompleted
    public var typed: TypedEvent { .backupCompleted(self) }
    public var file: String
    public var headSeq: Int
    public var headHash: String
    /// Events appended to the copy this time (all of them when the copy was new).
    public var copied: Int
    /// Whether the copy was new (a full copy) or extended the previous one.
    public var full: Bool
    public var bytes: Int
    public var seconds: Double
    public init(file: String, headSeq: Int, headHash: String, copied: Int, full: Bool, bytes: Int, seconds: Double) {
        self.file = file; self.headSeq = headSeq; self.headHash = headHash; self.copied = copied; self.full = full; self.bytes = bytes
        self.seconds = (seconds * 1000).rounded() / 1000
    }
    public var json: JSONValue {
        ["file": .string(file), "head_seq": .number(Double(headSeq)), "head_hash": .string(headHash), "copied": .number(Double(copied)),
         "full": .bool(full), "bytes": .number(Double(bytes)), "seconds": .number(seconds)]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(file: try r.string("file"), headSeq: try r.int("head_seq"), headHash: try r.string("head_hash"), copied: try r.int("copied"),
                  full: try r.bool("full"), bytes: try r.int("bytes"), seconds: try r.double("seconds"))
    }
}

/// `backup.failed`: the copy could not be written or did not verify; recording went on regardless.
public struct BackupFailed: EventBody {
    public static let type = EventType.backupFailed
    public var typed: TypedEvent { .backupFailed(self) }
    public var dir: String
    public var error: String
    public init(dir: String, error: String) { self.dir = dir; self.error = error }
    public var json: JSONValue { ["dir": .string(dir), "error": .string(error)] }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(dir: try r.string("dir"), error: try r.string("error"))
    }
}
