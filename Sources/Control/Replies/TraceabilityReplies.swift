import ColdChain

/// One scan as `scans` lists it: the recorded body (one definition, `Scan`) with its sequence number and time.
public typealias ScanRow = Recorded<Scan>

/// Doses in stock of one fridge, product, lot and expiry (`inventory`).
public struct StockGroup: Codable, Sendable, Equatable {
    public var fridge: String
    public var product: String
    /// The product's name from the catalogue; absent when it does not know the product.
    public var name: String?
    public var lot: String?
    /// YYYY-MM-DD.
    public var expiry: String?
    public var count: Int
    /// Excursions these doses sat through that await a decision (`assess`), and those decided: discard.
    public var exposed: [Int]?
    public var discard: [Int]?
    public init(fridge: String, product: String, name: String? = nil, lot: String?, expiry: String?, count: Int, exposed: [Int]? = nil,
                discard: [Int]? = nil) {
        self.fridge = fridge; self.product = product; self.name = name; self.lot = lot; self.expiry = expiry; self.count = count
        self.exposed = exposed; self.discard = discard
    }
}

public struct HoldRemovedReply: Codable, Sendable, Equatable {
    public var removed: Int
    public init(removed: Int) { self.removed = removed }
}

/// `lookup CODE`: one dose's whole story. Absent facts are written as null (the reply always had these keys).
public struct DoseHistory: Codable, Sendable, Equatable {
    public var dose: String
    public var product: String
    /// The product's name from the catalogue (null when it does not know the product).
    public var name: String?
    /// "in stock", "out" or "never scanned in".
    public var status: String
    public var fridge: String?
    public var lot: String?
    public var expiry: String?
    public var scans: [DoseScan]
    public var exposures: [Exposure]
    public var holds: [Hold]

    public init(dose: String, product: String, name: String? = nil, status: String, fridge: String?, lot: String?, expiry: String?,
                scans: [DoseScan], exposures: [Exposure], holds: [Hold]) {
        self.dose = dose; self.product = product; self.name = name; self.status = status; self.fridge = fridge; self.lot = lot; self.expiry = expiry
        self.scans = scans; self.exposures = exposures; self.holds = holds
    }

    public struct DoseScan: Codable, Sendable, Equatable {
        public var seq: Int64
        public var at: String
        public var mode: ScannerMode
        public var fridge: String
        public var verdict: String
        public var moved: Bool
        public var scanner: String
        public init(seq: Int64, at: String, mode: ScannerMode, fridge: String, verdict: String, moved: Bool, scanner: String) {
            self.seq = seq; self.at = at; self.mode = mode; self.fridge = fridge; self.verdict = verdict; self.moved = moved
            self.scanner = scanner
        }
    }

    /// An excursion in a fridge while the dose was in it.
    public struct Exposure: Codable, Sendable, Equatable {
        public var excursion: Int
        public var fridge: String
        public var start: String
        public var end: String?
        public var peakC: Double
        public var durationSeconds: Double
        enum CodingKeys: String, CodingKey { case excursion, fridge, start, end, peakC = "peak_c", durationSeconds = "duration_s" }
        public init(excursion: Int, fridge: String, start: String, end: String?, peakC: Double, durationSeconds: Double) {
            self.excursion = excursion; self.fridge = fridge; self.start = start; self.end = end; self.peakC = peakC
            self.durationSeconds = durationSeconds
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(excursion, forKey: .excursion); try c.encode(fridge, forKey: .fridge); try c.encode(start, forKey: .start)
            try c.encode(end, forKey: .end); try c.encode(peakC, forKey: .peakC); try c.encode(durationSeconds, forKey: .durationSeconds)
        }
    }

    enum CodingKeys: String, CodingKey { case dose, product, name, status, fridge, lot, expiry, scans, exposures, holds }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dose, forKey: .dose); try c.encode(product, forKey: .product); try c.encode(name, forKey: .name)
        try c.encode(status, forKey: .status)
        try c.encode(fridge, forKey: .fridge); try c.encode(lot, forKey: .lot); try c.encode(expiry, forKey: .expiry)
        try c.encode(scans, forKey: .scans); try c.encode(exposures, forKey: .exposures); try c.encode(holds, forKey: .holds)
    }
}
