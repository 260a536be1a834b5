import ColdChain

/// A request's arguments, read with their bounds. Every value a control client sends is checked here before any
/// arithmetic, conversion or formatting touches it: a duration of 800000 days once reached RFC 3339 formatting
/// as a negative year and killed the daemon. A refusal is `invalid_argument` with the allowed range.
public struct ControlArguments {
    let values: [String: JSONValue]
    public init(_ values: [String: JSONValue]) { self.values = values }

    /// The longest note or reason a person types.
    public static let maxNote = 1000
    /// Ids, product ids, lots: short by nature.
    public static let maxName = 256
    /// A scanned code: the scanner framer's own limit.
    public static let maxCode = 512
    /// Time windows and horizons a query may ask for: a century covers any ledger.
    public static let maxWindow = 36_500.0 * 86_400
    /// The longest chart: ten years (the points are bucketed to a page's width whatever the window).
    public static let maxChartWindow = 3_660.0 * 86_400
    /// A bucket of `readings --every`: a second to a year.
    public static let bucketRange = 1.0...(366.0 * 86_400)
    /// Most buckets one `readings --every` answer holds per sensor (a year at 5 min is 105,120).
    public static let maxBuckets = 110_000.0

    /// A string of at most `maxLength` characters; control characters refused unless `allowGS` lets FNC1 (GS) through.
    public func string(_ key: String, maxLength: Int = maxName, allowGS: Bool = false) throws(ControlFailure) -> String? {
        guard let v = values[key], v != .null else { return nil }
        guard case .string(let s) = v else { throw ControlFailure(.invalidArgument, "\(key) must be a string") }
        guard s.count <= maxLength else {
            throw ControlFailure(.invalidArgument, "\(key) is \(s.count) characters long; at most \(maxLength)")
        }
        if let bad = s.unicodeScalars.first(where: { String.needsEscape($0) && !(allowGS && $0 == "\u{1D}") }) {
            throw ControlFailure(.invalidArgument, "\(key) contains a control character (\(String(bad).escapedForTerminal))")
        }
        return s
    }

    /// Text a person typed for others to read (a name, a note, a reason): `string`, and no invisible format
    /// characters, separators or piles of combining marks (PersonText); kept in NFC.
    public func personText(_ key: String, maxLength: Int = maxName) throws(ControlFailure) -> String? {
        guard let s = try string(key, maxLength: maxLength) else { return nil }
        if let problem = PersonText.problem(s) { throw ControlFailure(.invalidArgument, "\(key) \(problem)") }
        return PersonText.normalized(s)
    }

    /// A duration text (`24h`, `30d`) within `range`.
    public func duration(_ key: String, in range: ClosedRange<Double>, default def: Double? = nil) throws(ControlFailure) -> Double? {
        guard let text = try string(key, maxLength: 32) else { return def }
        switch DurationText.seconds(from: text, in: range) {
        case .success(let v): return v
        case .failure(let p): throw ControlFailure(.invalidArgument, "\(key): \(p)")
        }
    }

    /// A whole number within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int>, default def: Int? = nil) throws(ControlFailure) -> Int? {
        guard let v = values[key], v != .null else { return def }
        guard case .number(let d) = v, d.isFinite, d.rounded() == d else {
            throw ControlFailure(.invalidArgument, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        guard d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw ControlFailure(.invalidArgument, "\(key) \(v.serialized) is out of range: allowed \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(d)
    }

    /// A number within `range` (a temperature, °C).
    public func number(_ key: String, in range: ClosedRange<Double>) throws(ControlFailure) -> Double? {
        guard let v = values[key], v != .null else { return nil }
        guard case .number(let d) = v, d.isFinite, range.contains(d) else {
            throw ControlFailure(.invalidArgument, "\(key) must be a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
        }
        return d
    }

    /// A thermometer reading a person types: any fridge or freezer, with room for a mistyped sign.
    public static let celsiusRange = -90.0...60.0

    public func bool(_ key: String, default def: Bool) throws(ControlFailure) -> Bool {
        guard let v = values[key], v != .null else { return def }
        guard case .bool(let b) = v else { throw ControlFailure(.invalidArgument, "\(key) must be true or false") }
        return b
    }
}
