import ColdChain
import Testing
import TestSupport

func parse(_ s: String, year: Int = 2026) -> ParsedScan { TraceCodeParser.parse(Array(s.utf8), currentYear: year) }

func gs1(_ s: String) -> GS1Code? { if case .gs1(let g) = parse(s).code { return g }; return nil }

@Suite struct TraceCodeTests {
    // GS1's own example identifiers (GS1 Digital Link standard, General Specifications): GTIN 09506000134352.
    @Test func digitalLinkFromTheStandard() throws {
        let g = try #require(gs1("https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/12345?17=180426"))
        #expect(g.gtin == "09506000134352" && g.lot == "ABC/1" && g.serial == "12345")
        #expect(g.expiry == GS1Date(year: 2018, month: 4, day: 26))
        #expect(g.form == "digital link")
        #expect(parse("https://example.com/products/01/09506000134352/21/A1").doseKey == "gs1:09506000134352/A1")
    }

    @Test func humanReadableForm() throws {
        let g = try #require(gs1("(01)09506000134352(17)251231(10)LOT-7(21)SN0042"))
        #expect(g.gtin == "09506000134352" && g.expiry == GS1Date(year: 2025, month: 12, day: 31))
        #expect(g.lot == "LOT-7" && g.serial == "SN0042" && g.form == "human readable")
    }

    @Test func elementStringWithAIMPrefixAndFNC1() throws {
        let s = "]d2" + "0109506000134352" + "17270300" + "10AB12" + "\u{1D}" + "21XYZ789" + "\u{1D}" + "7003" + "2701311200"
        let scan = parse(s)
        guard case .gs1(let g) = scan.code else { Issue.record("\(scan)"); return }
        #expect(g.symbology == "]d2")
        #expect(g.expiry == GS1Date(year: 2027, month: 3, day: 31), "DD 00 is the last day of the month")
        #expect(g.lot == "AB12" && g.serial == "XYZ789")
        #expect(g.elements.last! == ("7003", "2701311200"))
        #expect(scan.raw.contains("\\x1d"))
        #expect(scan.doseKey == "gs1:09506000134352/XYZ789" && scan.product == "gs1:09506000134352")
    }

    @Test func predefinedLengthAIsNeedNoSeparator() throws {
        // (01) and (17) are predefined-length: the variable (10) may follow without FNC1.
        let g = try #require(gs1("]C10109506000134352172402001012345"))
        #expect(g.expiry == GS1Date(year: 2024, month: 2, day: 29), "leap year, DD 00")
        #expect(g.lot == "12345")
    }

    @Test(arguments: [(2026, "760101", 2076), (2026, "770101", 1977), (2026, "000101", 2000), (2080, "300101", 2130), (2080, "310101", 2031), (2080, "290101", 2129)])
    func centuryRule(current: Int, yymmdd: String, year: Int) {
        #expect(GS1Date.parse(yymmdd, currentYear: current)?.year == year)
    }

    @Test func chineseTraceabilityCode() {
        let s = parse("81234567890123456789")
        #expect(s.code == .chineseDrug(code: "81234567890123456789", productID: "8123456"))
        #expect(s.warnings.isEmpty)
        #expect(s.doseKey == "cn:81234567890123456789" && s.product == "cn:8123456")
        let other = parse("91234567890123456789")
        #expect(other.warnings.first?.contains("does not start with 8") == true, "a warning, not a refusal")
        if case .chineseDrug = other.code {} else { Issue.record("refused a code not starting with 8") }
        // The last 4 digits are never checked: any value is accepted.
        if case .chineseDrug = parse("81234567890123450000").code {} else { Issue.record("check digits were judged") }
    }

