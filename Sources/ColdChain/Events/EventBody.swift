import FoundationEssentials

/// The body of one kind of ledger event, defined once: its type name, how it is written, how it is read back.
///
/// Writing goes through `JSONValue`, whose serializer sorts keys, so a body written here is the same bytes as the
/// bodies written before these types existed (Tests/Fixtures/every-event-type.sqlite holds one of each, and a test
/// re-encodes every one byte for byte). Reading is strict about what the body must hold and says which key failed.
public protocol EventBody: Sendable, Equatable {
    static var type: EventType { get }
    var json: JSONValue { get }
    /// Itself as its `TypedEvent` case (what listeners receive).
    var typed: TypedEvent { get }
    init(json: JSONValue) throws(EventBodyError)
}

/// Why a stored body is not the event its type says.
public struct EventBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var key: String
    public var problem: String
    public var description: String { "\(type) body: \(key) \(problem)" }
}

/// Reads a body's fields, naming the key and the event type in any error.
public struct BodyReader {
    let object: [String: JSONValue]
    let type: String

    public init(_ json: JSONValue, _ type: EventType) throws(EventBodyError) {
        guard case .object(let o) = json else { throw EventBodyError(type: type.rawValue, key: "(body)", problem: "is not an object") }
        object = o
        self.type = type.rawValue
    }

    func fail(_ key: String, _ problem: String) -> EventBodyError { EventBodyError(type: type, key: key, problem: problem) }

    public func has(_ k: String) -> Bool { object[k] != nil }
    public func raw(_ k: String) -> JSONValue? { object[k] }

    public func string(_ k: String) throws(EventBodyError) -> String {
        guard let v = object[k] else { throw fail(k, "is missing") }
        guard case .string(let s) = v else { throw fail(k, "is not a string") }
        return s
    }

    public func optionalString(_ k: String) throws(EventBodyError) -> String? {
        guard let v = object[k], v != .null else { return nil }
        return try string(k)
    }

    public func double(_ k: String) throws(EventBodyError) -> Double {
        guard let v = object[k] else { throw fail(k, "is missing") }
        guard case .number(let d) = v else { throw fail(k, "is not a number") }
        return d
    }

    public func optionalDouble(_ k: String) throws(EventBodyError) -> Double? {
        guard object[k] != nil else { return nil }
        return try double(k)
    }

    public func int(_ k: String) throws(EventBodyError) -> Int {
        guard let v = object[k] else { throw fail(k, "is missing") }
        guard let i = v.intValue else { throw fail(k, "is not a whole number") }
        return i
    }

    public func optionalInt(_ k: String) throws(EventBodyError) -> Int? {
        guard object[k] != nil else { return nil }
        return try int(k)
    }

    public func bool(_ k: String) throws(EventBodyError) -> Bool {
        guard case .bool(let b)? = object[k] else { throw fail(k, "is not true or false") }
        return b
    }

    public func optionalBool(_ k: String) throws(EventBodyError) -> Bool? {
        guard object[k] != nil else { return nil }
        return try bool(k)
    }

    public func date(_ k: String) throws(EventBodyError) -> Date {
        guard let d = RFC3339.parse(try string(k)) else { throw fail(k, "is not an RFC 3339 time") }
        return d
    }

    public func enumValue<E: RawRepresentable>(_ k: String) throws(EventBodyError) -> E where E.RawValue == String {
        guard let e = E(rawValue: try string(k)) else { throw fail(k, "is not a known value") }
        return e
    }

    public func strings(_ k: String) throws(EventBodyError) -> [String] {
        guard case .array(let a)? = object[k] else { throw fail(k, "is not a list") }
        var out: [String] = []
        for v in a {
            guard case .string(let s) = v else { throw fail(k, "holds something other than strings") }
            out.append(s)
        }
        return out
    }

    public func counts(_ k: String) throws(EventBodyError) -> [String: Int] {
        guard case .object(let o)? = object[k] else { throw fail(k, "is not an object") }
        var out: [String: Int] = [:]
        for (key, v) in o {
            guard let i = v.intValue else { throw fail(k, "holds a count that is not a whole number") }
            out[key] = i
        }
        return out
    }
}

/// Writes a body: optional fields are left out when nil (never written as null, unless the kind always wrote null).
public struct BodyWriter {
    public private(set) var object: [String: JSONValue] = [:]
    public init() {}
    public mutating func set(_ k: String, _ v: JSONValue) { object[k] = v }
    public mutating func set(_ k: String, _ s: String?) { if let s { object[k] = .string(s) } }
    public mutating func set(_ k: String, _ d: Double?) { if let d { object[k] = .number(d) } }
    public mutating func set(_ k: String, _ i: Int?) { if let i { object[k] = .number(Double(i)) } }
    public mutating func set(_ k: String, _ b: Bool) { object[k] = .bool(b) }
    public mutating func set(_ k: String, _ b: Bool?) { if let b { object[k] = .bool(b) } }
    public mutating func set(_ k: String, _ d: Date) { object[k] = .string(RFC3339.format(d)) }
    public var json: JSONValue { .object(object) }
}
