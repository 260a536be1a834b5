import FoundationEssentials

/// `scan`: one scanned code, its verdict and whether the stock moved; refused scans are recorded too.
public struct Scan: EventBody {
    public static let type = EventType.scan
    public var typed: TypedEvent { .scan(self) }
    public var scanner: String
    public var fridge: String
    public var mode: ScannerMode
    /// "in" or "out"; absent when the code was a command card naming an unknown fridge.
    public var direction: String?
    public var verdict: String
    public var refused: Bool
    public var moved: Bool
    /// The verdict's detail (DoseVerifier) and the parsed code (ParsedScan.json), kept as they are.
    public var detail: JSONValue
    public var code: JSONValue
    public var dose: String?
    public var product: String?
    public var lot: String?
    public var expiry: String?
    /// Whether this scan puts a dose into a fridge (when it moved one) rather than taking one out.
    public var isIn: Bool { direction == Key.into }

    public init(scanner: String, fridge: String, mode: ScannerMode, direction: String?, verdict: String, refused: Bool, moved: Bool,
                detail: JSONValue, code: JSONValue, dose: String? = nil, product: String? = nil, lot: String? = nil, expiry: String? = nil) {
        self.scanner = scanner; self.fridge = fridge; self.mode = mode; self.direction = direction; self.verdict = verdict
        self.refused = refused; self.moved = moved; self.detail = detail; self.code = code
        self.dose = dose; self.product = product; self.lot = lot; self.expiry = expiry
    }

    /// Keys the ledger's scan index reads too (Storage/LedgerSchema).
    public enum Key {
        public static let dose = "dose", direction = "direction", moved = "moved"
        /// `direction`'s value for a dose going into a fridge; anything else takes it out.
        public static let into = "in"
    }

    public var json: JSONValue {
        var w = BodyWriter()
        w.set("scanner", scanner); w.set("fridge", fridge); w.set("mode", mode.rawValue); w.set(Key.direction, direction)
        w.set("verdict", verdict); w.set("refused", refused); w.set(Key.moved, moved); w.set("detail", detail); w.set("code", code)
        w.set(Key.dose, dose); w.set("product", product); w.set("lot", lot); w.set("expiry", expiry)
        return w.json
    }

    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(scanner: try r.string("scanner"), fridge: try r.string("fridge"), mode: try r.enumValue("mode"),
                  direction: try r.optionalString(Key.direction), verdict: try r.string("verdict"), refused: try r.bool("refused"),
                  moved: try r.bool(Key.moved), detail: r.raw("detail") ?? .null, code: r.raw("code") ?? .null,
                  dose: try r.optionalString(Key.dose), product: try r.optionalString("product"), lot: try r.optionalString("lot"),
                  expiry: try r.optionalString("expiry"))
    }
}

/// `scanner.switched`: a command card changed a scanner's mode or fridge.
public struct ScannerSwitched: EventBody {
    public static let type = EventType.scannerSwitched
    public var typed: TypedEvent { .scannerSwitched(self) }
    public var scanner: String
    public var mode: ScannerMode?
    public var fridge: String?
    public init(scanner: String, mode: ScannerMode?, fridge: String?) { self.scanner = scanner; self.mode = mode; self.fridge = fridge }

    public var json: JSONValue {
        var w = BodyWriter()
        w.set("scanner", scanner); w.set("mode", mode?.rawValue); w.set("fridge", fridge)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(scanner: try r.string("scanner"), mode: r.has("mode") ? try r.enumValue("mode") as ScannerMode : nil,
                  fridge: try r.optionalString("fridge"))
    }
}

/// `scanner.noise`: one interval of a noisy line, counted instead of recorded code by code.
public struct ScannerNoise: EventBody {
    public static let type = EventType.scannerNoise
    public var typed: TypedEvent { .scannerNoise(self) }
    public var scanner: String
    public var fridge: String
    public var from: Date
    public var to: Date
    public var count: Int
    public var sample: String
    public var ended: Bool
    public init(scanner: String, fridge: String, from: Date, to: Date, count: Int, sample: String, ended: Bool) {
        self.scanner = scanner; self.fridge = fridge; self.from = from; self.to = to; self.count = count; self.sample = sample; self.ended = ended
    }
    public var json: JSONValue {
        ["scanner": .string(scanner), "fridge": .string(fridge), "from": .string(RFC3339.format(from)), "to": .string(RFC3339.format(to)),
         "count": .number(Double(count)), "sample": .string(sample), "ended": .bool(ended)]
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(scanner: try r.string("scanner"), fridge: try r.string("fridge"), from: try r.date("from"), to: try r.date("to"),
                  count: try r.int("count"), sample: try r.string("sample"), ended: try r.bool("ended"))
    }
}

/// `hold.added`: doses of a product (optionally one lot or one code) must not be used; by a person or the platform.
public struct HoldAdded: EventBody {
    public static let type = EventType.holdAdded
    public var typed: TypedEvent { .holdAdded(self) }
    public var hold: Int
    public var product: String
    public var lot: String?
    public var code: String?
    public var reason: String
    public var source: String
    public var uid: Int?
    public init(hold: Int, product: String, lot: String?, code: String?, reason: String, source: String, uid: Int?) {
        self.hold = hold; self.product = product; self.lot = lot; self.code = code; self.reason = reason; self.source = source; self.uid = uid
    }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("hold", hold as Int?); w.set("product", product); w.set("lot", lot); w.set("code", code); w.set("reason", reason)
        w.set("source", source); w.set("uid", uid)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(hold: try r.int("hold"), product: try r.string("product"), lot: try r.optionalString("lot"), code: try r.optionalString("code"),
                  reason: try r.string("reason"), source: try r.string("source"), uid: try r.optionalInt("uid"))
    }
}

/// `hold.removed`: a hold lifted, by a person (uid) or the platform (source).
public struct HoldRemoved: EventBody {
    public static let type = EventType.holdRemoved
    public var typed: TypedEvent { .holdRemoved(self) }
    public var hold: Int
    public var uid: Int?
    public var source: String?
    public init(hold: Int, uid: Int?, source: String?) { self.hold = hold; self.uid = uid; self.source = source }
    public var json: JSONValue {
        var w = BodyWriter()
        w.set("hold", hold as Int?); w.set("uid", uid); w.set("source", source)
        return w.json
    }
    public init(json: JSONValue) throws(EventBodyError) {
        let r = try BodyReader(json, Self.type)
        self.init(hold: try r.int("hold"), uid: try r.optionalInt("uid"), source: try r.optionalString("source"))
    }
}
