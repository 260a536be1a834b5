import ColdChain
import Control
import FoundationEssentials
import Storage

/// Delivery bills: parts recorded as they arrive, checked against the bills already open; status; closing.
extension ScanHub {
    /// Records one part of a bill. Every line is checked again here (a client is outside input, whoever read the
    /// file); a line whose dose is on another open bill is refused with both bills. A part already on record is
    /// not written twice, so a bill interrupted half-way is completed by sending it again.
    public func receive(_ a: Commands.ReceiveImport.Arguments, uid: UInt32?, at t: Date) -> Result<BillPartReply, ControlFailure> {
        // The bill's own fields refuse the part whole; then each line is read as a file's row would be.
        let senderText: String, day: GS1Date
        switch DeliveryBill.header(bill: a.bill, sender: a.sender, date: a.date) {
        case .success(let h): (senderText, day) = h
        case .failure(let p): return .failure(ControlFailure(.invalidArgument, p.reason))
        }
        var builder = DeliveryBill.Builder(currentYear: calendar.day(at: t).year)
        for l in a.lines {
            builder.add(row: l.row, bill: a.bill, sender: a.sender, date: a.date, code: l.code, lot: l.lot ?? "", expiry: l.expiry ?? "", name: l.name ?? "")
        }
        let (parsed, lineRefusals) = builder.result
        let lines = parsed.first?.lines ?? []
        var reply: BillPartReply?
        var conflict: ControlFailure?
        let outcome = monitor.commit { hub in
            let s = hub.scans
            if s.closedBills.contains(a.bill) {
                conflict = ControlFailure(.conflict, "bill \(a.bill) was closed; a closed bill is not received again")
                return []
            }
            if let open = s.bills[a.bill] {
                guard open.sender == senderText, open.date == day.description, open.parts == a.parts else {
                    conflict = ControlFailure(.conflict, "bill \(a.bill) is open with sender \(open.sender), date \(open.date) and \(open.parts) part(s); this part says otherwise")
                    return []
                }
                if open.partsReceived.contains(a.part) {
                    reply = BillPartReply(bill: a.bill, part: a.part, parts: a.parts, recorded: 0, alreadyRecorded: true, refused: [], seq: nil)
                    return []
                }
            }
            var refused = lineRefusals
            var kept: [BillReceived.Line] = []
            for l in lines {
                if let other = s.billOfDose[l.dose], other != a.bill {
                    refused.append(.init(row: l.row, reason: "\(l.dose) is on open bill \(other) too: close one of them first (\(other), \(a.bill))"))
                    continue
                }
                kept.append(BillReceived.Line(dose: l.dose, product: l.product, lot: l.lot, expiry: l.expiry?.description, name: l.name, row: l.row))
            }
            reply = BillPartReply(bill: a.bill, part: a.part, parts: a.parts, recorded: kept.count, alreadyRecorded: false,
                                  refused: refused.sorted { $0.row < $1.row }, seq: nil)
            return [NewEvent(BillReceived(bill: a.bill, sender: senderText, date: day.description, part: a.part, parts: a.parts, lines: kept,
                                          refused: a.refused + refused.count, uid: uid.map { Int($0) }), at: t)]
        }
        if let conflict { return .failure(conflict) }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success(let written):
            guard var r = reply else { return .failure(ControlFailure(.internal, "the ledger did not accept the bill")) }
            r.seq = written.first?.seq
            return .success(r)
        }
    }

    /// Ends receiving against a bill, with what was missing and what came on no bill.
    public func closeBill(_ id: String, by: String, note: String?, uid: UInt32?, at t: Date) -> Result<BillClosedReply, ControlFailure> {
        var body: BillClosed?
        let outcome = monitor.commit { hub in
            guard let open = hub.scans.bills[id] else { return [] }
            let closed = open.closed(automatic: false, by: by, note: note, uid: uid.map { Int($0) })
            body = closed
            return [NewEvent(closed, at: t)]
        }
        guard let body else { return .failure(ControlFailure(.notFound, "no open bill \(id.truncated(64).escapedForTerminal) (coldchainctl receive status)")) }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success(let written):
            guard let e = written.first else { return .failure(ControlFailure(.internal, "the ledger did not accept the closing")) }
            return .success(BillClosedReply(seq: e.seq, at: e.recordedAt, body: body))
        }
    }

    /// The open bills (or one), oldest number first.
    public func billStatus(_ id: String?) -> Result<[BillStatus], ControlFailure> {
        let bills = monitor.state.withLock { $0.scans.bills }
        if let id {
            guard let b = bills[id] else { return .failure(ControlFailure(.notFound, "no open bill \(id.truncated(64).escapedForTerminal) (coldchainctl receive status)")) }
            return .success([BillStatus(b)])
        }
        return .success(bills.keys.sorted().map { BillStatus(bills[$0]!) })
    }

    /// Whether a bill from the platform still has something to record: not closed, and not every part on record.
    func wantsBill(_ id: String) -> Bool {
        monitor.state.withLock { s in !s.scans.closedBills.contains(id) && s.scans.bills[id]?.isComplete != true }
    }

    /// A product's name: the catalogue's, else the one a delivery bill gave.
    public func productName(_ product: String) -> String? {
        config.catalogue.name(product) ?? monitor.state.withLock { $0.scans.billNames[product] }
    }
}