    @Test func twentyDigitsAreAChineseCodeUnlessTheSymbolIsGS1() {
        if case .chineseDrug = parse("01095060001343522012").code {} else { Issue.record("plain 20 digits not taken as a Chinese code") }
        if case .gs1(let g) = parse("]d201095060001343522012").code { #expect(g.elements.last! == ("20", "12")) } else { Issue.record("GS1 symbol not parsed as GS1") }
    }

    @Test func retailBarcodeIsNamed() {
        let s = parse("6901234567892")
        #expect(s.code == .retailEAN("6901234567892"))
        #expect(s.warnings.first?.contains("retail barcode") == true)
        #expect(s.doseKey == nil)
    }

    @Test func commandCards() {
        #expect(parse("CC:MODE:OUT").code == .command(.mode(.out)))
        #expect(parse("CC:MODE:discard").code == .command(.mode(.discard)))
        #expect(parse("CC:FRIDGE:F2").code == .command(.fridge("F2")))
        if case .unrecognised(let why) = parse("CC:MODE:SIDEWAYS").code { #expect(why.contains("unknown command card")) } else { Issue.record("accepted") }
    }

    @Test(arguments: [
        ("0109506000134353", "fails its check digit (expected 2)"),
        ("(01)09506000134352(17)251332", "is not a date"),
        ("]d201095060001343521712", "needs 6 characters"),
        ("0109506000134352" + "10" + String(repeating: "A", count: 25), "at most 20"),
        ("hello world", "neither a traceability code nor GS1 data"),
        ("(99x)abc", "not a known GS1 application identifier"),
        ("]d2", "empty"),
        ("0109506000134352" + "9", "no known GS1 application identifier"),
    ])
    func badInputIsUnrecognisedWithAReason(text: String, reason: String) {
        guard case .unrecognised(let why) = parse(text).code else { Issue.record("accepted \(text)"); return }
        #expect(why.contains(reason), "\(why)")
    }

    @Test func gtinCheckDigit() {
        #expect(GS1.checkDigitIsValid("09506000134352"))
        #expect(GS1.checkDigitIsValid("4006381333931"))   // EAN-13 from the GS1 check digit calculator's example
        #expect(!GS1.checkDigitIsValid("4006381333932"))
    }

    @Test func aCombiningMarkAfterABracketIsNotASymbologyIdentifier() {
        if case .unrecognised = TraceCodeParser.parse([0x5D, 0xCC, 0x81, 0x31], currentYear: 2026).code {} else { Issue.record("accepted") }
    }

    /// Random bytes never crash the parser, and whatever it returns keeps the raw bytes printable.
    @Test func fuzzRandomBytes() {
        var rng = Seeded.forTest()
        let alphabet: [UInt8] = Array("0123456789()]d2C1/?=%&:ABCxyz".utf8) + [0x1D, 0x00, 0x0D, 0xFF, 0xC3, 0x80, 0xCC, 0x81]
        for _ in 0..<30000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            let s = TraceCodeParser.parse(bytes, currentYear: 2026)
            #expect(s.raw.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
        }
    }

    /// Generated element strings (random AIs and values, with and without GS where allowed) parse back to the same fields.
    @Test func generatedElementStringsRoundTrip() throws {
        var rng = Seeded.forTest()
        let alnum = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-./")
        for _ in 0..<3000 {
            let body = (0..<13).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
            let gtin = body + String(GS1.checkDigit(for: body))
            let y = Int.random(in: 0...99, using: &rng), m = Int.random(in: 1...12, using: &rng), d = Int.random(in: 0...28, using: &rng)
            let date = String(format2: y) + String(format2: m) + String(format2: d)
            let lot = String((0..<Int.random(in: 1...20, using: &rng)).map { _ in alnum.randomElement(using: &rng)! })
            let serial = String((0..<Int.random(in: 1...20, using: &rng)).map { _ in alnum.randomElement(using: &rng)! })
            var elements: [(String, String)] = [("01", gtin), ("17", date), ("10", lot), ("21", serial)]
            if Bool.random(using: &rng) { elements.append(("3103", String(format6: Int.random(in: 0...999_999, using: &rng)))) }
            elements.shuffle(using: &rng)
            var s = Bool.random(using: &rng) ? "]d2" : ""
            for (k, (ai, v)) in elements.enumerated() {
                s += ai + v
                let variable = ai == "10" || ai == "21"
                if k < elements.count - 1 && (variable || Bool.random(using: &rng)) { s += "\u{1D}" }
            }
            guard case .gs1(let g) = parse(s).code else { Issue.record("refused \(s.debugDescription): \(parse(s).code)"); continue }
            #expect(g.gtin == gtin && g.lot == lot && g.serial == serial, "\(s.debugDescription)")
            #expect(g.elements.map(\.ai) == elements.map(\.0))
        }
    }
}

extension String {
    init(format2 v: Int) { self = v < 10 ? "0\(v)" : "\(v)" }
    init(format6 v: Int) { let s = String(v); self = String(repeating: "0", count: 6 - s.count) + s }
}
