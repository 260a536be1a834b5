import ColdChain

extension Commands {
    public enum Ack: ControlCommand {
        public typealias Reply = AckReply
        public static let wire = WireName("ack")
        public static let synopsis = "ALARM --by NAME --note TEXT"
        public static let summary = "acknowledge an alarm (silences the alarm output; the excursion stays open)"

        public struct Arguments: CommandArguments {
            public var alarm: Int
            public var note: String
            /// Who acknowledges; without it the daemon names the account that asked.
            public var by: String?
            public init(alarm: Int, note: String, by: String? = nil) { self.alarm = alarm; self.note = note; self.by = by }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                alarm = try a.required(try a.integer("alarm", in: 1...Int(Int32.max)), "which alarm? (ack ID --by NAME --note TEXT)")
                note = try a.personText("note", maxLength: ControlArguments.maxNote) ?? ""
                by = try a.personText("by", maxLength: 100)
            }
            public var wire: [String: JSONValue] {
                var w: [String: JSONValue] = ["alarm": .number(Double(alarm)), "note": .string(note)]
                if let by { w["by"] = .string(by) }
                return w
            }
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

extension Commands {
    /// The decision on doses exposed to an ended excursion (the county CDC's): released for use, or to be discarded.
    public enum Assess: ControlCommand {
        public typealias Reply = Recorded<AssessmentRecorded>
        public static let wire = WireName("assess")
        public static let synopsis = "EXCURSION --release|--discard [--dose CODE]... --by NAME --note TEXT"
        public static let summary = "record the decision on doses that sat through an ended excursion (all of\nthem, or those named): released for use, or to be discarded"

        public struct Arguments: CommandArguments {
            public var excursion: Int
            public var decision: AssessmentRecorded.Decision
            public var doses: [String]
            public var by: String
            public var note: String
            public init(excursion: Int, decision: AssessmentRecorded.Decision, doses: [String], by: String, note: String) {
                self.excursion = excursion; self.decision = decision; self.doses = doses; self.by = by; self.note = note
            }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                excursion = try a.required(try a.integer("excursion", in: 1...Int(Int32.max)), "which excursion? (assess EXCURSION ...)")
                guard let d = AssessmentRecorded.Decision(rawValue: try a.string("decision", maxLength: 16) ?? "") else {
                    throw ControlFailure(.invalidArgument, "decision is release or discard (--release | --discard)")
                }
                decision = d
                switch a.values["doses"] {
                case nil, .null?: doses = []
                case .array(let list)? where list.count <= 10_000:
                    doses = []
                    for item in list {
                        guard let s = item.stringValue, s.utf8.count <= ControlArguments.maxCode,
                              !s.unicodeScalars.contains(where: { String.needsEscape($0) && $0 != "\u{1D}" }) else {
                            throw ControlFailure(.invalidArgument, "doses must be codes (at most \(ControlArguments.maxCode) characters, no control characters)")
                        }
                        doses.append(s)
                    }
                default: throw ControlFailure(.invalidArgument, "doses must be a list of at most 10000 codes")
                }
                by = try a.required(try a.personText("by", maxLength: 100), "who decided? (--by NAME)")
                note = try a.required(try a.personText("note", maxLength: ControlArguments.maxNote), "say why (--note TEXT: the CDC's assessment)")
            }
            public var wire: [String: JSONValue] {
                wireObject([("excursion", .number(Double(excursion))), ("decision", .string(decision.rawValue)),
                            ("doses", doses.isEmpty ? nil : .array(doses.map { .string($0) })), ("by", .string(by)), ("note", .string(note))])
            }
        }
    }
}
