import ColdChain

/// A duration argument as the person typed it (`24h`) and what it means, checked against its bounds.
public struct DurationArgument: Sendable, Equatable {
    public let text: String
    public let seconds: Double

    /// Parses `text` within `range`; the CLI checks what the person typed before it is sent, with the daemon's words.
    public init(_ text: String, key: String, in range: ClosedRange<Double>) throws(ControlFailure) {
        switch DurationText.seconds(from: text, in: range) {
        case .success(let v): self.text = text; seconds = v
        case .failure(let p): throw ControlFailure(.invalidArgument, "\(key): \(p)")
        }
    }

    init(text: String, seconds: Double) { self.text = text; self.seconds = seconds }
}

/// A month as `YYYY-MM`, years 1970 to 9998 (the calendar's range, with room for the month after).
public struct MonthArgument: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public var text: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }

    public init(_ text: String) throws(ControlFailure) {
        let u = Array(text.utf8)
        guard u.count == 7, u[4] == UInt8(ascii: "-"), u.enumerated().allSatisfy({ $0.offset == 4 || (48...57).contains($0.element) }),
              let y = Int(String(text.prefix(4))), let m = Int(String(text.suffix(2))), (1970...9998).contains(y), (1...12).contains(m)
        else { throw ControlFailure(.invalidArgument, "month: '\(text.truncated(20).escapedForTerminal)' is not a month YYYY-MM (1970-01 to 9998-12)") }
        year = y; month = m
    }
}

/// Every control command, defined once: its name, its arguments with their types and bounds, and its wire form.
/// The daemon decodes a request into one (refusing what is out of bounds with `invalid_argument`), the CLI builds
/// one and sends its `request`; the wire stays one JSON object per line, `{"cmd":..., "args":{...}}`.
public enum ControlCommand: Sendable, Equatable {
    case status
    case verify(anchors: [String])
    case fridges
    case readings(fridge: String, since: DurationArgument?, every: DurationArgument? = nil)
    case excursions(openOnly: Bool)
    case ack(alarm: Int, note: String)
    /// A manual check: the fridge's thermometer read by a named person.
    case check(fridge: String, celsius: Double, by: String, note: String?)
    case watch
    case holdList
    case holdAdd(HoldSpec)
    case holdRemove(id: Int)
    case scans(limit: Int)
    case inventory(fridge: String?, expiring: DurationArgument?)
    case lookup(code: String)
    case outbox
    case uplinkRetry
    /// The daily backup, now.
    case backupNow
    /// The temperature record sheet of a month (local days), of every fridge or one.
    case reportDaily(month: MonthArgument, fridge: String?)
    /// A fridge's chart over a window ending now.
    case chart(fridge: String, since: DurationArgument?)
    /// Alarms opened in a window ending now, with how long each took to be acknowledged and closed.
    case alarms(since: DurationArgument?)
    /// A test message through every notify channel, or one.
    case notifyTest(channel: String?)
    case help

    /// What `hold add` names: a GTIN or a Chinese product id, optionally narrowed to a lot or one code.
    public struct HoldSpec: Sendable, Equatable {
        public var gtin: String?
        public var product: String?
        public var lot: String?
        public var code: String?
        public var reason: String
        public init(gtin: String?, product: String?, lot: String?, code: String?, reason: String) {
            self.gtin = gtin; self.product = product; self.lot = lot; self.code = code; self.reason = reason
        }
    }

    /// The command names the daemon knows, in the order `help` lists them.
    public static let names = ["status", "verify", "fridges", "readings", "excursions", "ack", "check", "watch", "hold", "scans", "inventory",
                               "lookup", "outbox", "uplink", "backup", "report", "chart", "alarms", "notify", "help"]

    public var name: String { request.cmd }

