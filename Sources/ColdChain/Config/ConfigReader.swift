/// Walks a decoded JSON5 document against the schema the code expects, collecting every problem with its key path.
///
/// Foundation's decoder ignores unknown keys; a typo in a config must not silently become a default, so each
/// object names the keys it allows and the rest are reported (with the closest allowed key as a hint).
public final class ConfigProblems {
    // Not Sendable: one file is checked on one thread.
    public private(set) var list: [ConfigProblem] = []
    public let file: String
    public init(file: String) { self.file = file }
    public func add(_ path: String, _ message: String, warning: Bool = false) {
        list.append(ConfigProblem(file: file, path: path, message: message, isWarning: warning))
    }
    public var hasErrors: Bool { list.contains { !$0.isWarning } }
    public func add(_ problem: ConfigProblem) { list.append(problem) }
}

public struct ConfigNode {
    public let value: JSONValue
    public let path: String
    public let problems: ConfigProblems

    public init(value: JSONValue, path: String, problems: ConfigProblems) {
        self.value = value; self.path = path; self.problems = problems
    }

    public func problem(_ message: String) { problems.add(path, message) }
    public func warning(_ message: String) { problems.add(path, message, warning: true) }

    func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

    /// This node as an object whose keys must all be in `allowed`.
    public func object(allowed: [String]) -> ConfigObject? {
        guard case .object(let o) = value else {
            problem("expected an object { ... }, found \(value.kindName)")
            return nil
        }
        for k in o.keys.sorted() where !allowed.contains(k) {
            var message = "unknown key '\(k)'"
            if let hint = closest(to: k, in: allowed) { message += " (did you mean '\(hint)'?)" }
            problems.add(key(k), message)
        }
        return ConfigObject(node: self, fields: o)
    }

    public var string: String? {
        guard case .string(let s) = value else { problem("expected a string, found \(value.kindName)"); return nil }
        return s
    }
}

public struct ConfigObject {
    public let node: ConfigNode
    public let fields: [String: JSONValue]

    public func has(_ k: String) -> Bool { fields[k] != nil }

    public func child(_ k: String) -> ConfigNode? {
        fields[k].map { ConfigNode(value: $0, path: node.key(k), problems: node.problems) }
    }

    func missing(_ k: String) { node.problems.add(node.key(k), "required key is missing") }

    /// Longest name, site, host or id a config may hold; paths and URLs pass `maxLength: ConfigObject.maxPath`.
    public static let maxText = 256
    /// PATH_MAX on Linux.
    public static let maxPath = 4096

    /// A string of at most `maxLength` characters with no control characters: a 1 MB site name or an escape
    /// sequence in a fridge's name would reach the ledger, every log line and the technician's terminal.
    public func string(_ k: String, required: Bool = true, nonEmpty: Bool = true, maxLength: Int = ConfigObject.maxText) -> String? {
        guard let c = child(k) else { if required { missing(k) }; return nil }
        guard let s = c.string else { return nil }
        if nonEmpty && s.trimmingSpaces.isEmpty { c.problem("must not be empty"); return nil }
        if s.count > maxLength { c.problem("is \(s.count) characters long; at most \(maxLength)"); return nil }
        if let bad = s.unicodeScalars.first(where: String.needsEscape) {
            c.problem("contains a control character (\(String(bad).escapedForTerminal)) in '\(s.truncated(60).escapedForTerminal)'")
            return nil
        }
        return s
    }

    /// A string that must be one of `choices`.
    public func choice(_ k: String, _ choices: [String], default def: String? = nil) -> String? {
        guard let c = child(k) else {
            if def == nil { missing(k) }
            return def
        }
        guard let s = c.string else { return nil }
        guard choices.contains(s) else {
            c.problem("'\(s)' is not one of: \(choices.joined(separator: ", "))")
            return nil
        }
        return s
    }

    /// One of an enum's raw values.
    public func choice<E: RawRepresentable & CaseIterable>(_ k: String, default def: E? = nil) -> E? where E.RawValue == String {
        choice(k, E.allCases.map(\.rawValue), default: def?.rawValue).flatMap(E.init(rawValue:))
    }

