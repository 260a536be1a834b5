import FoundationEssentials

/// A dose in a fridge.
public struct Dose: Sendable, Equatable {
    public var key: String
    public var product: String
    public var lot: String?
    public var expiry: GS1Date?
    public var fridge: String
    public var inAt: Date
    public var code: String
    /// Excursions it sat through in an earlier stay here, before a transfer out and back, that no one released: its
    /// exposure travels with it (recorded in the scan that brought it back).
    public var carried: [Int]

    public init(key: String, product: String, lot: String?, expiry: GS1Date?, fridge: String, inAt: Date, code: String, carried: [Int] = []) {
        self.key = key; self.product = product; self.lot = lot; self.expiry = expiry; self.fridge = fridge; self.inAt = inAt; self.code = code
        self.carried = carried
    }
}

/// How a dose last left the stock: its life here is in stock, then administered, discarded or transferred.
public enum DoseDeparture: String, Sendable, Equatable {
    case administered, discarded, transferred

    public init(mode: ScannerMode) {
        switch mode {
        case .discard: self = .discarded
        case .transfer: self = .transferred
        case .in, .out: self = .administered
        }
    }
}

/// What the record says of a dose that is not in stock now: how it left, and the excursions it sat through here
/// that no one released (a transferred dose brings them back with it).
public struct DosePast: Sendable, Equatable {
    public var departure: DoseDeparture
    public var carried: [Int]
    public init(departure: DoseDeparture, carried: [Int]) { self.departure = departure; self.carried = carried }

    /// One of the dose's scans, as far as its life here is concerned.
    public struct Movement: Sendable {
        public var at: Date
        public var into: Bool
        public var mode: ScannerMode
        public var fridge: String
        public var carried: [Int]
        public init(at: Date, into: Bool, mode: ScannerMode, fridge: String, carried: [Int]) {
            self.at = at; self.into = into; self.mode = mode; self.fridge = fridge; self.carried = carried
        }
    }

    /// The past of a dose from its moving scans, oldest first (nil when it never left): the last departure, and the
    /// unreleased excursions of every stay (each stay's own, and what its scan-in carried).
    public static func from(_ moves: [Movement], excursions: [ExcursionSpan], decisions: [Int: AssessmentRecorded.Decision]) -> DosePast? {
        var stayIn: Movement?
        var carried: [Int] = []
        var departure: DoseDeparture?
        for m in moves {
            if m.into {
                stayIn = m
                carried = m.carried
                departure = nil
            } else if let stay = stayIn {
                let dose = Dose(key: "", product: "", lot: nil, expiry: nil, fridge: stay.fridge, inAt: stay.at, code: "", carried: carried)
                carried = DoseVerifier.unreleased(of: dose, in: excursions, now: m.at, decisions: decisions)
                departure = DoseDeparture(mode: m.mode)
                stayIn = nil
            }
        }
        return departure.map { DosePast(departure: $0, carried: carried) }
    }
}

/// A platform hold or recall, or a local one: by GTIN (or Chinese product id), optionally narrowed to a lot or one code.
public struct Hold: Sendable, Equatable, Codable {
    public var id: Int
    public var product: String      // "gs1:GTIN" or "cn:PRODUCTID"
    public var lot: String?
    public var code: String?
    public var reason: String
    public var source: String

    public init(id: Int, product: String, lot: String?, code: String?, reason: String, source: String) {
        self.id = id; self.product = product; self.lot = lot; self.code = code; self.reason = reason; self.source = source
    }

    public func covers(_ d: (product: String, lot: String?, code: String)) -> Bool {
        guard product == d.product else { return false }
        if let lot, lot != d.lot { return false }
        if let code, code != d.code { return false }
        return true
    }
}

/// An excursion as far as a dose is concerned: where, when, how bad.
public struct ExcursionSpan: Sendable, Equatable {
    public var id: Int
    public var fridge: String
    public var start: Date
    public var end: Date?
    public var peakC: Double
    public init(id: Int, fridge: String, start: Date, end: Date?, peakC: Double) {
        self.id = id; self.fridge = fridge; self.start = start; self.end = end; self.peakC = peakC
    }
}

public enum Verdict: String, Sendable {
    case ok, expired, duplicate, held, unrecognised, exposed, fefo
    /// Scanned in while delivery bills are open, and on none of them: received, and flagged (a warning, not a refusal).
    case notOnBill = "not_on_bill"
    case notInStock = "not_in_stock"
    case alreadyOut = "already_out"
    /// Scanned in after it was administered here: one dose, one life; the stock does not move.
    case alreadyUsed = "already_used"
    /// Scanned in after it was discarded here.
    case discarded
}