    /// The wire form.
    public var request: ControlRequest {
        switch self {
        case .status: ControlRequest(cmd: "status")
        case .verify(let anchors): ControlRequest(cmd: "verify", args: anchors.isEmpty ? [:] : ["anchors": .array(anchors.map { .string($0) })])
        case .fridges: ControlRequest(cmd: "fridges")
        case .readings(let fridge, let since, let every):
            ControlRequest(cmd: "readings", args: [("since", since?.text), ("every", every?.text)].reduce(into: ["fridge": .string(fridge)]) { o, kv in
                if let v = kv.1 { o[kv.0] = .string(v) }
            })
        case .excursions(let openOnly): ControlRequest(cmd: "excursions", args: ["open": .bool(openOnly)])
        case .ack(let alarm, let note): ControlRequest(cmd: "ack", args: ["alarm": .number(Double(alarm)), "note": .string(note)])
        case .check(let fridge, let celsius, let by, let note):
            ControlRequest(cmd: "check", args: ["fridge": .string(fridge), "c": .number(celsius), "by": .string(by)]
                .merging(note.map { ["note": .string($0)] } ?? [:]) { a, _ in a })
        case .watch: ControlRequest(cmd: "watch")
        case .holdList: ControlRequest(cmd: "hold", args: ["action": "list"])
        case .holdAdd(let h):
            ControlRequest(cmd: "hold", args: ["action": "add", "reason": .string(h.reason)].merging(
                [("gtin", h.gtin), ("product", h.product), ("lot", h.lot), ("code", h.code)].compactMap { k, v in v.map { (k, JSONValue.string($0)) } },
                uniquingKeysWith: { a, _ in a }))
        case .holdRemove(let id): ControlRequest(cmd: "hold", args: ["action": "remove", "id": .number(Double(id))])
        case .scans(let limit): ControlRequest(cmd: "scans", args: ["limit": .number(Double(limit))])
        case .inventory(let fridge, let expiring):
            ControlRequest(cmd: "inventory", args: [("fridge", fridge), ("expiring", expiring?.text)].reduce(into: [:]) { o, kv in
                if let v = kv.1 { o[kv.0] = .string(v) }
            })
        case .lookup(let code): ControlRequest(cmd: "lookup", args: ["code": .string(code)])
        case .outbox: ControlRequest(cmd: "outbox")
        case .uplinkRetry: ControlRequest(cmd: "uplink", args: ["action": "retry"])
        case .backupNow: ControlRequest(cmd: "backup", args: ["action": "now"])
        case .reportDaily(let month, let fridge):
            ControlRequest(cmd: "report", args: ["kind": "daily", "month": .string(month.text)].merging(fridge.map { ["fridge": .string($0)] } ?? [:]) { a, _ in a })
        case .chart(let fridge, let since):
            ControlRequest(cmd: "chart", args: ["fridge": .string(fridge)].merging(since.map { ["since": .string($0.text)] } ?? [:]) { a, _ in a })
        case .alarms(let since): ControlRequest(cmd: "alarms", args: since.map { ["since": .string($0.text)] } ?? [:])
        case .notifyTest(let channel):
            ControlRequest(cmd: "notify", args: ["action": "test"].merging(channel.map { ["channel": .string($0)] } ?? [:]) { a, _ in a })
        case .help: ControlRequest(cmd: "help")
        }
    }

