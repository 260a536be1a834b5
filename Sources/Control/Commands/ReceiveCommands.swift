import ColdChain

extension Commands {
    /// One part of a delivery bill (at most `BillReceived.maxLines` lines): `coldchainctl receive import FILE` reads
    /// the file, lists the rows it refuses, and sends the rest part by part. The daemon checks every line again.
    public enum ReceiveImport: ControlCommand {
        public typealias Reply = BillPartReply
        public static let wire = WireName("receive", "action", "import")
        public static let synopsis = "FILE"
        public static let summary = "send a delivery bill (CSV or JSON, README): each line's lot and expiry\nattach to its code; the rows refused are listed"
        public static let maxParts = DeliveryBill.maxLines / BillReceived.maxLines

        /// A bill as it is sent: parts of at most `BillReceived.maxLines` lines, the file's refused rows counted on
        /// the first. One definition for coldchainctl's import and the platform's deliveries.
        public static func parts(of bill: DeliveryBill, refused: Int = 0) -> [Arguments] {
            let chunks = stride(from: 0, to: bill.lines.count, by: BillReceived.maxLines).map {
                bill.lines[$0..<min($0 + BillReceived.maxLines, bill.lines.count)]
            }
            return chunks.enumerated().map { i, chunk in
                Arguments(bill: bill.id, sender: bill.sender, date: bill.date.description, part: i + 1, parts: chunks.count,
                          refused: i == 0 ? refused : 0,
                          lines: chunk.map { Line(row: $0.row, code: $0.code, lot: $0.lot, expiry: $0.expiry?.description, name: $0.name) })
            }
        }

        public struct Line: Sendable, Equatable {
            public var row: Int
            public var code: String
            public var lot: String?
            public var expiry: String?
            public var name: String?
            public init(row: Int, code: String, lot: String?, expiry: String?, name: String?) {
                self.row = row; self.code = code; self.lot = lot; self.expiry = expiry; self.name = name
            }
        }

        public struct Arguments: CommandArguments {
            public var bill: String
            public var sender: String
            public var date: String
            public var part: Int
            public var parts: Int
            /// Rows of the file the sender already refused (counted in the record).
            public var refused: Int
            public var lines: [Line]

            public init(bill: String, sender: String, date: String, part: Int, parts: Int, refused: Int, lines: [Line]) {
                self.bill = bill; self.sender = sender; self.date = date; self.part = part; self.parts = parts; self.refused = refused
                self.lines = lines
            }

            public init(checking a: ControlArguments) throws(ControlFailure) {
                bill = try a.required(try a.string("bill", maxLength: 64), "which bill? (bill)")
                sender = try a.required(try a.string("sender", maxLength: DeliveryBill.maxSender), "who sent it? (sender)")
                date = try a.required(try a.string("date", maxLength: 10), "the bill's date (date, YYYY-MM-DD)")
                parts = try a.required(try a.integer("parts", in: 1...maxParts), "how many parts? (parts)")
                part = try a.required(try a.integer("part", in: 1...parts), "which part? (part, 1 to parts)")
                refused = try a.integer("refused", in: 0...DeliveryBill.maxLines, default: 0)!
                guard case .array(let list)? = a.values["lines"], list.count <= BillReceived.maxLines else {
                    throw ControlFailure(.invalidArgument, "lines must be a list of at most \(BillReceived.maxLines) lines")
                }
                lines = []
                for (i, item) in list.enumerated() {
                    guard case .object(let o) = item else { throw ControlFailure(.invalidArgument, "lines[\(i)] is not an object") }
                    let l = ControlArguments(o)
                    do {
                        lines.append(Line(row: try a.required(try l.integer("row", in: 1...(DeliveryBill.maxLines + 1)), "row"),
                                          code: try a.required(try l.string("code", maxLength: ControlArguments.maxCode, allowGS: true), "code"),
                                          lot: try l.string("lot", maxLength: 64), expiry: try l.string("expiry", maxLength: 32),
                                          name: try l.string("name", maxLength: 256)))
                    } catch {
                        throw ControlFailure(.invalidArgument, "lines[\(i)]: \(error.message)")
                    }
                }
            }

            public var wire: [String: JSONValue] {
                ["bill": .string(bill), "sender": .string(sender), "date": .string(date), "part": .number(Double(part)),
                 "parts": .number(Double(parts)), "refused": .number(Double(refused)),
                 "lines": .array(lines.map { l in
                     .object(wireObject([("row", .number(Double(l.row))), ("code", .string(l.code)), ("lot", l.lot.map(JSONValue.string)),
                                         ("expiry", l.expiry.map(JSONValue.string)), ("name", l.name.map(JSONValue.string))]))
                 })]
            }
        }
    }

    public enum ReceiveStatus: ControlCommand {
        public typealias Reply = [BillStatus]
        public static let wire = WireName("receive", "action", "status", isDefault: true)
        public static let synopsis = "[BILL]"
        public static let summary = "each open bill: lines expected, scanned, missing, and doses on no bill"

        public struct Arguments: CommandArguments {
            public var bill: String?
            public init(bill: String?) { self.bill = bill }
            public init(checking a: ControlArguments) throws(ControlFailure) { bill = try a.string("bill", maxLength: 64) }
            public var wire: [String: JSONValue] { wireObject([("bill", bill.map(JSONValue.string))]) }
        }
    }

    public enum ReceiveClose: ControlCommand {
        public typealias Reply = BillClosedReply
        public static let wire = WireName("receive", "action", "close")
        public static let synopsis = "BILL --by NAME [--note TEXT]"
        public static let summary = "end receiving against a bill; what was never scanned and what came on\nno bill are recorded (a bill closes by itself when every line is scanned)"

        public struct Arguments: CommandArguments {
            public var bill: String
            public var by: String
            public var note: String?
            public init(bill: String, by: String, note: String?) { self.bill = bill; self.by = by; self.note = note }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                bill = try a.required(try a.string("bill", maxLength: 64), "which bill? (receive close BILL --by NAME)")
                by = try a.required(try a.personText("by", maxLength: 100), "who closes it? (--by NAME)")
                note = try a.personText("note", maxLength: ControlArguments.maxNote)
            }
            public var wire: [String: JSONValue] { wireObject([("bill", .string(bill)), ("by", .string(by)), ("note", note.map(JSONValue.string))]) }
        }
    }
}