    public func number(_ k: String, in range: ClosedRange<Double>, default def: Double? = nil) -> Double? {
        guard let c = child(k) else {
            if def == nil { missing(k) }
            return def
        }
        guard case .number(let d) = c.value, d.isFinite else {
            c.problem("expected a number, found \(c.value.kindName)")
            return nil
        }
        guard range.contains(d) else {
            c.problem("\(JSONValue.number(d).serialized) is out of range \(JSONValue.number(range.lowerBound).serialized)...\(JSONValue.number(range.upperBound).serialized)")
            return nil
        }
        return d
    }

    public func integer(_ k: String, in range: ClosedRange<Int>, default def: Int? = nil) -> Int? {
        guard let c = child(k) else {
            if def == nil { missing(k) }
            return def
        }
        guard case .number(let d) = c.value, d.isFinite, d.rounded() == d else {
            c.problem("expected a whole number, found \(c.value.kindName == "number" ? c.value.serialized : c.value.kindName)")
            return nil
        }
        guard d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            // The value is shown as JSON writes it: Int(d) would trap on 1e19 while reporting it.
            c.problem("\(c.value.serialized) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return Int(d)
    }

    public func bool(_ k: String, default def: Bool) -> Bool {
        guard let c = child(k) else { return def }
        guard case .bool(let b) = c.value else { c.problem("expected true or false, found \(c.value.kindName)"); return def }
        return b
    }

    /// A duration in seconds: `"500ms"`, `"10s"`, `"15m"`, `"10h"`, `"30d"` or a number of seconds.
    public func duration(_ k: String, in range: ClosedRange<Double>, default def: Double? = nil) -> Double? {
        guard let c = child(k) else {
            if def == nil { missing(k) }
            return def
        }
        let seconds: Double
        switch c.value {
        case .number(let d) where d.isFinite && d >= 0: seconds = d
        case .string(let s):
            guard let v = DurationText.seconds(from: s) else {
                c.problem("'\(s)' is not a duration (write e.g. \"500ms\", \"10s\", \"15m\", \"10h\" or a number of seconds)")
                return nil
            }
            seconds = v
        default:
            c.problem("expected a duration such as \"10s\", found \(c.value.kindName == "number" ? c.value.serialized : c.value.kindName)")
            return nil
        }
        guard range.contains(seconds) else {
            c.problem("\(DurationText.describe(seconds)) is out of range \(DurationText.describe(range.lowerBound))...\(DurationText.describe(range.upperBound))")
            return nil
        }
        return seconds
    }

    /// A local time of day, `"HH:MM"` (00:00 to 23:59), as minutes after midnight.
    public func timeOfDay(_ k: String, default def: Int) -> Int? {
        guard let c = child(k) else { return def }
        guard case .string(let s) = c.value, let minutes = Self.minutes(s) else {
            let found = c.value.stringValue.map { "'\($0.truncated(40))'" } ?? c.value.kindName
            c.problem("expected a local time of day such as \"08:30\", found \(found)")
            return nil
        }
        return minutes
    }

    /// `"HH:MM"` as minutes after midnight; nil unless two digits, a colon, two digits, within the day.
    public static func minutes(_ s: String) -> Int? {
        let u = Array(s.utf8)
        guard u.count == 5, u[2] == UInt8(ascii: ":"), [u[0], u[1], u[3], u[4]].allSatisfy({ (48...57).contains($0) }) else { return nil }
        let h = Int(u[0] - 48) * 10 + Int(u[1] - 48), m = Int(u[3] - 48) * 10 + Int(u[4] - 48)
        return h < 24 && m < 60 ? h * 60 + m : nil
    }

    public func object(_ k: String, allowed: [String], required: Bool = true) -> ConfigObject? {
        guard let c = child(k) else { if required { missing(k) }; return nil }
        return c.object(allowed: allowed)
    }

    /// The elements of an array, each with its own indexed path.
    public func array(_ k: String, required: Bool = false) -> [ConfigNode] {
        guard let c = child(k) else { if required { missing(k) }; return [] }
        guard case .array(let a) = c.value else { c.problem("expected a list [ ... ], found \(c.value.kindName)"); return [] }
        return a.enumerated().map { ConfigNode(value: $1, path: "\(c.path)[\($0)]", problems: c.problems) }
    }
}

extension JSONValue {
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "true/false"
        case .number: return "number"
        case .string(let s): return "string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

/// The allowed key nearest to a mistyped one, when it is near enough to be a likely typo.
func closest(to key: String, in allowed: [String]) -> String? {
    let scored = allowed.map { ($0, editDistance(Array(key.lowercased()), Array($0.lowercased()))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
    return best.0
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}