    /// Decodes a request, checking every argument's type and bounds before anything uses it.
    public init(_ r: ControlRequest) throws(ControlFailure) {
        let a = ControlArguments(r.args)
        func duration(_ key: String, in range: ClosedRange<Double>) throws(ControlFailure) -> DurationArgument? {
            guard let seconds = try a.duration(key, in: range), let text = try a.string(key, maxLength: 32) else { return nil }
            return DurationArgument(text: text, seconds: seconds)
        }
        switch r.cmd {
        case "status": self = .status
        case "fridges": self = .fridges
        case "watch": self = .watch
        case "outbox": self = .outbox
        case "help": self = .help
        case "verify":
            switch r.args["anchors"] {
            case nil, .null?: self = .verify(anchors: [])
            case .array(let list)? where list.count <= 100:
                var anchors: [String] = []
                for item in list {
                    guard let text = item.stringValue, text.utf8.count <= 100 else {
                        throw ControlFailure(.invalidArgument, "an anchor is SEQ:HASH, the hash 64 hex digits or its first 16 or more (e.g. 1200:9f86d081884c7d65)")
                    }
                    anchors.append(text)
                }
                self = .verify(anchors: anchors)
            default: throw ControlFailure(.invalidArgument, "anchors must be a list of at most 100 SEQ:HASH strings")
            }
        case "readings":
            guard let fridge = try a.string("fridge") else { throw ControlFailure(.invalidArgument, "which fridge? (readings FRIDGE)") }
            self = .readings(fridge: fridge, since: try duration("since", in: 1...ControlArguments.maxWindow),
                             every: try duration("every", in: ControlArguments.bucketRange))
        case "excursions": self = .excursions(openOnly: try a.bool("open", default: false))
        case "ack":
            guard let id = try a.integer("alarm", in: 1...Int(Int32.max)) else { throw ControlFailure(.invalidArgument, "which alarm? (ack ID --note TEXT)") }
            self = .ack(alarm: id, note: try a.personText("note", maxLength: ControlArguments.maxNote) ?? "")
        case "check":
            guard let fridge = try a.string("fridge") else { throw ControlFailure(.invalidArgument, "which fridge? (check FRIDGE --temp C --by NAME)") }
            guard let c = try a.number("c", in: ControlArguments.celsiusRange) else {
                throw ControlFailure(.invalidArgument, "what did the thermometer show? (--temp C)")
            }
            guard let by = try a.personText("by", maxLength: 100) else { throw ControlFailure(.invalidArgument, "who read it? (--by NAME)") }
            self = .check(fridge: fridge, celsius: c, by: by, note: try a.personText("note", maxLength: ControlArguments.maxNote))
        case "hold":
            switch try a.string("action") ?? "list" {
            case "list": self = .holdList
            case "add":
                self = .holdAdd(HoldSpec(gtin: try a.string("gtin"), product: try a.string("product"), lot: try a.string("lot", maxLength: 20),
                                         code: try a.string("code", maxLength: ControlArguments.maxCode, allowGS: true),
                                         reason: try a.personText("reason", maxLength: ControlArguments.maxNote) ?? ""))
            case "remove":
                guard let id = try a.integer("id", in: 1...Int(Int32.max)) else { throw ControlFailure(.invalidArgument, "hold remove ID") }
                self = .holdRemove(id: id)
            default: throw ControlFailure(.invalidArgument, "hold add|list|remove")
            }
        case "scans": self = .scans(limit: try a.integer("limit", in: 1...10_000, default: 20)!)
        case "inventory":
            self = .inventory(fridge: try a.string("fridge"), expiring: try duration("expiring", in: 0...ControlArguments.maxWindow))
        case "lookup":
            guard let code = try a.string("code", maxLength: ControlArguments.maxCode, allowGS: true) else {
                throw ControlFailure(.invalidArgument, "lookup CODE")
            }
            self = .lookup(code: code)
        case "uplink":
            guard try a.string("action") == "retry" else { throw ControlFailure(.invalidArgument, "uplink retry") }
            self = .uplinkRetry
        case "report":
            guard try a.string("kind") ?? "daily" == "daily" else { throw ControlFailure(.invalidArgument, "report daily --month YYYY-MM") }
            guard let text = try a.string("month", maxLength: 7) else { throw ControlFailure(.invalidArgument, "which month? (report daily --month YYYY-MM)") }
            self = .reportDaily(month: try MonthArgument(text), fridge: try a.string("fridge"))
        case "chart":
            guard let fridge = try a.string("fridge") else { throw ControlFailure(.invalidArgument, "which fridge? (chart FRIDGE --since 7d)") }
            self = .chart(fridge: fridge, since: try duration("since", in: 60...ControlArguments.maxChartWindow))
        case "backup":
            guard try a.string("action") == "now" else { throw ControlFailure(.invalidArgument, "backup now") }
            self = .backupNow
        case "alarms": self = .alarms(since: try duration("since", in: 60...ControlArguments.maxWindow))
        case "notify":
            guard try a.string("action") == "test" else { throw ControlFailure(.invalidArgument, "notify test [--channel NAME]") }
            self = .notifyTest(channel: try a.string("channel", maxLength: 64))
        default:
            throw ControlFailure(.unknownCommand, "unknown command '\(r.cmd.truncated(40))'; known: \(Self.names.joined(separator: ", "))")
        }
    }
}
