import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import Storage
import Synchronization

/// Stock, holds and scanner modes, rebuilt from the ledger; every scan gets its verdict here and is recorded,
/// refused or not. Verdicts reach the nurse through the watch stream and a pulse of the fridge's alarm output.
public final class ScanHub: Sendable {
    struct State {
        var stock: [String: Dose] = [:]
        var wentOut: Set<String> = []
        var holds: [Int: Hold] = [:]
        var nextHold = 1
        var excursions: [Int: ExcursionSpan] = [:]
        var modes: [String: (mode: String, fridge: String)] = [:]
    }

    let config: GatewayConfig
    let ledger: Ledger
    let monitor: MonitorHub
    let log: Log
    let state: Mutex<State>
    /// Per scanner: are its unrecognised codes a person's, or line noise? (Not ledger state: what it decides is.)
    let noise = Mutex<[String: ScanNoiseGate]>([:])

    /// How long a refused scan switches the fridge's alarm output on.
    static let refusalPulse = 2.0

    /// The clinic's calendar: expiry verdicts and `inventory --expiring` judge dates on it.
    public let calendar: ClinicCalendar

    public init(config: GatewayConfig, ledger: Ledger, monitor: MonitorHub, reader: LedgerReader, log: Log,
                calendar: ClinicCalendar = ClinicCalendar(offset: LocalTime.utcOffset)) throws {
        self.config = config; self.ledger = ledger; self.monitor = monitor; self.log = log; self.calendar = calendar
        var s = State()
        for sc in config.scanners { s.modes[sc.id] = (sc.mode, sc.fridge) }
        let types = ["scan", "scanner.switched", "hold.added", "hold.removed", "excursion.opened", "excursion.closed", "excursion.peak"]
        for e in try reader.events(types: types) { Self.apply(e, to: &s) }
        state = Mutex(s)
        _ = monitor.addListener { [weak self] e in
            guard e.type.hasPrefix("excursion.") else { return }
            self?.state.withLock { Self.apply(e, to: &$0) }
        }
    }

    /// Folds one recorded event into the state: the same code at start-up and while running.
    static func apply(_ e: LedgerEvent, to s: inout State) {
        apply(type: e.type, at: RFC3339.parse(e.at) ?? Date(), body: e.bodyValue, to: &s)
    }

    static func apply(type: String, at: Date, body b: JSONValue, to s: inout State) {
        switch type {
        case "scan":
            guard b["moved"] == true, let key = b["dose"]?.stringValue else { return }
            if b["direction"] == "in" {
                s.stock[key] = Dose(key: key, product: b["product"]?.stringValue ?? "", lot: b["lot"]?.stringValue,
                                    expiry: b["expiry"]?.stringValue.flatMap { GS1Date.parseISO($0) }, fridge: b["fridge"]?.stringValue ?? "",
                                    inAt: at, code: b["code"]?["raw"]?.stringValue ?? key)
                s.wentOut.remove(key)
            } else {
                s.stock[key] = nil
                s.wentOut.insert(key)
            }
        case EventType.scannerSwitched.rawValue:
            guard let sc = b["scanner"]?.stringValue, let current = s.modes[sc] else { return }
            s.modes[sc] = (b["mode"]?.stringValue ?? current.mode, b["fridge"]?.stringValue ?? current.fridge)
        case "hold.added":
            guard let id = b["hold"]?.intValue, let product = b["product"]?.stringValue else { return }
            s.holds[id] = Hold(id: id, product: product, lot: b["lot"]?.stringValue, code: b["code"]?.stringValue,
                               reason: b["reason"]?.stringValue ?? "", source: b["source"]?.stringValue ?? "local")
            s.nextHold = max(s.nextHold, id + 1)
        case "hold.removed":
            if let id = b["hold"]?.intValue { s.holds[id] = nil }
        case "excursion.opened", "excursion.peak", "excursion.closed":
            guard let id = b["excursion"]?.intValue, let fridge = b["fridge"]?.stringValue,
                  let start = b["start"]?.stringValue.flatMap(RFC3339.parse) else { return }
            let peak = b["side"] == "low" ? b["min_c"]?.doubleValue : b["max_c"]?.doubleValue
            s.excursions[id] = ExcursionSpan(id: id, fridge: fridge, start: start,
                                             end: b["end"]?.stringValue.flatMap(RFC3339.parse), peakC: peak ?? 0)
        default: break
        }
    }


