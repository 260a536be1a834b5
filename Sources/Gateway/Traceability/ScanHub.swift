import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import Storage
import Synchronization

/// Stock, holds and scanner modes, rebuilt from the ledger; every scan gets its verdict here and is recorded,
/// refused or not. Verdicts reach the nurse through the watch stream and a pulse of the fridge's alarm output.
///
/// Its state is part of the hub's recorded state (`MonitorHub.State.scans`), so that the recorder can judge several
/// scans in one transaction, each seeing the ones before it.
public final class ScanHub: Sendable {
    struct State {
        var stock: [String: Dose] = [:]
        var holds: [Int: Hold] = [:]
        var nextHold = 1
        var excursions: [Int: ExcursionSpan] = [:]
        var modes: [String: (mode: ScannerMode, fridge: String)] = [:]
        /// Doses taken out by the changes of the batch being recorded, with how they left: not in the ledger yet, so
        /// the dose index cannot say they went out (a second scan-out in the same batch is `already_out`, a scan-in
        /// of one administered `already_used`). Empty between batches.
        var recentlyOut: [String: DosePast] = [:]
        /// Delivery bills being received against, the bill each dose is on, and the names bills give products.
        var bills: [String: OpenBill] = [:]
        var billOfDose: [String: String] = [:]
        var billNames: [String: String] = [:]
        /// Bills closed: never opened again (the platform may list a delivery for days after it was received).
        var closedBills: Set<String> = []
        /// What was decided about each dose's exposures, by excursion. Kept when the dose leaves: a decision is never
        /// cleared by a movement (a dose to be discarded that was transferred out and back is still to be discarded).
        var decisions: [String: [Int: AssessmentRecorded.Decision]] = [:]
        /// Each scanner's last scan since the daemon started (the stock's scans restored at start-up are not it).
        var lastScan: [String: ScannerStatus.LastScan] = [:]
    }

    let config: GatewayConfig
    let ledger: Ledger
    let monitor: MonitorHub
    let log: Log
    /// Asks the dose index whether a dose not in stock ever went out (`already_out`), inside a commit: the
    /// ledger's answer replaces a set of every dose ever taken out, which grew by 100 a day for the gateway's life.
    let doseIndex: Mutex<LedgerReader>
    /// Per scanner: are its unrecognised codes a person's, or line noise? (Not ledger state: what it decides is.)
    let noise = Mutex<[String: ScanNoiseGate]>([:])
    /// Per scanner: is its device open, since when, and why not (the reader says; not ledger state).
    let links = Mutex<[String: (up: Bool, since: Date, error: String?)]>([:])

    /// The clinic's calendar: expiry verdicts and `inventory --expiring` judge dates on it.
    public let calendar: ClinicCalendar

    public init(config: GatewayConfig, ledger: Ledger, monitor: MonitorHub, reader: LedgerReader, log: Log,
                calendar: ClinicCalendar = ClinicCalendar(offset: LocalTime.utcOffset)) throws {
        self.config = config; self.ledger = ledger; self.monitor = monitor; self.log = log; self.calendar = calendar
        doseIndex = Mutex(try LedgerReader(path: ledger.path))
        var s = State()
        for sc in config.scanners { s.modes[sc.id] = (sc.mode, sc.fridge) }
        // The stock from the scans that put each dose in (the ledger's stock table), then everything else that
        // shapes a verdict. Scans and the other kinds touch different parts of the state, so the order between
        // the two reads does not matter; within each it is the ledger's.
        let types: [EventType] = [.scannerSwitched, .holdAdded, .holdRemoved, .excursionOpened, .excursionClosed, .excursionPeak,
                                  .billReceived, .billClosed, .assessmentRecorded]
        var billSeq: [String: Int64] = [:]
        for e in try reader.stockScans() + reader.events(types: types.map(\.rawValue)) {
            do {
                guard let typed = try e.typed() else { continue }
                if case .billReceived(let b) = typed, billSeq[b.bill] == nil { billSeq[b.bill] = e.seq }
                Self.apply(typed, at: e.at, to: &s)
            } catch {
                log.warning("ledger event \(e.seq): \(error); skipped while restoring stock and holds")
            }
        }
        // Which lines of the open bills were scanned in, and what came on no bill: the scans since the oldest of them.
        if let from = s.bills.keys.compactMap({ billSeq[$0] }).min() {
            for e in try reader.events(types: [Scan.type.rawValue], in: from...Int64.max) {
                if case .scan(let b)? = try? e.typed() { Self.track(b, in: &s) }
            }
        }
        s.lastScan = [:]
        // Through the recorder, so that it lands in order with any change already queued.
        let restored = s
        monitor.commit { hub in
            hub.scans = restored
            return []
        }
    }

