import ColdChain

extension Commands {
    public enum Ack: ControlCommand {
        public typealias Reply = AckReply
        public static let wire = WireName("ack")
        public static let synopsis = "ALARM --note TEXT"
        public static let summary = "acknowledge an alarm (silences the alarm output; the excursion stays open)"

        public struct Arguments: CommandArguments {
            public var alarm: Int
            public var note: String
            public init(alarm: Int, note: String) { self.alarm = alarm; self.note = note }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                alarm = try a.required(try a.integer("alarm", in: 1...Int(Int32.max)), "which alarm? (ack ID --note TEXT)")
                note = try a.personText("note", maxLength: ControlArguments.maxNote) ?? ""
            }
            public var wire: [String: JSONValue] { ["alarm": .number(Double(alarm)), "note": .string(note)] }
        }
    }

    /// A manual check: the fridge's thermometer read by a named person.
    public enum Check: ControlCommand {
        public typealias Reply = CheckReply
        public static let wire = WireName("check")
        public static let synopsis = "FRIDGE --temp C --by NAME [--note TEXT]"
        public static let summary = "record a manual check of the fridge's thermometer (for the record sheet);\nflagged when it differs from the probe by more than 1 °C"

        public struct Arguments: CommandArguments {
            public var fridge: String
            public var celsius: Double
            public var by: String
            public var note: String?
            public init(fridge: String, celsius: Double, by: String, note: String?) {
                self.fridge = fridge; self.celsius = celsius; self.by = by; self.note = note
            }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                fridge = try a.required(try a.string("fridge"), "which fridge? (check FRIDGE --temp C --by NAME)")
                celsius = try a.required(try a.number("c", in: ControlArguments.celsiusRange), "what did the thermometer show? (--temp C)")
                by = try a.required(try a.personText("by", maxLength: 100), "who read it? (--by NAME)")
                note = try a.personText("note", maxLength: ControlArguments.maxNote)
            }
            public var wire: [String: JSONValue] {
                wireObject([("fridge", .string(fridge)), ("c", .number(celsius)), ("by", .string(by)), ("note", note.map(JSONValue.string))])
            }
        }
    }
}
