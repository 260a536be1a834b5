import FoundationEssentials

/// `bill.received`: one part of a delivery bill as it arrived (a bill of many lines comes in parts of at most
/// `maxLines`, each recorded as it comes: a bill interrupted half-way is on record as far as it got, and sending it
/// again records only the parts still missing).
public struct BillReceived: EventBody {
    public static let type = EventType.billReceived
    public var typed: TypedEvent { .billReceived(self) }
    public static let maxLines = 100

    public struct Line: Sendable, Equatable {
        public var dose: String
        public var product: String
        public var lot: String?
        /// YYYY-MM-DD.
        public var expiry: String?
        public var name: String?
        /// The line's row in the file it was read from.
        public var row: Int
        public init(dose: String, product: String, lot: String?, expiry: String?, name: String?, row: Int) {
            self.dose = dose; self.product = product; self.lot = lot; self.expiry = expiry; self.name = name; self.row = row
        }
        var json: JSONValue {
            var w = BodyWriter()
            w.set("dose", dose); w.set("product", product); w.set("lot", lot); w.set("expiry", expiry); w.set("name", name); w.set("row", row)
            return w.json
        }
    }

    public var bill: String
    public var sender: String
    /// The bill's date, YYYY-MM-DD.
    public var date: String
    public var part: Int
    public var parts: Int
    public var lines: [Line]
    /// The file's lines refused before sending (bad codes, lots, expiries), counted, not listed.
    public var refused: Int
    public var uid: Int?

    public init(bill: String, sender: String, date: String, part: Int, parts: Int, lines: [Line], refused: Int, uid: Int?) {
        self.bill = bill; self.sender = sender; self.date = date; self.part = part; self.parts = parts; self.lines = lines
        self.refused = refused; self.uid = uid
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("bill", bill); w.set("sender", sender); w.set("date", date); w.set("part", part as Int?); w.set("parts", parts as Int?)
        w.set("lines", .array(lines.map(\.json))); w.set("refused", refused as Int?); w.set("uid", uid)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        guard case .array(let list)? = r.raw("lines") else { throw r.fail("lines", "is not a list") }
        var lines: [Line] = []
        for item in list {
            let l = try BodyReader(item, Self.type)
            lines.append(Line(dose: try l.string("dose"), product: try l.string("product"), lot: try l.optionalString("lot"),
                              expiry: try l.optionalString("expiry"), name: try l.optionalString("name"), row: try l.int("row")))
        }
        self.init(bill: try r.string("bill"), sender: try r.string("sender"), date: try r.string("date"), part: try r.int("part"),
                  parts: try r.int("parts"), lines: lines, refused: try r.int("refused"), uid: try r.optionalInt("uid"))
    }
}

/// `bill.closed`: receiving against a bill is over, by hand or because every line was scanned in; with what was on
/// the bill and never scanned (missing) and what was scanned in and on no bill while it was open (unexpected).
public struct BillClosed: EventBody {
    public static let type = EventType.billClosed
    public var typed: TypedEvent { .billClosed(self) }
    public var bill: String
    public var expected: Int
    public var scanned: Int
    public var missing: [String]
    public var unexpected: [String]
    /// True when the last line's scan closed it.
    public var automatic: Bool
    public var by: String?
    public var note: String?
    public var uid: Int?

    public init(bill: String, expected: Int, scanned: Int, missing: [String], unexpected: [String], automatic: Bool, by: String?, note: String?,
                uid: Int?) {
        self.bill = bill; self.expected = expected; self.scanned = scanned; self.missing = missing; self.unexpected = unexpected
        self.automatic = automatic; self.by = by; self.note = note; self.uid = uid
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("bill", bill); w.set("expected", expected as Int?); w.set("scanned", scanned as Int?)
        w.set("missing", .array(missing.map { .string($0) })); w.set("unexpected", .array(unexpected.map { .string($0) }))
        w.set("automatic", automatic); w.set("by", by); w.set("note", note); w.set("uid", uid)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(bill: try r.string("bill"), expected: try r.int("expected"), scanned: try r.int("scanned"), missing: try r.strings("missing"),
                  unexpected: try r.strings("unexpected"), automatic: try r.bool("automatic"), by: try r.optionalString("by"),
                  note: try r.optionalString("note"), uid: try r.optionalInt("uid"))
    }
}

/// `assessment.recorded`: what the county CDC decided about doses exposed to an excursion: keep using them (release)
/// or destroy them (discard). The doses are listed (all the excursion's exposed doses in stock when none were named),
/// so the decision is the record's, not recomputed.
public struct AssessmentRecorded: EventBody {
    public static let type = EventType.assessmentRecorded
    public var typed: TypedEvent { .assessmentRecorded(self) }
    public enum Decision: String, Sendable, Codable { case release, discard }
    public var excursion: Int
    public var fridge: String
    public var decision: Decision
    public var doses: [String]
    public var by: String
    public var note: String
    public var uid: Int?

    public init(excursion: Int, fridge: String, decision: Decision, doses: [String], by: String, note: String, uid: Int?) {
        self.excursion = excursion; self.fridge = fridge; self.decision = decision; self.doses = doses; self.by = by; self.note = note; self.uid = uid
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("excursion", excursion as Int?); w.set("fridge", fridge); w.set("decision", decision.rawValue)
        w.set("doses", .array(doses.map { .string($0) })); w.set("by", by); w.set("note", note); w.set("uid", uid)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(excursion: try r.int("excursion"), fridge: try r.string("fridge"), decision: try r.enumValue("decision"), doses: try r.strings("doses"),
                  by: try r.string("by"), note: try r.string("note"), uid: try r.optionalInt("uid"))
    }
}
