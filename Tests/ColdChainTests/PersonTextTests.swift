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
}
