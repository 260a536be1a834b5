import ColdChain
import Control
import FoundationEssentials
import POSIX

extension CtlCommand {
    /// `receive import FILE`: reads the bill here (the daemon cannot see a technician's files: it runs with
    /// ProtectHome= and a private /tmp), lists the rows refused, and sends the rest in parts of at most
    /// `BillReceived.maxLines` lines on one connection. Sending a file again records only the parts still missing.
    static func receiveImport(_ file: String, _ ctx: CtlContext) throws(ExitCode) -> ExitStatus {
        let bytes: [UInt8]
        do {
            guard let read = try readRegularFile(file, limit: DeliveryBill.maxBytes) else {
                printError("coldchainctl: \(file) is larger than \(DeliveryBill.maxBytes >> 20) MiB; a bill file is at most that")
                return .failure
            }
            bytes = read
        } catch {
            printError("coldchainctl: cannot read \(file): \(error)")
            return .failure
        }
        let year = PeopleTime.calendar.day(at: PeopleTime.now).year
        let isJSON = file.lowercased().hasSuffix(".json") || bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }).map { $0 == 0x7B || $0 == 0x5B } == true
        let parsed = isJSON ? DeliveryBill.parse(json: bytes, currentYear: year) : DeliveryBill.parse(csv: bytes, currentYear: year)
        let bills: [DeliveryBill], refused: [Catalogue.Refusal]
        switch parsed {
        case .success(let (b, r)): (bills, refused) = (b, r)
        case .failure(let e):
            printError("coldchainctl: \(file): \(e.description)")
            return .failure
        }
        for r in refused.prefix(50) { printError("coldchainctl: \(file) \(isJSON ? "line" : "row") \(r.row): \(r.reason); not sent") }
        if refused.count > 50 { printError("coldchainctl: \(refused.count - 50) more rows refused") }
        guard !bills.isEmpty else {
            printError("coldchainctl: \(file): no line to send")
            return .failure
        }
        let client = try connect(ctx).get()
        var replies: [BillPartReply] = []
        for bill in bills {
            for part in Commands.ReceiveImport.parts(of: bill, refused: refused.count) {
                let request = Commands.ReceiveImport.request(part)
                do {
                    switch try client.call(request, as: BillPartReply.self) {
                    case .ok(let r, _): replies.append(r)
                    case .failure(let f): throw CtlCommand.refused(f, request, ctx)
                    }
                } catch let e as ExitCode {
                    throw e
                } catch {
                    throw lostConnection(ctx, error)
                }
            }
        }
        if ctx.json {
            print((try? JSONValue(encoding: replies))?.serialized ?? "[]")
        } else {
            for bill in bills {
                let mine = replies.filter { $0.bill == bill.id }
                let recorded = mine.reduce(0) { $0 + $1.recorded }, again = mine.filter(\.alreadyRecorded).count
                print("bill \(bill.id) from \(bill.sender), \(bill.date.description): \(recorded) of \(bill.lines.count) line(s) recorded"
                      + (again > 0 ? ", \(again) part(s) already on record" : ""))
                for r in mine.flatMap(\.refused) { print("  row \(r.row) refused: \(r.reason)") }
            }
            if !refused.isEmpty { print("\(refused.count) row(s) of the file were not sent (listed above)") }
        }
        return refused.isEmpty && replies.allSatisfy({ $0.refused.isEmpty }) ? .ok : .failure
    }

    static func renderBillStatus(_ bills: [BillStatus]) {
        guard !bills.isEmpty else { print("no open bills"); return }
        var t = Table(["BILL", "SENDER", "DATE", "EXPECTED", "SCANNED", "MISSING", "NO BILL"], wrap: ["SENDER"])
        for b in bills {
            t.add([b.bill, b.sender, b.date, String(b.expected) + (b.partsReceived < b.parts ? " (\(b.partsReceived)/\(b.parts) parts)" : ""),
                   String(b.scanned), String(b.missing), String(b.unexpected)])
        }
        print(t.text)
        if bills.count == 1, let b = bills.first {
            for d in b.missingDoses { print("missing     \(d)") }
            for d in b.unexpectedDoses { print("unexpected  \(d)") }
            if b.missing > b.missingDoses.count || b.unexpected > b.unexpectedDoses.count { print("(the first \(BillStatus.listed) of each)") }
        }
    }

    static func renderBillClosed(_ r: BillClosedReply) {
        let b = r.body
        print("bill \(b.bill) closed (ledger event \(r.seq)): \(b.scanned) of \(b.expected) scanned, \(b.missing.count) missing, \(b.unexpected.count) on no bill")
        for d in b.missing.prefix(BillStatus.listed) { print("missing     \(d)") }
        for d in b.unexpected.prefix(BillStatus.listed) { print("unexpected  \(d)") }
    }
}
