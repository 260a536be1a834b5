import ColdChain
import Control
import FoundationEssentials
import Storage

extension ScanHub {
    /// Adds a hold by GTIN (or a Chinese product id), optionally narrowed to a lot or one code; records who did it.
    public func addHold(product: String, lot: String?, code: String?, reason: String, source: String, uid: UInt32?, at t: Date)
        -> Result<Hold, ControlFailure>
    {
        guard !reason.trimmingWhitespace.isEmpty else { return .failure(ControlFailure(.invalidArgument, "a reason is required (--reason TEXT)")) }
        var hold: Hold?
        let outcome = monitor.commit { hub in
            let s = hub.scans
            let h = Hold(id: s.nextHold, product: product, lot: lot, code: code, reason: reason, source: source)
            hold = h
            return [NewEvent(HoldAdded(hold: h.id, product: product, lot: lot, code: code, reason: reason, source: source, uid: uid.map { Int($0) }), at: t)]
        }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success: return hold.map { .success($0) } ?? .failure(ControlFailure(.internal, "the ledger did not accept the hold"))
        }
    }

    public func removeHold(_ id: Int, uid: UInt32?, at t: Date) -> Result<Void, ControlFailure> {
        var missing = false
        let outcome = monitor.commit { hub in
            guard hub.scans.holds[id] != nil else { missing = true; return [] }
            return [NewEvent(HoldRemoved(hold: id, uid: uid.map { Int($0) }, source: nil), at: t)]
        }
        if missing { return .failure(ControlFailure(.notFound, "no hold \(id) (coldchainctl hold list)")) }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success(let written): return written.isEmpty ? .failure(ControlFailure(.internal, "the ledger did not accept the removal")) : .success(())
        }
    }

    /// Makes the platform-sourced holds equal to `list`: records what appeared and what went away. Nil when the
    /// ledger refused the change (the next download tries again).
    public func syncPlatformHolds(_ list: [PlatformHold], at t: Date) -> (added: Int, removed: Int)? {
        var counts = (0, 0)
        let outcome = monitor.commit { hub in
            let s = hub.scans
            var events: [NewEvent] = []
            var next = s.nextHold
            let current = s.holds.values.filter { $0.source == "platform" }
            for h in current where !list.contains(where: { $0.product == h.product && $0.lot == h.lot && $0.code == h.code }) {
                events.append(NewEvent(HoldRemoved(hold: h.id, uid: nil, source: "platform"), at: t))
                counts.1 += 1
            }
            for p in list where !current.contains(where: { $0.product == p.product && $0.lot == p.lot && $0.code == p.code }) {
                events.append(NewEvent(HoldAdded(hold: next, product: p.product, lot: p.lot, code: p.code, reason: p.reason,
                                                 source: "platform", uid: nil), at: t))
                next += 1
                counts.0 += 1
            }
            return events
        }
        if case .failure = outcome { return nil }
        return counts
    }

    public var holds: [Hold] { monitor.state.withLock { $0.scans.holds.values.sorted { $0.id < $1.id } } }

    /// Doses in stock grouped by fridge, product, lot and expiry, earliest expiry first.
    public func inventory(fridge: String?, expiringWithin: Double?, now: Date) -> [StockGroup] {
        let limit = expiringWithin.map { calendar.day(at: now.addingTimeInterval($0)) }
        let (all, names, exposure) = monitor.state.withLock { ($0.scans.stock.values.map { $0 }, $0.scans.billNames, Self.exposure($0.scans, now: now)) }
        var exposedTo: [String: [Int]] = [:], discardFor: [String: [Int]] = [:]
        for (x, doses) in exposure.awaiting { for d in doses { exposedTo[d, default: []].append(x) } }
        for (x, doses) in exposure.toDiscard { for d in doses { discardFor[d, default: []].append(x) } }
        let doses = all.filter { d in
            guard fridge == nil || d.fridge == fridge else { return false }
            guard let limit else { return true }
            return d.expiry.map { $0 <= limit } ?? false
        }
        // Exposed doses are grouped apart: they are not to be used until someone decides. (A key of fields, not one
        // interpolated string: 20,000 doses' strings were most of the answer's time.)
        struct Key: Hashable { var fridge: String, product: String, lot: String?, expiry: GS1Date?, exposed: [Int], discard: [Int] }
        var groups: [Key: (Dose, Int, [Int], [Int])] = [:]
        for d in doses {
            let x = (exposedTo[d.key] ?? []).sorted(), dx = (discardFor[d.key] ?? []).sorted()
            let k = Key(fridge: d.fridge, product: d.product, lot: d.lot, expiry: d.expiry, exposed: x, discard: dx)
            if let g = groups[k] { groups[k] = (g.0, g.1 + 1, x, dx) } else { groups[k] = (d, 1, x, dx) }
        }
        return groups.values.sorted { a, b in
            (a.0.expiry?.description ?? "9999", a.0.fridge, a.0.product) < (b.0.expiry?.description ?? "9999", b.0.fridge, b.0.product)
        }.map { d, n, x, dx in
            StockGroup(fridge: d.fridge, product: d.product, name: config.catalogue.name(d.product) ?? names[d.product], lot: d.lot,
                       expiry: d.expiry?.description, count: n, exposed: x.isEmpty ? nil : x, discard: dx.isEmpty ? nil : dx)
        }
    }

    /// A dose's whole story: every scan of it, where it is, the excursions it sat through, holds on it.
    public func lookup(_ scan: ParsedScan, reader: LedgerReader, now: Date) throws -> DoseHistory {
        guard let id = DoseVerifier.identity(scan) else {
            throw ControlFailure(.invalidArgument, "this code names no single dose: \(DoseVerifier.reason(scan))")
        }
        // Through the scan index (by dose key): the cost is this dose's scans, not every scan ever recorded.
        let history = try reader.scans(dose: id.key, limit: 10_000)
        let (dose, excursions, holds) = monitor.state.withLock { h in
            (h.scans.stock[id.key], Array(h.scans.excursions.values), Array(h.scans.holds.values))
        }
        let scansOfDose: [(LedgerEvent, Scan)] = history.compactMap { e in
            guard case .scan(let b)? = (try? e.typed()) ?? nil else { return nil }
            return (e, b)
        }
        let out = scansOfDose.contains { $0.1.moved && !$0.1.isIn }
        var fridgeStays: [(String, Date, Date?)] = []
        for (e, b) in scansOfDose where b.moved {
            let t = e.at
            if b.isIn { fridgeStays.append((b.fridge, t, nil)) }
            else if let last = fridgeStays.indices.last { fridgeStays[last].2 = t }
        }
        let exposures = excursions.filter { x in fridgeStays.contains { $0.0 == x.fridge && x.start < ($0.2 ?? now) && (x.end ?? now) > $0.1 } }
            .sorted { $0.id < $1.id }
        return DoseHistory(
            dose: id.key, product: id.product, name: productName(id.product), status: dose != nil ? "in stock" : out ? "out" : "never scanned in", fridge: dose?.fridge,
            lot: id.lot, expiry: id.expiry?.description,
            scans: scansOfDose.map { e, b in
                .init(seq: e.seq, at: e.recordedAt, mode: b.mode, fridge: b.fridge, verdict: b.verdict, moved: b.moved, scanner: b.scanner)
            },
            exposures: exposures.map { x in
                .init(excursion: x.id, fridge: x.fridge, start: RFC3339.format(x.start), end: x.end.map { RFC3339.format($0) }, peakC: x.peakC,
                      durationSeconds: ((x.end ?? now).timeIntervalSince(x.start)).rounded())
            },
            holds: holds.filter { $0.covers((id.product, id.lot, id.key)) }.sorted { $0.id < $1.id })
    }
}
