import ColdChain
import Foundation
import Testing
import TestSupport

/// upsd's answers parsed, and anything else refused without a trap.
@Suite struct NUTProtocolTests {
    @Test func answersParse() throws {
        #expect(try NUTProtocol.parse(#"VAR fridgeups ups.status "OB LB""#) == .variable(ups: "fridgeups", name: "ups.status", value: "OB LB"))
        #expect(try NUTProtocol.parse(#"VAR u ups.model "Smart \"1500\" \\ X""#) == .variable(ups: "u", name: "ups.model", value: #"Smart "1500" \ X"#))
        #expect(try NUTProtocol.parse("ERR VAR-NOT-SUPPORTED") == .error("VAR-NOT-SUPPORTED"))
        #expect(try NUTProtocol.parse("ERR ACCESS-DENIED extra words") == .error("ACCESS-DENIED"))
        #expect(try NUTProtocol.parse("OK Goodbye") == .ok)
        for bad in ["", "VAR", "VAR u", "VAR u x", #"VAR u x OL"#, #"VAR u x "OL"#, #"VAR u x "OL" trailing"#, #"VAR u x "OL\"#, "ERR ", "HELLO",
                    "\u{1B}]0;pwned\u{07}"] {
            #expect(throws: NUTProtocol.ParseError.self, "\(bad.debugDescription)") { try NUTProtocol.parse(bad) }
        }
        let e = NUTProtocol.ParseError.unexpected("\u{1B}[31mred")
        #expect(!e.description.contains("\u{1B}"), "shown escaped")
    }

    @Test func statusFlags() {
        #expect(UPSStatus("OL CHRG").online == true)
        #expect(UPSStatus("OB DISCHRG").online == false)
        #expect(UPSStatus("OL OB").online == false, "in transition: on battery wins")
        #expect(UPSStatus("OB LB").batteryLow && UPSStatus("OB FSD").batteryLow && !UPSStatus("OB").batteryLow)
        #expect(UPSStatus("WAIT").online == nil && UPSStatus("").online == nil)
        #expect(UPSStatus.charge("87.5") == 87.5 && UPSStatus.charge("101") == nil && UPSStatus.charge("nan") == nil && UPSStatus.charge("x") == nil)
        #expect(UPSStatus.runtime("1800") == 1800 && UPSStatus.runtime("-1") == nil && UPSStatus.runtime("1e300") == nil && UPSStatus.runtime(nil) == nil)
    }

    /// Any value quoted as we quote a password reads back the same from a VAR line; random bytes never trap.
    @Test func quotingRoundTripsAndRandomLinesNeverTrap() throws {
        var rng = Seeded.forTest()
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", ".", "-", "冷", "\u{7F}", "\t"]
        for _ in 0..<2000 {
            let value = String((0..<Int.random(in: 0...20, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(try NUTProtocol.parse("VAR u x " + NUTProtocol.quoted(value)) == .variable(ups: "u", name: "x", value: value))
            let bytes = (0..<Int.random(in: 0...60, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let line = (Bool.random(using: &rng) ? "VAR " : "") + String(decoding: bytes, as: UTF8.self)
            _ = try? NUTProtocol.parse(line)
        }
    }
}
