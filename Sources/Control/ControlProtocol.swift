import ColdChain
import FoundationEssentials

/// The control socket's protocol: one JSON object per line each way.
///
/// Request `{"cmd":"status","args":{}}`; reply `{"ok":true,"result":{...}}` or
/// `{"ok":false,"error":{"code":"not_found","message":"..."}}`. A streaming command (`watch`) sends further
/// lines `{"event":{...}}` until the client closes.
public enum ControlProtocol {
    /// Longest request line accepted (64 KiB).
    public static let maxLine = 64 * 1024
    /// Longest reply line the daemon sends (2 MiB). A longer answer is refused with a failure that says how to
    /// narrow the question, rather than cut or reset (until long answers are streamed).
    public static let maxReply = 2 << 20
}

public struct ControlRequest: Sendable, Equatable {
    public var cmd: String
    public var args: [String: JSONValue]

    public init(cmd: String, args: [String: JSONValue] = [:]) { self.cmd = cmd; self.args = args }

    public var line: String { JSONValue.object(["cmd": .string(cmd), "args": .object(args)]).serialized + "\n" }

    /// Parses one request line, or says precisely why it is not a request.
    public static func parse(_ line: [UInt8]) -> Result<ControlRequest, ControlFailure> {
        guard let value = try? JSONValue.parse(Data(line)) else {
            return .failure(ControlFailure(.badRequest, "not a JSON object: send one JSON object per line, e.g. {\"cmd\":\"status\"}"))
        }
        guard case .object(let o) = value else {
            return .failure(ControlFailure(.badRequest, "expected a JSON object, got \(value.serialized.prefix(40))"))
        }
        guard case .string(let cmd)? = o["cmd"], !cmd.isEmpty else {
            return .failure(ControlFailure(.badRequest, "missing \"cmd\" (a string)"))
        }
        var args: [String: JSONValue] = [:]
        switch o["args"] {
        case nil, .null?: break
        case .object(let a)?: args = a
        default: return .failure(ControlFailure(.badRequest, "\"args\" must be an object"))
        }
        if let extra = o.keys.first(where: { $0 != "cmd" && $0 != "args" }) {
            return .failure(ControlFailure(.badRequest, "unknown field \"\(extra)\" (a request has cmd and args)"))
        }
        return .success(ControlRequest(cmd: cmd, args: args))
    }
}

/// Why a command failed: a stable machine code and a sentence for the technician.
public struct ControlFailure: Error, Sendable, Equatable {
    public enum Code: String, Sendable {
        case badRequest = "bad_request"
        case tooLong = "too_long"
        case unknownCommand = "unknown_command"
        case invalidArgument = "invalid_argument"
        case notFound = "not_found"
        case conflict
        case unavailable
        /// The answer would be longer than `ControlProtocol.maxReply`; the message says how to narrow the question.
        case tooLarge = "too_large"
        /// The ledger refused the write (disk full, I/O error): nothing was recorded or changed.
        case notRecorded = "not_recorded"
        case `internal`
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }

    /// A failure as the wire carries it (`{"code":..., "message":...}`); what is missing reads as an internal error.
    public init(wire: JSONValue?) {
        self.init(wire?["code"]?.stringValue.flatMap(Code.init(rawValue:)) ?? .internal, wire?["message"]?.stringValue ?? "unknown error")
    }

    /// The refusal of an answer longer than `ControlProtocol.maxReply`, with how to narrow the question.
    public static func tooLarge(command: String, bytes: Int, narrowing: String) -> ControlFailure {
        let mib = (Double(bytes) / 104_857.6).rounded() / 10
        return ControlFailure(.tooLarge, "the answer to \(command) is \(mib) MiB, more than the \(ControlProtocol.maxReply >> 20) MiB a reply may hold; \(narrowing)")
    }
}

public enum ControlReply: Sendable, Equatable {
    case ok(JSONValue)
    case failure(ControlFailure)

    public var line: String {
        switch self {
        case .ok(let result): return JSONValue.object(["ok": true, "result": result]).serialized + "\n"
        case .failure(let f):
            return JSONValue.object(["ok": false, "error": ["code": .string(f.code.rawValue), "message": .string(f.message)]]).serialized + "\n"
        }
    }

    /// Parses a reply line received by a client.
    public static func parse(_ line: [UInt8]) -> ControlReply? {
        (try? JSONValue.parse(Data(line))).flatMap(parse)
    }

    /// A reply line already parsed (the client also reads whether a result in parts follows).
    public static func parse(_ v: JSONValue) -> ControlReply? {
        guard case .bool(let ok)? = v["ok"] else { return nil }
        if ok { return .ok(v["result"] ?? .null) }
        return .failure(ControlFailure(wire: v["error"]))
    }
}

extension ControlReply {
    /// A typed reply (Control/Replies) as it goes on the wire; the client reads it back with the same type.
    public static func result(_ value: some Encodable) throws -> ControlReply { .ok(try JSONValue(encoding: value)) }
}

/// A long result in parts (`readings` over months): the reply line says parts follow, then one line per part, then
/// an end line. Each side holds one part at a time; the daemon writes the next only as the client reads.
///
/// `{"ok":true,"parts":true,"result":{header}}`, then `{"part":{...}}` lines, then `{"end":{...}}`, or
/// `{"end":null,"error":{"code":...,"message":...}}` when the query failed after it began.
public enum ControlParts {
    /// Rows per part: about 70 KB of JSON for readings.
    public static let rows = 1000

    public static func header(_ result: JSONValue) -> String {
        JSONValue.object(["ok": true, "parts": true, "result": result]).serialized + "\n"
    }
    /// A part's line straight from its type: one encoding, no tree (a day of readings is 3 parts of 1,000 rows).
    public static func part(encoding value: some Encodable) throws -> String {
        "{\"part\":" + String(decoding: try encoder.encode(value), as: UTF8.self) + "}\n"
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// A line after the header read as a part of type `P`, or the end, in one decoding.
    public static func parse<P: Decodable>(_ line: [UInt8], as type: P.Type) -> Typed<P>? {
        try? JSONDecoder().decode(Typed<P>.self, from: Data(line))
    }

    public enum Typed<P: Decodable>: Decodable {
        case part(P)
        case end(JSONValue)
        case failed(ControlFailure)

        enum Key: String, CodingKey { case part, end, error }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            if c.contains(.part) { self = .part(try c.decode(P.self, forKey: .part)); return }
            guard c.contains(.end) else { throw DecodingError.keyNotFound(Key.end, .init(codingPath: [], debugDescription: "neither part nor end")) }
            if try c.decodeNil(forKey: .end), c.contains(.error) {
                self = .failed(ControlFailure(wire: try c.decode(JSONValue.self, forKey: .error)))
            } else {
                self = .end(try c.decode(JSONValue.self, forKey: .end))
            }
        }
    }
    public static func end(_ reply: ControlReply) -> String {
        switch reply {
        case .ok(let value): return JSONValue.object(["end": value]).serialized + "\n"
        case .failure(let f):
            return JSONValue.object(["end": .null, "error": ["code": .string(f.code.rawValue), "message": .string(f.message)]]).serialized + "\n"
        }
    }

}
