import FoundationEssentials

/// A delivery bill (出库单/配送单): the doses a county CDC sends a clinic, each traceability code with its product,
/// lot and expiry. A Chinese 20-digit code carries neither lot nor expiry; the bill's line gives them, so that the
/// dose gets real `expired` and `fefo` verdicts. Read from a file another program wrote: each line is checked, and a
/// bad line is refused with its row without losing the rest.
public struct DeliveryBill: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        /// The dose's key (`cn:CODE`, `gs1:GTIN/SERIAL`) and its product's (`cn:PRODUCTID`, `gs1:GTIN`).
        public var dose: String
        public var product: String
        public var lot: String?
        public var expiry: GS1Date?
        /// The product's name, when the bill gives one (used where the catalogue has none).
        public var name: String?
        /// Where it was in the file (a CSV row, or a JSON line's position), for the refusals and the record.
        public var row: Int
        /// The code as the bill gives it (what a client sends the daemon, which reads it again).
        public var code: String
    }

    /// The bill's number, as the sender gives it.
    public var id: String
    public var sender: String
    /// The day it was issued (YYYY-MM-DD).
    public var date: GS1Date
    public var lines: [Line]

    /// Most lines one file may hold, and its largest size.
    public static let maxLines = 100_000
    public static let maxBytes = 16 << 20
    public static let maxSender = 100
    public static let maxName = Catalogue.maxName
    /// The CSV header, in this order (README).
    public static let csvHeader = ["bill", "sender", "date", "code", "lot", "expiry", "name"]

    /// The bills a CSV file holds (rows of several bills may follow each other), with the refusals of its bad rows;
    /// or why the whole file is refused (its header, its size, its length).
    public static func parse(csv bytes: [UInt8], currentYear: Int) -> Result<([DeliveryBill], [Catalogue.Refusal]), CatalogueError> {
        guard bytes.count <= maxBytes else { return .failure(.init("the file is \(bytes.count) bytes; a bill file is at most \(maxBytes >> 20) MiB")) }
        var rows = CSVReader.rows(bytes)[...]
        guard let head = rows.popFirst() else { return .failure(.init("the file is empty; its first row is the header: \(csvHeader.joined(separator: ","))")) }
        guard head.problem == nil, head.fields.map({ $0.trimmingSpaces.lowercased() }) == csvHeader else {
            return .failure(.init("the first row must be the header \(csvHeader.joined(separator: ",")) (found: \(head.fields.joined(separator: ",").truncated(120).escapedForTerminal))"))
        }
        guard rows.count <= maxLines else { return .failure(.init("\(rows.count) lines; a bill file holds at most \(maxLines)")) }
        var builder = Builder(currentYear: currentYear)
        for row in rows {
            if let problem = row.problem { builder.refuse(row.number, problem); continue }
            let f = row.fields.map(\.trimmingSpaces)
            guard f.count == csvHeader.count else {
                builder.refuse(row.number, "\(f.count) fields; a row has \(csvHeader.count) (\(csvHeader.joined(separator: ",")))")
                continue
            }
            builder.add(row: row.number, bill: f[0], sender: f[1], date: f[2], code: f[3], lot: f[4], expiry: f[5], name: f[6])
        }
        return .success(builder.result)
    }

    /// The same from JSON: one bill `{"bill", "sender", "date", "lines": [{"code", "lot", "expiry", "name"}]}` or a
    /// list of them. A line's row is its position in the file, counting every bill's lines from 1.
    public static func parse(json bytes: [UInt8], currentYear: Int) -> Result<([DeliveryBill], [Catalogue.Refusal]), CatalogueError> {
        guard bytes.count <= maxBytes else { return .failure(.init("the file is \(bytes.count) bytes; a bill file is at most \(maxBytes >> 20) MiB")) }
        guard let value = try? JSONValue.parse(Data(bytes)) else { return .failure(.init("the file is not JSON")) }
        let bills: [JSONValue]
        switch value {
        case .array(let a): bills = a
        case .object: bills = [value]
        default: return .failure(.init("a bill file holds a bill object or a list of them"))
        }
        var builder = Builder(currentYear: currentYear)
        var row = 0
        for b in bills {
            guard case .object(let o) = b, case .array(let lines)? = o["lines"] else { return .failure(.init("each bill is an object with \"lines\": [...]")) }
            guard row + lines.count <= maxLines else { return .failure(.init("more than \(maxLines) lines; a bill file holds at most \(maxLines)")) }
            func text(_ v: JSONValue?) -> String? { if case .string(let s)? = v { return s }; return v == nil || v == .null ? "" : nil }
            for line in lines {
                row += 1
                guard case .object(let l) = line else { builder.refuse(row, "a line is an object {\"code\", \"lot\", \"expiry\", \"name\"}"); continue }
                guard let bill = text(o["bill"]), let sender = text(o["sender"]), let date = text(o["date"]), let code = text(l["code"]),
                      let lot = text(l["lot"]), let expiry = text(l["expiry"]), let name = text(l["name"]) else {
                    builder.refuse(row, "bill, sender, date, code, lot, expiry and name are strings")
                    continue
                }
                builder.add(row: row, bill: bill.trimmingSpaces, sender: sender.trimmingSpaces, date: date.trimmingSpaces, code: code.trimmingSpaces,
                            lot: lot.trimmingSpaces, expiry: expiry.trimmingSpaces, name: name.trimmingSpaces)
            }
        }
        return .success(builder.result)
    }

    /// Gathers lines into bills, refusing what does not hold: the file's reader, and the daemon checking what a
    /// client sends it (outside input, whoever read the file).
    public struct Builder {
        let currentYear: Int
        var bills: [DeliveryBill] = []
        var index: [String: Int] = [:]
        var firstRowOfDose: [String: Int] = [:]
        var firstRowOfBill: [String: Int] = [:]
        var refusals: [Catalogue.Refusal] = []

        public init(currentYear: Int) { self.currentYear = currentYear }

        public var result: ([DeliveryBill], [Catalogue.Refusal]) { (bills, refusals) }

        mutating func refuse(_ row: Int, _ reason: String) { refusals.append(.init(row: row, reason: reason)) }

        public mutating func add(row: Int, bill: String, sender: String, date: String, code: String, lot: String, expiry: String, name: String) {
            let senderText: String, day: GS1Date, nameText: String?
            switch DeliveryBill.header(bill: bill, sender: sender, date: date) {
            case .success(let h): (senderText, day) = h
            case .failure(let p): return refuse(row, p.reason)
            }
            switch PersonText.field(name, "name", max: DeliveryBill.maxName, required: false) {
            case .success(let n): nameText = n
            case .failure(let p): return refuse(row, p.reason)
            }
            let parsed = TraceCodeParser.parse(Array(code.utf8), currentYear: currentYear)
            guard let dose = parsed.doseKey, let product = parsed.product else {
                return refuse(row, "code '\(code.truncated(40).escapedForTerminal)' names no single dose (a Chinese 20-digit code, or a GS1 code with GTIN and serial)")
            }
            var lotValue: String? = lot.isEmpty ? nil : lot
            if let l = lotValue, l.utf8.count > 20 || !GS1.isCSet82(l) {
                return refuse(row, "lot '\(l.truncated(30).escapedForTerminal)' is not a lot: at most 20 characters of GS1 character set 82")
            }
            var expiryValue: GS1Date?
            if !expiry.isEmpty {
                guard let e = GS1Date.parseISO(expiry), (2000...2099).contains(e.year) else {
                    return refuse(row, "expiry '\(expiry.truncated(20).escapedForTerminal)' is not a date YYYY-MM-DD")
                }
                expiryValue = e
            }
            // A GS1 code carries its own lot and expiry: the bill must agree with the code the nurse will scan.
            if case .gs1(let g) = parsed.code {
                if let l = g.lot, let given = lotValue, l != given { return refuse(row, "the code's lot \(l) is not the lot column's \(given)") }
                if let e = g.expiry, let given = expiryValue, e != given {
                    return refuse(row, "the code's expiry \(e.description) is not the expiry column's \(given.description)")
                }
                lotValue = lotValue ?? g.lot
                expiryValue = expiryValue ?? g.expiry
            }
            if let first = firstRowOfDose[dose] { return refuse(row, "\(dose) is already row \(first)") }
            if let i = index[bill] {
                guard bills[i].sender == senderText, bills[i].date == day else {
                    return refuse(row, "bill \(bill)'s sender or date differs from its row \(firstRowOfBill[bill] ?? 0)")
                }
            } else {
                index[bill] = bills.count
                firstRowOfBill[bill] = row
                bills.append(DeliveryBill(id: bill, sender: senderText, date: day, lines: []))
            }
            firstRowOfDose[dose] = row
            bills[index[bill]!].lines.append(Line(dose: dose, product: product, lot: lotValue, expiry: expiryValue, name: nameText, row: row, code: code))
        }
    }

    /// A bill's own fields checked: its number, its sender (kept in NFC) and its day. The same words for a file's row
    /// and for a part the daemon is sent.
    public static func header(bill: String, sender: String, date: String) -> Result<(sender: String, date: GS1Date), FieldProblem> {
        guard isBillID(bill) else {
            return .failure(FieldProblem(bill.isEmpty ? "bill is empty" : "bill '\(bill.truncated(40).escapedForTerminal)' may use only letters, digits, '.', '_', '-' and '/' (at most 64)"))
        }
        let senderText: String
        switch PersonText.field(sender, "sender", max: maxSender, required: true) {
        case .success(let s): senderText = s!
        case .failure(let p): return .failure(p)
        }
        guard let day = GS1Date.parseISO(date), (2000...2099).contains(day.year) else {
            return .failure(FieldProblem("date '\(date.truncated(20).escapedForTerminal)' is not a day YYYY-MM-DD"))
        }
        return .success((senderText, day))
    }

    /// A bill number: letters, digits, '.', '_', '-' and '/', 1 to 64 (CK2026-1203/001).
    public static func isBillID(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "." || $0 == "_" || $0 == "-" || $0 == "/"
        }
    }
}
