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

extension ControlArguments {
    /// A duration argument within `range`, kept with the text the person typed.
    public func durationArgument(_ key: String, in range: ClosedRange<Double>) throws(ControlFailure) -> DurationArgument? {
        guard let seconds = try duration(key, in: range), let text = try string(key, maxLength: 32) else { return nil }
        return DurationArgument(text: text, seconds: seconds)
    }

    /// A required argument: `missing` says what to type when it is absent.
    public func required<T>(_ value: T?, _ missing: String) throws(ControlFailure) -> T {
        guard let value else { throw ControlFailure(.invalidArgument, missing) }
        return value
    }
}

/// The wire form of arguments: only the present ones.
func wireObject(_ pairs: [(String, JSONValue?)]) -> [String: JSONValue] {
    pairs.reduce(into: [:]) { o, kv in if let v = kv.1 { o[kv.0] = v } }
}
