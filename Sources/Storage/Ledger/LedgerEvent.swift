import ColdChain
import FoundationEssentials

/// An event to be appended: its type, when it happened, and its body as JSON text.
public struct NewEvent: Sendable {
    public var type: String
    public var at: Date
    public var body: String
    /// The body as its type, kept so listeners need not parse back what was just written; nil only for the raw
    /// bodies of benchmarks and replays.
    public var typed: TypedEvent?

    public init(_ type: EventType, at: Date, body: JSONValue) {
        self.type = type.rawValue; self.at = at; self.body = body.serialized
    }

    /// An event from its typed body: the type name and the bytes come from the one definition in ColdChain/Events.
    public init(_ body: some EventBody, at: Date) {
        self.init(body.typed, at: at)
    }

    /// An event from a typed body held as `TypedEvent`.
    public init(_ typed: TypedEvent, at: Date) {
        self.type = typed.type.rawValue; self.at = at; self.body = typed.body.json.serialized; self.typed = typed
    }

    /// For bodies already serialized (benchmarks, replays); `body` must be one JSON object.
    public init(type: String, at: Date, bodyJSON: String) {
        self.type = type; self.at = at; self.body = bodyJSON
    }
}

/// An event as stored: its gateway-scoped sequence number and its link in the hash chain.
public struct LedgerEvent: Sendable, Equatable {
    public var seq: Int64
    /// When it happened, read once from `recordedAt` (a time that does not read is the distant past, and `verify`
    /// names that event: every writer formats with RFC3339, so only an edited row has one).
    public var at: Date
    /// The time as it was recorded (RFC 3339 UTC, milliseconds): what the hash covers and what the platform gets.
    public var recordedAt: String
    public var type: String
    public var body: String
    public var prevHash: String
    public var hash: String

    public init(seq: Int64, recordedAt: String, type: String, body: String, prevHash: String, hash: String) {
        self.seq = seq; self.recordedAt = recordedAt; self.type = type; self.body = body; self.prevHash = prevHash; self.hash = hash
        at = RFC3339.parse(recordedAt) ?? .distantPast
    }

    /// The stable id the platform de-duplicates by: `GATEWAY:SEQ`.
    public func id(gateway: String) -> String { "\(gateway):\(seq)" }

    public var bodyValue: JSONValue { (try? JSONValue.parse(Data(body.utf8))) ?? .null }

    /// The body as its type; nil for a type this build does not know, an error naming the key for a malformed body.
    /// Each reader that needs the type decodes it once, here; readers that pass the body on (the uplink's native
    /// batches, `verify`, backups) never decode it.
    public func typed() throws(EventBodyError) -> TypedEvent? {
        try TypedEvent(type: type, body: bodyValue)
    }
}

/// The ledger's hash chain: each event's hash covers the previous hash and the event's own fields.
public enum LedgerHash {
    /// The `prev_hash` of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over `prev \n seq \n at \n type \n body`, as lower-case hex. The body is last and the other
    /// fields hold no newline, so the encoding is unambiguous.
    public static func compute(prev: String, seq: Int64, at: String, type: String, body: String) -> String {
        var h = SHA256()
        h.update(prev); h.update("\n")
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            // Decimal digits of seq without allocating a String.
            var v = seq.magnitude, k = 20
            digits[k] = 0x0A
            repeat { k -= 1; digits[k] = 0x30 + UInt8(v % 10); v /= 10 } while v > 0
            if seq < 0 { k -= 1; digits[k] = 0x2D }
            h.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[k...]))
        }
        h.update(at); h.update("\n")
        h.update(type); h.update("\n")
        h.update(body)
        return h.finalize().hexString
    }
}