    /// Folds one event into the state: a recorded one at start-up, and as the recorder computes it (before it is
    /// written: the recorder makes the state it folded into the state only once the append succeeded).
    static func apply(_ typed: TypedEvent, at: Date, to s: inout State) {
        switch typed {
        case .scan(let b):
            s.lastScan[b.scanner] = .init(at: RFC3339.format(at), verdict: b.verdict, refused: b.refused)
            guard b.moved, let key = b.dose else { return }
            if b.isIn {
                s.stock[key] = Dose(key: key, product: b.product ?? "", lot: b.lot, expiry: b.expiry.flatMap { GS1Date.parseISO($0) },
                                    fridge: b.fridge, inAt: at, code: b.code["raw"]?.stringValue ?? key, carried: Self.carried(b))
                s.recentlyOut[key] = nil
                track(b, in: &s)
            } else {
                // What it leaves with: how, and its unreleased exposures (they come back with it after a transfer).
                if let dose = s.stock.removeValue(forKey: key) {
                    let carried = DoseVerifier.unreleased(of: dose, in: Array(s.excursions.values), now: at, decisions: s.decisions[key] ?? [:])
                    s.recentlyOut[key] = DosePast(departure: DoseDeparture(mode: b.mode), carried: carried)
                }
            }
        case .scannerSwitched(let b):
            guard let current = s.modes[b.scanner] else { return }
            s.modes[b.scanner] = (b.mode ?? current.mode, b.fridge ?? current.fridge)
        case .holdAdded(let b):
            s.holds[b.hold] = Hold(id: b.hold, product: b.product, lot: b.lot, code: b.code, reason: b.reason, source: b.source)
            s.nextHold = max(s.nextHold, b.hold + 1)
        case .holdRemoved(let b):
            s.holds[b.hold] = nil
        case .excursionOpened(let b): note(b.excursion, end: nil, in: &s)
        case .excursionPeak(let b): note(b.excursion, end: nil, in: &s)
        case .excursionClosed(let b): note(b.excursion, end: b.end, in: &s)
        case .billReceived(let b):
            var bill = s.bills[b.bill] ?? OpenBill(id: b.bill, sender: b.sender, date: b.date, parts: b.parts)
            bill.partsReceived.insert(b.part)
            for l in b.lines {
                bill.lines[l.dose] = l
                s.billOfDose[l.dose] = b.bill
                if let n = l.name, s.billNames[l.product] == nil { s.billNames[l.product] = n }
            }
            s.bills[b.bill] = bill
        case .assessmentRecorded(let a):
            for d in a.doses { s.decisions[d, default: [:]][a.excursion] = a.decision }
        case .billClosed(let c):
            s.closedBills.insert(c.bill)
            guard let bill = s.bills.removeValue(forKey: c.bill) else { return }
            for d in bill.lines.keys where s.billOfDose[d] == c.bill { s.billOfDose[d] = nil }
        default: break
        }
    }

    /// The excursions a returning dose's scan-in says it brought back.
    static func carried(_ b: Scan) -> [Int] {
        guard case .object(let detail) = b.detail, case .array(let ids)? = detail[DoseVerifier.carriedKey] else { return [] }
        return ids.compactMap(\.intValue)
    }

