import FoundationEssentials

/// What a scanner read: a dose's traceability code, a command card, or something unrecognised (kept as it was).
public enum TraceCode: Sendable, Equatable {
    /// A Chinese drug traceability code: 20 digits, the first 7 the product identifier. The last 4 are check digits
    /// of an undisclosed algorithm: never checked.
    case chineseDrug(code: String, productID: String)
    /// GS1 data: element string (with or without an AIM prefix), the human-readable (01)… form, or a Digital Link.
    case gs1(GS1Code)
    /// A 13-digit retail barcode (EAN-13 from China starts 69): a product, not one dose.
    case retailEAN(String)
    case command(ScannerCommand)
    case unrecognised(reason: String)
}

public struct GS1Code: Sendable, Equatable {
    public var gtin: String?
    public var expiry: GS1Date?
    public var lot: String?
    public var serial: String?
    /// Every AI as read, in order (including the ones above).
    public var elements: [(ai: String, value: String)]
    /// "element string", "human readable" or "digital link"
    public var form: String
    public var symbology: String?

    public static func == (a: GS1Code, b: GS1Code) -> Bool {
        a.gtin == b.gtin && a.expiry == b.expiry && a.lot == b.lot && a.serial == b.serial && a.form == b.form
            && a.symbology == b.symbology && a.elements.map { "\($0.ai)=\($0.value)" } == b.elements.map { "\($0.ai)=\($0.value)" }
    }
}

/// Command barcodes printed on a card at the fridge: switch a scanner's mode or fridge.
public enum ScannerCommand: Sendable, Equatable {
    case mode(ScannerMode)
    case fridge(String)

    public var text: String {
        switch self {
        case .mode(let m): "CC:MODE:\(m.rawValue.uppercased())"
        case .fridge(let f): "CC:FRIDGE:\(f)"
        }
    }
}

/// A parse: the code, and warnings worth showing (a code the platform will refuse, a bad check digit ...).
public struct ParsedScan: Sendable, Equatable {
    public var code: TraceCode
    public var warnings: [String]
    /// The raw bytes as printable text (control bytes escaped: GS as \x1d).
    public var raw: String

    /// The key one dose is known by in stock: the Chinese code itself, or GTIN + serial.
    public var doseKey: String? {
        switch code {
        case .chineseDrug(let c, _): return "cn:\(c)"
        case .gs1(let g):
            guard let gtin = g.gtin, let serial = g.serial else { return nil }
            return "gs1:\(gtin)/\(serial)"
        default: return nil
        }
    }

    /// The product a dose belongs to (for FEFO and inventory): the 7-digit product id or the GTIN.
    public var product: String? {
        switch code {
        case .chineseDrug(_, let p): return "cn:\(p)"
        case .gs1(let g): return g.gtin.map { "gs1:\($0)" }
        default: return nil
        }
    }
}

