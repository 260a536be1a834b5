/// Text a person types that the record keeps and other people read (a name in `check --by`, an acknowledgement's
/// note, a hold's reason): what may not be in it.
///
/// Found by the second hardening run: names took zero-width characters, a BOM, U+2028 and hundreds of combining marks
/// on one letter, each of which hides or garbles what the record sheet and the terminal show.
public enum PersonText {
    /// Most combining marks on one character (real scripts need two or three; Vietnamese stacks two).
    public static let maxMarks = 4

    /// Why `s` is refused, or nil: format characters (category Cf: zero-width spaces and joiners, the BOM, bidi
    /// controls), line and paragraph separators, and more than `maxMarks` combining marks on one character.
    public static func problem(_ s: String) -> String? {
        for scalar in s.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .format: return "contains an invisible format character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            case .lineSeparator, .paragraphSeparator: return "contains a line or paragraph separator (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            default: continue
            }
        }
        for c in s where c.unicodeScalars.filter({ [.nonspacingMark, .spacingMark, .enclosingMark].contains($0.properties.generalCategory) }).count > maxMarks {
            return "has more than \(maxMarks) combining marks on one character"
        }
        return nil
    }

    /// A field of a file another program wrote (a catalogue's name, a bill's sender), checked as a person's text:
    /// at most `max` characters, no control characters, and `problem`'s rules; kept in NFC. Empty is nil, or the
    /// refusal when `required`.
    public static func field(_ value: String, _ name: String, max: Int, required: Bool) -> Result<String?, FieldProblem> {
        if value.isEmpty { return required ? .failure(FieldProblem("\(name) is empty")) : .success(nil) }
        guard value.count <= max else { return .failure(FieldProblem("\(name) is \(value.count) characters long; at most \(max)")) }
        if let bad = value.unicodeScalars.first(where: { String.needsEscape($0) }) {
            return .failure(FieldProblem("\(name) contains a control character (\(String(bad).escapedForTerminal))"))
        }
        if let problem = problem(value) { return .failure(FieldProblem("\(name) \(problem)")) }
        return .success(normalized(value))
    }

    /// `s` in Unicode normalization form C, so that a name typed with a combining accent (`e` + U+0301) and one typed
    /// precomposed (`é`) are one name in the record, as Debian and the W3C ask of stored text.
    ///
    /// FoundationEssentials has no normalization (Foundation's `precomposedStringWithCanonicalMapping` pulls in all
    /// of Foundation and ICU's data); the standard library's `_nfcCodeUnits` is the NFC that String comparison itself
    /// uses, public though underscored. Tested against NFC pairs in PersonTextTests.
    public static func normalized(_ s: String) -> String {
        s.utf8.allSatisfy { $0 < 0x80 } ? s : String(decoding: s._nfcCodeUnits, as: UTF8.self)
    }
}

/// Why one field of a row is refused.
public struct FieldProblem: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A temperature as a person writes it: an optional sign, digits, an optional decimal point and digits. Not hex
/// (`0x10` was read as 16 °C), not an exponent (`1e-400` was read as 0 °C), not `nan` or `inf`.
public enum PlainDecimal {
    public static func parse(_ text: String) -> Double? {
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 6, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if parts.count == 2 { guard !parts[1].isEmpty, parts[1].count <= 6, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil } }
        return Double(text)
    }
}