    /// A dose's moving scans, as its past is judged from them.
    static func movements(_ events: [LedgerEvent]) -> [DosePast.Movement] {
        events.compactMap { e in
            guard case .scan(let b)? = try? e.typed(), b.moved else { return nil }
            return DosePast.Movement(at: e.at, into: b.isIn, mode: b.mode, fridge: b.fridge, carried: carried(b))
        }
    }

    /// A dose received: a line of its bill scanned, or one on no bill noted on every open bill.
    static func track(_ b: Scan, in s: inout State) {
        guard b.moved, b.isIn, let key = b.dose, !s.bills.isEmpty else { return }
        if let id = s.billOfDose[key] {
            s.bills[id]?.scanned.insert(key)
        } else if b.verdict == Verdict.notOnBill.rawValue {
            for id in s.bills.keys { s.bills[id]?.unexpected.append(key) }
        }
    }

    /// An excursion as the verdicts need it: where, from when to when, and how far out of range.
    static func note(_ x: ExcursionState, end: Date?, in s: inout State) {
        s.excursions[x.id] = ExcursionSpan(id: x.id, fridge: x.fridge, start: x.start, end: end, peakC: x.peakC)
    }

    /// One scan from `scanner`: parses, judges, records (durable on return) and tells listeners. Blocking.
    ///
    /// The verdict is computed by the recorder from the state, with the changes queued before it; the state it
    /// folds the event into becomes the state only once the event is written (`MonitorHub.run`). When the ledger
    /// refuses the write, the stock is unchanged, the watch stream says "not recorded" and the fridge's alarm output
    /// pulses: the nurse must not believe it was recorded.
    @discardableResult
    public func record(scanner: String, bytes: [UInt8], at now: Date) -> LedgerEvent? {
        // A code dropped as noise is never judged: nothing to wait for.
        monitor.recorder.wait { (done: @escaping @Sendable (LedgerEvent?) -> Void) in
            if !submit(scanner: scanner, bytes: bytes, at: now, done: done) { done(nil) }
        } ?? nil
    }

    /// One scan, queued for the recorder without waiting: the scanner's reader goes on to the next code while this
    /// one's verdict waits for its own commit (and nothing else does). The watch stream hears the verdict once it is
    /// durable; `done` hears the written event (nil when refused). Returns false when the code was noise, dropped
    /// before judging.
    @discardableResult
    public func submit(scanner: String, bytes: [UInt8], at now: Date, done: (@Sendable (LedgerEvent?) -> Void)? = nil) -> Bool {
        let today = calendar.day(at: now)
        let scan = TraceCodeParser.parse(bytes, currentYear: today.year)
        if case .unrecognised = scan.code {
            let decision = noise.withLock { gates in gates[scanner, default: ScanNoiseGate()].unrecognised(sample: scan.raw, at: now) }
            if decision == .suppress { return false }
        }
        // The judged event, kept typed for the log and the pulse below (not parsed back from its own JSON). Written by
        // the recorder's change, read in its outcome, both on the recorder's queue.
        let judged = Mutex<TypedEvent?>(nil)
        monitor.submit({ [self] hub in
            let state = hub.scans
            var event = Self.judge(scan, scanner: scanner, state: state, config: config, now: now, today: today,
                                   wentOut: { state.recentlyOut[$0] != nil || hasGoneOut($0) },
                                   past: { key in state.recentlyOut[key] ?? past(of: key, state: state) })
            // An expiry judged while the system clock is known to be wrong says so, with the time it was judged at.
            let clockWrong: String? = monitor.recordClock.flatMap { rc in
                rc.isBehind ? "behind the record" : rc.aheadSeconds.map { "\(DurationText.describe($0)) ahead of the record" }
            }
            if case .scan(var s)? = event, s.expiry != nil, let clockWrong, case .object(var detail) = s.detail {
                detail["clock"] = .string("the system clock is \(clockWrong); expiry judged at \(RFC3339.format(now)), the record's time")
                s.detail = .object(detail)
                event = .scan(s)
            }
            judged.withLock { $0 = event }
            var events = event.map { [NewEvent($0, at: now)] } ?? []
            // The last line of a bill scanned in closes it, in the same transaction as the scan.
            if case .scan(let sc)? = event, sc.moved, sc.isIn, let dose = sc.dose, let billID = hub.scans.billOfDose[dose],
               var open = hub.scans.bills[billID], open.isComplete {
                open.scanned.insert(dose)
                if open.scanned.count == open.lines.count {
                    events.append(NewEvent(open.closed(automatic: true, by: nil, note: nil, uid: nil), at: now))
                }
            }
            return events
        }, done: { [self] outcome in
            let event = judged.withLock { $0 }
            var verdict: Scan?, fridge: String?
            switch event {
            case .scan(let s)?: verdict = s; fridge = s.fridge
            case .scannerSwitched(let s)?: fridge = s.fridge
            default: break
            }
            switch outcome {
            case .success(let written):
                if let verdict {
                    log.info("scan \(scanner): \(verdict.verdict) \(verdict.dose ?? scan.raw)")
                    monitor.signal(SignalClass(verdict: verdict.verdict, refused: verdict.refused), scanner: scanner, fridge: verdict.fridge)
                } else if event != nil {
                    log.notice("scanner \(scanner): \(scan.raw)")
                } else {
                    log.error("scanner \(scanner): \(scan.raw) was not judged: the scanner is not configured")
                }
                done?(written.first)
            case .failure(let refusal):
                log.error("scan \(scanner) NOT RECORDED (\(refusal.reason)): \(scan.raw)")
                if let fridge { monitor.signal(.other, scanner: scanner, fridge: fridge) }
                done?(nil)
            }
        })
        return true
    }