/// The verdict a nurse hears at the moment of a scan, from the stock, holds and excursions recorded so far.
public enum DoseVerifier {
    public struct Outcome: Sendable {
        public var verdict: Verdict
        public var detail: [String: JSONValue]
        /// Whether the stock changes: the dose goes in, or comes out.
        public var moves: Bool
    }

    /// What the open delivery bills say of a dose being scanned in.
    public enum BillCheck: Sendable, Equatable {
        /// No bill is open: receiving is not checked against bills.
        case notInUse
        /// The dose is a line of this bill, which gives its lot and expiry (a Chinese code carries neither).
        case on(bill: String, lot: String?, expiry: GS1Date?)
        /// Bills are open and the dose is on none of them.
        case onNone(open: Int)
    }

    /// The dose's identity fields from a parse, or nil when it names no single dose. A bill's line gives the lot
    /// and expiry the code does not carry (never overriding what the code says).
    public static func identity(_ scan: ParsedScan, bill: BillCheck = .notInUse) -> (key: String, product: String, lot: String?, expiry: GS1Date?, code: String)? {
        guard let key = scan.doseKey, let product = scan.product else { return nil }
        var lot: String?, expiry: GS1Date?
        if case .gs1(let g) = scan.code { lot = g.lot; expiry = g.expiry }
        if case .on(_, let l, let e) = bill { lot = lot ?? l; expiry = expiry ?? e }
        return (key, product, lot, expiry, scan.raw)
    }

    static func isExpired(_ e: GS1Date?, today: GS1Date) -> Bool { e.map { $0 < today } ?? false }

    /// Scan-in: ok, expired, duplicate (already in stock), held, unrecognised; `not_on_bill` (received, flagged) when
    /// bills are open and the dose is on none; `already_used` or `discarded` for a dose that left that way (asked
    /// of `past` only for a dose not in stock). A dose transferred out comes back: its unreleased exposures with it.
    public static func scanIn(_ scan: ParsedScan, fridge: String, stock: [String: Dose], holds: [Hold], today: GS1Date,
                              bill: BillCheck = .notInUse, past: (String) -> DosePast? = { _ in nil }) -> Outcome {
        guard let id = identity(scan, bill: bill) else {
            return Outcome(verdict: .unrecognised, detail: ["reason": .string(reason(scan))], moves: false)
        }
        let before = stock[id.key] == nil ? past(id.key) : nil
        switch before?.departure {
        case .administered?: return Outcome(verdict: .alreadyUsed, detail: [:], moves: false)
        case .discarded?: return Outcome(verdict: .discarded, detail: [:], moves: false)
        case .transferred?, nil: break
        }
        let outcome = scanInJudged(id, stock: stock, holds: holds, today: today, bill: bill)
        guard let before, outcome.moves else { return outcome }
        var returned = outcome
        returned.detail["returned"] = .bool(true)
        if !before.carried.isEmpty { returned.detail[Self.carriedKey] = .array(before.carried.map { .number(Double($0)) }) }
        return returned
    }

    /// The key of a returning dose's scan-in detail that lists the excursions it brings back.
    public static let carriedKey = "carried_exposures"

    static func scanInJudged(_ id: (key: String, product: String, lot: String?, expiry: GS1Date?, code: String), stock: [String: Dose],
                             holds: [Hold], today: GS1Date, bill: BillCheck) -> Outcome {
        if isExpired(id.expiry, today: today) {
            return Outcome(verdict: .expired, detail: ["expiry": .string(id.expiry!.description)], moves: false)
        }
        if let h = holds.first(where: { $0.covers((id.product, id.lot, id.key)) }) {
            return Outcome(verdict: .held, detail: ["hold": .number(Double(h.id)), "reason": .string(h.reason), "source": .string(h.source)], moves: false)
        }
        if let d = stock[id.key] {
            return Outcome(verdict: .duplicate, detail: ["fridge": .string(d.fridge), "in_at": .string(RFC3339.format(d.inAt))], moves: false)
        }
        switch bill {
        case .notInUse: return Outcome(verdict: .ok, detail: [:], moves: true)
        case .on(let b, _, _): return Outcome(verdict: .ok, detail: ["bill": .string(b)], moves: true)
        case .onNone(let open): return Outcome(verdict: .notOnBill, detail: ["open_bills": .number(Double(open))], moves: true)
        }
    }

    /// Whether a verdict refuses the dose (the nurse is told; the fridge's output pulses). `not_on_bill` receives it.
    public static func refuses(_ v: Verdict) -> Bool { v != .ok && v != .notOnBill }

