import ColdChain
import Control
import FoundationEssentials
import Storage

/// Doses exposed to an excursion, held until someone decides: the county CDC's assessment releases them for use or
/// sends them to be discarded.
extension ScanHub {
    /// Per closed excursion, the doses in stock that sat through it and await a decision, and those to discard.
    public struct ExposureSummary: Sendable, Equatable {
        public var awaiting: [Int: [String]] = [:]
        public var toDiscard: [Int: [String]] = [:]
        public var fridges: [Int: String] = [:]
    }

    static func exposure(_ s: State, now: Date) -> ExposureSummary {
        var out = ExposureSummary()
        // Per fridge, the ended excursions by their end: a dose sat through those that ended after it went in, so
        // each dose looks only at the few since then (status reads this; years of excursions must not cost it).
        let byFridge = Dictionary(grouping: s.excursions.values.filter { $0.end != nil }, by: \.fridge).mapValues { $0.sorted { $0.end! < $1.end! } }
        guard !byFridge.isEmpty else { return out }
        defer {
            for k in out.awaiting.keys { out.awaiting[k]!.sort() }
            for k in out.toDiscard.keys { out.toDiscard[k]!.sort() }
        }
        for dose in s.stock.values {
            guard let xs = byFridge[dose.fridge] else { continue }
            var lo = 0, hi = xs.count
            while lo < hi { let mid = (lo + hi) / 2; if xs[mid].end! > dose.inAt { hi = mid } else { lo = mid + 1 } }
            // With the excursions it carried back from an earlier stay (ended before this one began).
            let since = Array(xs[lo...])
            let carried = dose.carried.compactMap { s.excursions[$0] }.filter { c in c.end != nil && !since.contains { $0.id == c.id } }
            for x in DoseVerifier.exposures(of: dose, in: since + carried, now: now).sorted(by: { $0.id < $1.id }) {
                out.fridges[x.id] = x.fridge
                switch s.decisions[dose.key]?[x.id] {
                case nil: out.awaiting[x.id, default: []].append(dose.key)
                case .discard?: out.toDiscard[x.id, default: []].append(dose.key)
                case .release?: break
                }
            }
        }
        return out
    }

    public func exposure(now: Date) -> ExposureSummary { Self.exposure(monitor.state.withLock { $0.scans }, now: now) }

    /// Records the decision on doses exposed to a closed excursion: the ones named (each must be one of them), or
    /// all of them in stock now.
    public func assess(excursion id: Int, decision: AssessmentRecorded.Decision, codes: [String], by: String, note: String, uid: UInt32?,
                       at t: Date) -> Result<Recorded<AssessmentRecorded>, ControlFailure> {
        let year = calendar.day(at: t).year
        var named: [String] = []
        for c in codes {
            guard let key = TraceCodeParser.parse(Array(c.utf8), currentYear: year).doseKey else {
                return .failure(ControlFailure(.invalidArgument, "--dose '\(c.truncated(40).escapedForTerminal)' names no single dose"))
            }
            named.append(key)
        }
        var refusal: ControlFailure?
        var body: AssessmentRecorded?
        let outcome = monitor.commit { hub in
            let s = hub.scans
            guard let x = s.excursions[id] else { refusal = ControlFailure(.notFound, "no excursion \(id) (coldchainctl excursions)"); return [] }
            guard x.end != nil else {
                refusal = ControlFailure(.conflict, "excursion \(id) is still open: its doses are assessed once it has ended")
                return []
            }
            let exposed = Set(s.stock.values.filter { d in DoseVerifier.exposures(of: d, in: [x], now: t).isEmpty == false }.map(\.key))
            guard !exposed.isEmpty else {
                refusal = ControlFailure(.notFound, "no dose in stock sat through excursion \(id)")
                return []
            }
            if let stray = named.first(where: { !exposed.contains($0) }) {
                refusal = ControlFailure(.invalidArgument, "\(stray) is not a dose in stock that sat through excursion \(id)")
                return []
            }
            let a = AssessmentRecorded(excursion: id, fridge: x.fridge, decision: decision, doses: named.isEmpty ? exposed.sorted() : named,
                                       by: by, note: note, uid: uid.map { Int($0) })
            body = a
            return [NewEvent(a, at: t)]
        }
        if let refusal { return .failure(refusal) }
        switch outcome {
        case .failure(let r): return .failure(r.controlFailure)
        case .success(let written):
            guard let e = written.first, let body else { return .failure(ControlFailure(.internal, "the ledger did not accept the assessment")) }
            return .success(Recorded(seq: e.seq, at: e.recordedAt, body: body))
        }
    }
}