    /// The event one scan makes: a verdict, or a scanner switched by a command card. Reads the state only.
    static func judge(_ scan: ParsedScan, scanner: String, state s: State, config: GatewayConfig, now: Date, today: GS1Date,
                      wentOut: (String) -> Bool, past: (String) -> DosePast? = { _ in nil }) -> TypedEvent? {
        guard let current = s.modes[scanner] else { return nil }
        if case .command(let c) = scan.code {
            switch c {
            case .mode(let m): return .scannerSwitched(ScannerSwitched(scanner: scanner, mode: m, fridge: nil))
            case .fridge(let f):
                guard config.fridges.contains(where: { $0.id == f }) else {
                    return .scan(Scan(scanner: scanner, fridge: current.fridge, mode: current.mode, direction: nil, verdict: "unrecognised",
                                      refused: true, moved: false,
                                      detail: ["reason": .string("command card names fridge '\(f)', which is not configured")], code: scan.json))
                }
                return .scannerSwitched(ScannerSwitched(scanner: scanner, mode: nil, fridge: f))
            }
        }
        let direction = current.mode.isOut ? "out" : Scan.Key.into
        // In id order: a dictionary's order differs from one instance to the next, and the verdict's detail lists
        // the excursions in the order given (the recorder's replay test found two ledgers differing only in that).
        let holds = s.holds.values.sorted { $0.id < $1.id }, excursions = s.excursions.values.sorted { $0.id < $1.id }
        // Receiving is checked against the open bills; a bill's line gives a Chinese code its lot and expiry.
        var bill = DoseVerifier.BillCheck.notInUse
        if direction == Scan.Key.into, let key = scan.doseKey, !s.bills.isEmpty {
            if let b = s.billOfDose[key], let line = s.bills[b]?.lines[key] {
                bill = .on(bill: b, lot: line.lot, expiry: line.expiry.flatMap { GS1Date.parseISO($0) })
            } else {
                bill = .onNone(open: s.bills.count)
            }
        }
        let outcome = direction == Scan.Key.into
            ? DoseVerifier.scanIn(scan, fridge: current.fridge, stock: s.stock, holds: holds, today: today, bill: bill, past: past)
            : DoseVerifier.scanOut(scan, mode: current.mode, stock: s.stock, wentOut: wentOut, holds: holds,
                                   excursions: excursions, now: now, today: today, decisions: scan.doseKey.flatMap { s.decisions[$0] } ?? [:])
        let id = DoseVerifier.identity(scan, bill: bill)
        // A dose comes out of the fridge it went into.
        let fridge = direction == "out" ? id.flatMap { s.stock[$0.key]?.fridge } ?? current.fridge : current.fridge
        return .scan(Scan(scanner: scanner, fridge: fridge, mode: current.mode, direction: direction, verdict: outcome.verdict.rawValue,
                          refused: DoseVerifier.refuses(outcome.verdict), moved: outcome.moves, detail: .object(outcome.detail), code: scan.json,
                          dose: id?.key, product: id?.product, lot: id?.lot, expiry: id?.expiry?.description))
    }

