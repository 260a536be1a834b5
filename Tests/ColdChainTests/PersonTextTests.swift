import ColdChain
import Testing

/// What a person types for the record (hardening 2, minor findings).
@Suite struct PersonTextTests {
    /// `check --temp 0x10` was 16 °C and `1e-400` 0 °C: only a plain decimal is a temperature.
    @Test(arguments: ["0x10", "1e-400", "1e2", "nan", "inf", "-", ".5", "5.", "5,2", "1 0", "０５", "1234567", "+-5", ""])
    func notAPlainDecimal(_ text: String) {
        #expect(PlainDecimal.parse(text) == nil, "\(text)")
    }

    @Test func plainDecimals() {
        #expect(PlainDecimal.parse("5") == 5 && PlainDecimal.parse("-0.5") == -0.5 && PlainDecimal.parse("+7.25") == 7.25)
    }

    /// Zero-width characters, a BOM, U+2028 and piles of combining marks are refused; real names pass.
    @Test func invisibleOrPiledUpTextIsRefused() {
        for bad in ["王\u{200B}丽", "\u{FEFF}Li", "Li\u{2028}Wei", "Li\u{2029}", "a\u{202E}b", "e" + String(repeating: "\u{301}", count: 5)] {
            #expect(PersonText.problem(bad) != nil, "\(bad.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        for good in ["王丽", "Li Wei", "Nguyễn Thị Minh", "José", "e\u{301}\u{302}", "门已关，疫苗已隔离"] {
            #expect(PersonText.problem(good) == nil, "\(good)")
        }
    }

    /// A name typed with combining accents and one typed precomposed are one name (NFC); canonical order is fixed
    /// (D + dot below + dot above); compatibility forms (half-width katakana) are left as typed, as NFC leaves them.
    @Test func namesAreKeptInNFC() {
        #expect(PersonText.normalized("Jose\u{301}").unicodeScalars.elementsEqual("Jos\u{E9}".unicodeScalars))
        #expect(PersonText.normalized("Nguye\u{302}\u{303}n").unicodeScalars.elementsEqual("Nguy\u{1EC5}n".unicodeScalars))
        #expect(PersonText.normalized("\u{1E0A}\u{323}").unicodeScalars.map(\.value) == [0x1E0C, 0x307])
        #expect(PersonText.normalized("ｶﾞ").unicodeScalars.map(\.value) == [0xFF76, 0xFF9E])
        #expect(PersonText.normalized("王丽") == "王丽" && PersonText.normalized("Li Wei") == "Li Wei")
    }
}