    /// Scan-out (administered, transferred, discarded): ok, expired, exposed, held, not_in_stock, already_out, fefo.
    /// Discarding a dose that is expired, exposed or held is the right thing to do: those are noted, not refused.
    /// `wentOut` says whether a dose has ever been taken out; it is asked only about a dose not in stock.
    ///
    /// `decisions`: what was decided about this dose's exposures, by excursion. A released exposure no longer
    /// refuses it (the release is noted); one to be discarded still does, and says so.
    public static func scanOut(_ scan: ParsedScan, mode: ScannerMode, stock: [String: Dose], wentOut: (String) -> Bool, holds: [Hold],
                               excursions: [ExcursionSpan], now: Date, today: GS1Date,
                               decisions: [Int: AssessmentRecorded.Decision] = [:]) -> Outcome {
        guard let id = identity(scan) else {
            return Outcome(verdict: .unrecognised, detail: ["reason": .string(reason(scan))], moves: false)
        }
        guard let dose = stock[id.key] else {
            return Outcome(verdict: wentOut(id.key) ? .alreadyOut : .notInStock, detail: [:], moves: false)
        }
        var problems: [(Verdict, [String: JSONValue])] = []
        if let h = holds.first(where: { $0.covers((dose.product, dose.lot, id.key)) }) {
            problems.append((.held, ["hold": .number(Double(h.id)), "reason": .string(h.reason), "source": .string(h.source)]))
        }
        if isExpired(dose.expiry, today: today) { problems.append((.expired, ["expiry": .string(dose.expiry!.description)])) }
        let exposedTo = exposures(of: dose, in: excursions, now: now)
        let released = exposedTo.filter { decisions[$0.id] == .release }.map(\.id)
        let exposures = exposedTo.filter { decisions[$0.id] != .release }
        if !exposures.isEmpty {
            problems.append((.exposed, ["excursions": .array(exposures.map { e in
                var o: [String: JSONValue] = ["id": .number(Double(e.id)), "start": .string(RFC3339.format(e.start)), "peak_c": .number(e.peakC),
                                              "duration_s": .number((e.end ?? now).timeIntervalSince(e.start).rounded())]
                if let end = e.end { o["end"] = .string(RFC3339.format(end)) }
                if let d = decisions[e.id] { o["decision"] = .string(d.rawValue) }
                return .object(o)
            })]))
        }
        if mode == .discard {
            var detail: [String: JSONValue] = [:]
            if !problems.isEmpty { detail["noted"] = .array(problems.map { .object(["verdict": .string($0.0.rawValue)].merging($0.1) { a, _ in a }) }) }
            return Outcome(verdict: .ok, detail: detail, moves: true)
        }
        if let first = problems.first { return Outcome(verdict: first.0, detail: first.1, moves: false) }
        let releasedNote: [String: JSONValue] = released.isEmpty ? [:] : ["released": .array(released.map { .number(Double($0)) })]
        // First expiry, first out: an earlier-expiring dose of the same product in this fridge should go first.
        if let mine = dose.expiry, let earlier = stock.values.filter({ $0.product == dose.product && $0.fridge == dose.fridge && $0.key != dose.key })
            .compactMap({ d in d.expiry.map { (d, $0) } }).filter({ $0.1 < mine && !isExpired($0.1, today: today) }).min(by: { $0.1 < $1.1 }) {
            return Outcome(verdict: .fefo, detail: ["earlier": .string(earlier.0.code), "earlier_expiry": .string(earlier.1.description)], moves: false)
        }
        return Outcome(verdict: .ok, detail: releasedNote, moves: true)
    }

    /// The excursions a dose in stock sat through (the `exposed` rule): in its fridge, after it went in; and those of
    /// an earlier stay it carried back (a transfer out and in again), wherever they were.
    public static func exposures(of dose: Dose, in excursions: [ExcursionSpan], now: Date) -> [ExcursionSpan] {
        excursions.filter { x in (x.fridge == dose.fridge && x.start < now && (x.end ?? now) > dose.inAt) || dose.carried.contains(x.id) }
    }

    /// The ids of the excursions a dose is exposed to, in this stay or carried from an earlier one, that no decision
    /// released: what it takes with it when it leaves.
    public static func unreleased(of dose: Dose, in excursions: [ExcursionSpan], now: Date, decisions: [Int: AssessmentRecorded.Decision]) -> [Int] {
        let ids = exposures(of: dose, in: excursions, now: now).map(\.id) + dose.carried
        var seen = Set<Int>()
        return ids.filter { decisions[$0] != .release && seen.insert($0).inserted }.sorted()
    }

    /// Why a scan names no single dose.
    public static func reason(_ scan: ParsedScan) -> String {
        switch scan.code {
        case .unrecognised(let why): return why
        case .retailEAN: return "a retail barcode names a product, not one dose"
        case .gs1: return "GS1 data without (01) GTIN and (21) serial does not name one dose"
        default: return "not a dose"
        }
    }
}