    /// Whether `dose` ever went out, from the ledger. A read error is logged and answers no: the scan is refused
    /// either way (`not_in_stock` instead of `already_out`).
    func hasGoneOut(_ dose: String) -> Bool {
        do { return try doseIndex.withLock { try $0.hasGoneOut(dose: dose) } } catch {
            log.error("ledger: cannot read the scans of \(dose): \(error)")
            return false
        }
    }

    /// How `dose` (not in stock) last left, from its last stay in the ledger (the scan that brought it in records
    /// what it carried from the stays before), and what it would bring back. A read error is logged and answers "never left": the dose is then received as new, which is
    /// what the gateway did before it asked at all; the scan is recorded either way.
    func past(of dose: String, state: State) -> DosePast? {
        do {
            let scans = try doseIndex.withLock { try $0.lastMovements(dose: dose) }
            return DosePast.from(Self.movements(scans), excursions: Array(state.excursions.values), decisions: state.decisions[dose] ?? [:])
        } catch {
            log.error("ledger: cannot read the scans of \(dose): \(error)")
            return nil
        }
    }

    deinit { doseIndex.withLock { $0.close() } }

    /// Time passing for the noise gates: records one `scanner.noise` per noisy interval of `scanner`.
    public func tickNoise(scanner: String, at now: Date) {
        guard let report = noise.withLock({ $0[scanner]?.tick(at: now) }) else { return }
        let fridge = monitor.state.withLock { $0.scans.modes[scanner]?.fridge } ?? ""
        if report.ended {
            log.notice("scanner \(scanner): the line is quiet again")
        } else {
            log.warning("scanner \(scanner): \(report.count) unrecognised codes in \(DurationText.describe(report.to.timeIntervalSince(report.from))): line noise or a wrong baud rate? (sample \(report.sample))")
        }
        monitor.commitExternal {
            [NewEvent(ScannerNoise(scanner: scanner, fridge: fridge, from: report.from, to: report.to, count: report.count,
                                   sample: report.sample, ended: report.ended), at: now)]
        }
    }

    /// Scanners whose line is noisy now, for `status`.
    /// The reader's word on its device.
    func link(_ scanner: String, up: Bool, at: Date, error: String? = nil) {
        links.withLock { l in
            if let old = l[scanner], old.up == up, old.error == error { return }
            l[scanner] = (up, at, error)
        }
    }

    public func scannerStates() -> [ScannerStatus] {
        let links = self.links.withLock { $0 }
        let (modes, last) = monitor.state.withLock { ($0.scans.modes, $0.scans.lastScan) }
        return config.scanners.map { sc in
            let mode = modes[sc.id] ?? (sc.mode, sc.fridge), link = links[sc.id]
            return ScannerStatus(id: sc.id, device: sc.device, mode: mode.mode, fridge: mode.fridge, up: link?.up ?? false,
                                 since: link.map { RFC3339.format($0.since) }, error: link?.error ?? (link == nil ? "not opened yet" : nil),
                                 lastScan: last[sc.id])
        }
    }

    public func noisyScanners() -> [NoisyScanner] {
        noise.withLock { gates in
            gates.keys.sorted().compactMap { id in
                gates[id]?.spell.map { sp in
                    NoisyScanner(scanner: id, since: RFC3339.format(sp.since), notRecordedIndividually: sp.total)
                }
            }
        }
    }
}
