import ColdChain
import Testing

/// GS1 AI 10 (lot) and 21 (serial) hold characters of set 82 only, whatever the form of the code.
@Suite struct CharacterSet82Tests {
    @Test func theSetItself() {
        let set82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        #expect(set82.count == 82)
        #expect(GS1.isCSet82(set82))
        for outside in [" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "\u{1b}", "\u{7f}", "é", "码"] {
            #expect(!GS1.isCSet82(outside), "\(outside.escapedForTerminal)")
        }
    }

    // The adversarial finding: a Digital Link serial percent-decoding to an OSC title change and a colour change.
    @Test(arguments: [
        "https://id.gs1.org/01/09506000134352/21/%1B%5D0%3BPWNED%07%1B%5B31m",
        "https://id.gs1.org/01/09506000134352/10/L%201/21/A1",
        "(01)09506000134352(21)A\u{1b}[31m",
        "0109506000134352" + "21A#1",
        "0109506000134352" + "10L\u{7f}" + "\u{1D}" + "21A1",
    ])
    func outsideTheSetIsUnrecognisedWithTheReason(_ code: String) {
        let scan = TraceCodeParser.parse(Array(code.utf8), currentYear: 2026)
        guard case .unrecognised(let reason) = scan.code else { Issue.record("accepted: \(scan.code)"); return }
        #expect(reason.contains("character set 82"), "\(reason)")
        #expect(!reason.unicodeScalars.contains { String.needsEscape($0) }, "the reason is safe to print: \(reason.escapedForTerminal)")
        #expect(!scan.raw.unicodeScalars.contains { String.needsEscape($0) })
    }

    @Test func everyCharacterOfTheSetPassesInEveryForm() {
        // Parentheses delimit AIs in the human-readable form, so they are tried in the element string only.
        let forms = [
            ("(01)09506000134352(10)\(["!\"%&'*+"].joined())(21)\(",-./:;<=>?_az")", "!\"%&'*+", ",-./:;<=>?_az"),
            ("0109506000134352" + "10" + "!\"%&'()*+" + "\u{1D}" + "21" + ",-./:;<=>?_az", "!\"%&'()*+", ",-./:;<=>?_az"),
        ]
        for (f, lot, serial) in forms {
            guard case .gs1(let g) = TraceCodeParser.parse(Array(f.utf8), currentYear: 2026).code else { Issue.record("\(f)"); continue }
            #expect(g.lot == lot && g.serial == serial)
        }
    }
}