public enum TraceCodeParser {
    /// Parses one scan. `currentYear` decides the century of two-digit years (GS1's rule).
    public static func parse(_ bytes: [UInt8], currentYear: Int) -> ParsedScan {
        let raw = escape(bytes)
        var warnings: [String] = []
        var b = ArraySlice(bytes)
        while let f = b.first, f == 0x20 || f == 0x09 { b = b.dropFirst() }
        while let l = b.last, l == 0x20 || l == 0x09 { b = b.dropLast() }
        var symbology: String?
        // An AIM symbology identifier: ']', a letter, a digit (bytes, not characters: a combining mark after ']'
        // would make one character of two bytes, found by the fuzz test).
        let start = b.startIndex
        if b.count >= 3, b[start] == UInt8(ascii: "]"), (b[start + 1] | 0x20) >= 0x61, (b[start + 1] | 0x20) <= 0x7A,
           b[start + 2] >= 0x30, b[start + 2] <= 0x39 {
            symbology = String(decoding: b.prefix(3), as: UTF8.self)
            b = b.dropFirst(3)
        }
        guard !b.isEmpty else { return ParsedScan(code: .unrecognised(reason: "empty"), warnings: [], raw: raw) }
        guard let text = String(validating: b, as: UTF8.self) else {
            return ParsedScan(code: .unrecognised(reason: "not valid text"), warnings: [], raw: raw)
        }
        if text.hasPrefix("CC:") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3, parts[1] == "MODE", let mode = ScannerMode(rawValue: parts[2].lowercased()) {
                return ParsedScan(code: .command(.mode(mode)), warnings: [], raw: raw)
            }
            if parts.count == 3, parts[1] == "FRIDGE", !parts[2].isEmpty {
                return ParsedScan(code: .command(.fridge(parts[2])), warnings: [], raw: raw)
            }
            return ParsedScan(code: .unrecognised(reason: "unknown command card '\(text)'"), warnings: [], raw: raw)
        }
        func gs1(_ r: Result<[(String, String)], ParseFailure>, form: String) -> ParsedScan {
            switch r {
            case .failure(let f): return ParsedScan(code: .unrecognised(reason: f.reason), warnings: [], raw: raw)
            case .success(let pairs): return build(pairs, form: form, symbology: symbology, raw: raw, currentYear: currentYear)
            }
        }
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return gs1(digitalLink(text), form: "digital link") }
        if text.hasPrefix("(") { return gs1(humanReadable(text), form: "human readable") }
        let allDigits = text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        // 20 digits could also be a GS1 element string ((01) + GTIN + (20) + 2); the symbology identifier of a
        // GS1 symbol (]d2, ]C1, ]Q3, ]e0) decides. Chinese traceability codes are plain Code 128.
        let isGS1Symbol = symbology.map { GS1.symbologies.contains($0) } ?? false
        if allDigits && text.utf8.count == 20 && !isGS1Symbol {
            if !text.hasPrefix("8") {
                warnings.append("does not start with 8: the traceability platform (码上放心) will reject it")
            }
            return ParsedScan(code: .chineseDrug(code: text, productID: String(text.prefix(7))), warnings: warnings, raw: raw)
        }
        if allDigits && text.utf8.count == 13 && text.hasPrefix("69") && symbology == nil {
            return ParsedScan(code: .retailEAN(text), warnings: ["a retail barcode (EAN-13) names a product, not one dose: scan the 20-digit traceability code"], raw: raw)
        }
        if b.first.map({ $0 >= 0x30 && $0 <= 0x39 }) == true { return gs1(elementString(b), form: "element string") }
        return ParsedScan(code: .unrecognised(reason: "neither a traceability code nor GS1 data"), warnings: [], raw: raw)
    }

    struct ParseFailure: Error { var reason: String }

    /// Builds the code from AI/value pairs, checking values: GTIN check digit, dates.
    static func build(_ pairs: [(String, String)], form: String, symbology: String?, raw: String, currentYear: Int) -> ParsedScan {
        var g = GS1Code(gtin: nil, expiry: nil, lot: nil, serial: nil, elements: pairs, form: form, symbology: symbology)
        var warnings: [String] = []
        for (ai, value) in pairs {
            switch ai {
            case "01":
                guard value.utf8.count == 14, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    return ParsedScan(code: .unrecognised(reason: "(01) GTIN must be 14 digits, got '\(value)'"), warnings: [], raw: raw)
                }
                guard GS1.checkDigitIsValid(value) else {
                    return ParsedScan(code: .unrecognised(reason: "(01) GTIN \(value) fails its check digit (expected \(GS1.checkDigit(for: String(value.dropLast()))))"), warnings: [], raw: raw)
                }
                g.gtin = value
            case "17":
                guard let d = GS1Date.parse(value, currentYear: currentYear) else {
                    return ParsedScan(code: .unrecognised(reason: "(17) expiry '\(value)' is not a date YYMMDD"), warnings: [], raw: raw)
                }
                g.expiry = d
            case "10", "21":
                let name = ai == "10" ? "lot" : "serial"
                guard (1...20).contains(value.utf8.count) else { return ParsedScan(code: .unrecognised(reason: "(\(ai)) \(name) must be 1 to 20 characters"), warnings: [], raw: raw) }
                guard GS1.isCSet82(value) else {
                    let bad = value.unicodeScalars.first { !($0.isASCII && GS1.isCSet82(UInt8($0.value))) }.map { String($0).escapedForTerminal } ?? "?"
                    return ParsedScan(code: .unrecognised(reason: "(\(ai)) \(name) holds '\(bad)', which GS1 character set 82 does not allow"), warnings: [], raw: raw)
                }
                if ai == "10" { g.lot = value } else { g.serial = value }
            default: break
            }
        }
        if g.gtin == nil { warnings.append("no (01) GTIN: the dose cannot be identified") }
        else if g.serial == nil { warnings.append("no (21) serial: the package cannot be told from others of its lot") }
        return ParsedScan(code: .gs1(g), warnings: warnings, raw: raw)
    }

    static func elementString(_ b: ArraySlice<UInt8>) -> Result<[(String, String)], ParseFailure> {
        var pairs: [(String, String)] = []
        var s = b
        while !s.isEmpty {
            if s.first == 0x1D { s = s.dropFirst(); continue }  // FNC1 as GS between elements
            guard let (ai, format) = GS1.format(at: s) else {
                return .failure(ParseFailure(reason: "no known GS1 application identifier at '\(escape(Array(s.prefix(6))))'"))
            }
            s = s.dropFirst(format.aiLength)
            let value: ArraySlice<UInt8>
            if let n = format.fixed {
                guard s.count >= n else { return .failure(ParseFailure(reason: "(\(ai)) needs \(n) characters, has \(s.count)")) }
                value = s.prefix(n)
                s = s.dropFirst(n)
                // A GS after a predefined-length element is allowed (some encoders add it), just not needed.
            } else {
                let end = s.firstIndex(of: 0x1D) ?? s.endIndex
                value = s[s.startIndex..<end]
                s = s[end...]
                guard value.count <= format.maxLength else {
                    return .failure(ParseFailure(reason: "(\(ai)) is \(value.count) characters, at most \(format.maxLength) (a missing FNC1/GS separator?)"))
                }
            }
            guard !value.isEmpty else { return .failure(ParseFailure(reason: "(\(ai)) has no value")) }
            if format.numeric && !value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                return .failure(ParseFailure(reason: "(\(ai)) must be digits, got '\(escape(Array(value)))'"))
            }
            if let bad = value.first(where: { !GS1.isCSet82($0) }) {
                return .failure(ParseFailure(reason: "(\(ai)) holds '\(escape([bad]))', which GS1 character set 82 does not allow"))
            }
            pairs.append((ai, String(decoding: value, as: UTF8.self)))
        }
        return .success(pairs)
    }

    static func humanReadable(_ text: String) -> Result<[(String, String)], ParseFailure> {
        var pairs: [(String, String)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard rest.first == "(", let close = rest.firstIndex(of: ")") else {
                return .failure(ParseFailure(reason: "human-readable GS1 data must be (AI)value…"))
            }
            let ai = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            let next = rest.firstIndex(of: "(") ?? rest.endIndex
            let value = String(rest[..<next])
            rest = rest[next...]
            guard let (known, format) = GS1.format(at: ArraySlice(Array(ai.utf8) + Array(repeating: 0x30, count: 4))), known == ai else {
                return .failure(ParseFailure(reason: "(\(ai)) is not a known GS1 application identifier"))
            }
            if let n = format.fixed, value.utf8.count != n { return .failure(ParseFailure(reason: "(\(ai)) needs \(n) characters, has \(value.utf8.count)")) }
            if value.utf8.count > format.maxLength || value.isEmpty { return .failure(ParseFailure(reason: "(\(ai)) has a value of the wrong length")) }
            pairs.append((ai, value))
        }
        return .success(pairs)
    }

    static func digitalLink(_ text: String) -> Result<[(String, String)], ParseFailure> {
        // https://host/[prefix/]01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD
        let afterScheme = text.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
        let pathAndQuery = afterScheme.drop { $0 != "/" }
        let parts = pathAndQuery.split(separator: "?", maxSplits: 1)
        let segments = (parts.first ?? "").split(separator: "/").map { percentDecode(String($0)) }
        guard let start = segments.firstIndex(where: { $0 == "01" || $0 == "00" || $0 == "414" }) else {
            return .failure(ParseFailure(reason: "a GS1 Digital Link needs /01/{GTIN} in its path"))
        }
        var pairs: [(String, String)] = []
        var i = start
        while i + 1 < segments.count {
            pairs.append((segments[i], segments[i + 1]))
            i += 2
        }
        if i < segments.count { return .failure(ParseFailure(reason: "Digital Link path ends with '\(segments[i])' and no value")) }
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1).map { percentDecode(String($0)) }
                if kv.count == 2, kv[0].allSatisfy({ $0.isNumber }) { pairs.append((kv[0], kv[1])) }
            }
        }
        for (ai, _) in pairs {
            guard let (known, _) = GS1.format(at: ArraySlice(Array(ai.utf8) + Array(repeating: 0x30, count: 4))), known == ai else {
                return .failure(ParseFailure(reason: "(\(ai)) in the Digital Link is not a known GS1 application identifier"))
            }
        }
        return .success(pairs)
    }

    static func percentDecode(_ s: String) -> String {
        var out: [UInt8] = []
        var b = Array(s.utf8)[...]
        while let c = b.first {
            if c == UInt8(ascii: "%"), b.count >= 3, let v = UInt8(String(decoding: b.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                out.append(v); b = b.dropFirst(3)
            } else { out.append(c); b = b.dropFirst() }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Printable text for raw scanner bytes: control bytes and non-ASCII as \xNN (GS is \x1d).
    public static func escape(_ bytes: [UInt8]) -> String {
        var s = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") { s.unicodeScalars.append(Unicode.Scalar(b)) }
            else if b == UInt8(ascii: "\\") { s += "\\\\" }
            else { let h = String(b, radix: 16); s += "\\x" + (h.count == 1 ? "0" + h : h) }
        }
        return s
    }
}