    /// One scan from `scanner`: parses, judges, records (durable on return) and tells listeners. Blocking.
    ///
    /// The verdict is computed from the state, the event appended, and only the written event is folded into the
    /// state (by `apply`, as at start-up). When the ledger refuses the write, the stock is unchanged, the watch
    /// stream says "not recorded" and the fridge's alarm output pulses: the nurse must not believe it was recorded.
    @discardableResult
    public func record(scanner: String, bytes: [UInt8], at now: Date) -> LedgerEvent? {
        let today = calendar.day(at: now)
        let scan = TraceCodeParser.parse(bytes, currentYear: today.year)
        if case .unrecognised = scan.code {
            let decision = noise.withLock { gates in gates[scanner, default: ScanNoiseGate()].unrecognised(sample: scan.raw, at: now) }
            if decision == .suppress { return nil }
        }
        var attempted: NewEvent?
        var fridge: String?
        let outcome = monitor.commitExternal({ () -> [NewEvent] in
            let event = state.withLock { s in Self.judge(scan, scanner: scanner, state: s, config: config, now: now, today: today) }
            attempted = event
            return event.map { [$0] } ?? []
        }, apply: { written in
            state.withLock { s in for e in written { Self.apply(e, to: &s) } }
        })
        let body = attempted.flatMap { try? JSONValue.parse(Data($0.body.utf8)) }
        fridge = body?["fridge"]?.stringValue
        switch outcome {
        case .success(let written):
            guard let e = written.first else { return nil }
            if e.type == EventType.scannerSwitched.rawValue {
                log.notice("scanner \(scanner): \(scan.raw)")
            } else {
                log.info("scan \(scanner): \(body?["verdict"]?.stringValue ?? "?") \(body?["dose"]?.stringValue ?? scan.raw)")
                if body?["refused"] == true, let fridge { monitor.pulse(fridge: fridge, seconds: Self.refusalPulse, from: now) }
            }
            return e
        case .failure(let refusal):
            log.error("scan \(scanner) NOT RECORDED (\(refusal.reason)): \(scan.raw)")
            if let fridge { monitor.pulse(fridge: fridge, seconds: Self.refusalPulse, from: now) }
            return nil
        }
    }

    /// The event one scan makes: a verdict, or a scanner switched by a command card. Reads the state only.
    static func judge(_ scan: ParsedScan, scanner: String, state s: State, config: GatewayConfig, now: Date, today: GS1Date) -> NewEvent? {
        guard let current = s.modes[scanner] else { return nil }
        if case .command(let c) = scan.code {
            var body: [String: JSONValue] = ["scanner": .string(scanner)]
            switch c {
            case .mode(let m): body["mode"] = .string(m)
            case .fridge(let f):
                guard config.fridges.contains(where: { $0.id == f }) else {
                    return NewEvent(.scan, at: now, body: ["scanner": .string(scanner), "fridge": .string(current.fridge),
                        "mode": .string(current.mode), "verdict": "unrecognised", "refused": true, "moved": false,
                        "detail": ["reason": .string("command card names fridge '\(f)', which is not configured")], "code": scan.json])
                }
                body["fridge"] = .string(f)
            }
            return NewEvent(.scannerSwitched, at: now, body: .object(body))
        }
        let direction = current.mode == "in" ? "in" : "out"
        let outcome = direction == "in"
            ? DoseVerifier.scanIn(scan, fridge: current.fridge, stock: s.stock, holds: Array(s.holds.values), today: today)
            : DoseVerifier.scanOut(scan, mode: current.mode, stock: s.stock, wentOut: s.wentOut, holds: Array(s.holds.values),
                                   excursions: Array(s.excursions.values), now: now, today: today)
        var body: [String: JSONValue] = [
            "scanner": .string(scanner), "fridge": .string(current.fridge), "mode": .string(current.mode),
            "direction": .string(direction), "verdict": .string(outcome.verdict.rawValue),
            "refused": .bool(outcome.verdict != .ok), "moved": .bool(outcome.moves), "detail": .object(outcome.detail), "code": scan.json,
        ]
        if let id = DoseVerifier.identity(scan) {
            body["dose"] = .string(id.key); body["product"] = .string(id.product)
            if let l = id.lot { body["lot"] = .string(l) }
            if let e = id.expiry { body["expiry"] = .string(e.description) }
        }
        if direction == "out", let d = DoseVerifier.identity(scan).flatMap({ s.stock[$0.key] }) {
            body["fridge"] = .string(d.fridge)  // a dose comes out of the fridge it went into
        }
        return NewEvent(.scan, at: now, body: .object(body))
    }

    /// Time passing for the noise gates: records one `scanner.noise` per noisy interval of `scanner`.
    public func tickNoise(scanner: String, at now: Date) {
        guard let report = noise.withLock({ $0[scanner]?.tick(at: now) }) else { return }
        let fridge = state.withLock { $0.modes[scanner]?.fridge } ?? ""
        if report.ended {
            log.notice("scanner \(scanner): the line is quiet again")
        } else {
            log.warning("scanner \(scanner): \(report.count) unrecognised codes in \(DurationText.describe(report.to.timeIntervalSince(report.from))): line noise or a wrong baud rate? (sample \(report.sample))")
        }
        monitor.commitExternal {
            [NewEvent(.scannerNoise, at: now, body: [
                "scanner": .string(scanner), "fridge": .string(fridge), "from": .string(RFC3339.format(report.from)),
                "to": .string(RFC3339.format(report.to)), "count": .number(Double(report.count)), "sample": .string(report.sample),
                "ended": .bool(report.ended),
            ])]
        }
    }

    /// Scanners whose line is noisy now, for `status`.
    public func noisyScanners() -> [JSONValue] {
        noise.withLock { gates in
            gates.keys.sorted().compactMap { id in
                gates[id]?.spell.map { sp in
                    ["scanner": .string(id), "since": .string(RFC3339.format(sp.since)), "not_recorded_individually": .number(Double(sp.total))]
                }
            }
        }
    }
}

extension GS1Date {
    /// Parses YYYY-MM-DD as written in events.
    static func parseISO(_ s: String) -> GS1Date? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        return p.count == 3 ? GS1Date(year: p[0], month: p[1], day: p[2]) : nil
    }
}
