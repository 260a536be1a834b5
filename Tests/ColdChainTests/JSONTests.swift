import ColdChain
import FoundationEssentials
import Testing
import TestSupport

@Suite struct JSONTests {
    @Test func serializesDeterministically() throws {
        let v: JSONValue = ["b": 1, "a": [true, nil, 2.5, "x\"\n\u{1}"], "c": ["z": -3, "y": 1e20]]
        #expect(v.serialized == #"{"a":[true,null,2.5,"x\"\n\u0001"],"b":1,"c":{"y":1e+20,"z":-3}}"#)
        #expect(try JSONValue.parse(Data(v.serialized.utf8)) == v)
    }

    @Test func parsesJSON5() throws {
        let v = try JSONValue.parseJSON5(Data("{a: 'x', // c\n b: [1, 2,], /* d */ c: 0x10, }".utf8))
        #expect(v == ["a": "x", "b": [1, 2], "c": 16])
    }

    @Test(arguments: [
        ("{\n  a: 1,\n  b: 2\n  c: 3\n}", 4, 3, "expected ',' or '}'"),
        ("{ a: \"x }", 1, 6, "never closed"),
        ("{ a: five }", 1, 6, "strings need quotes"),
        ("{ a: 1 } }", 1, 10, "after the end"),
        ("", 1, 1, "empty"),
        ("{ /* open", 1, 3, "comment"),
        ("{ a: 500ms }", 1, 6, "unit needs quotes"),
        ("{ a: [1, 2 }", 1, 12, "expected ',' or ']'"),
        ("{ \"a\" 1 }", 1, 7, "expected ':'"),
        ("{ a: 1,\n  b: { c: 2 }\n", 1, 1, "never closed"),
        ("{ a: \"x\\qy\" }", 1, 9, "unknown escape"),
        ("{ a: 007 }", 1, 6, "may not start with 0"),
        ("{ a: 'caf\u{e9}', b: '\u{1}' }", 1, 18, "control character"),
    ])
    func syntaxErrorsHaveLineAndColumn(text: String, line: Int, column: Int, message: String) throws {
        #expect(throws: (any Error).self) { try JSONValue.parseJSON5(Data(text.utf8)) }
        let e = try #require(JSON5Syntax.firstError(in: Array(text.utf8)))
        #expect(e.line == line && e.column == column, "\(e)")
        #expect(e.message.contains(message), "\(e)")
    }

    /// Random bytes never crash the parser, and whatever the recognizer accepts, Foundation's decoder accepts too:
    /// the recognizer is the gate that keeps Foundation from ever seeing text it refuses (or traps on).
    @Test func fuzzRecognizerIsTheSafeGate() {
        let alphabet = Array("{}[]:,'\"\\/*\n ab1.-+xeE0tfnul\u{7f}".utf8) + [0xC3, 0xA9, 0x00, 0x1D]
        var rng = Seeded.forTest()
        var accepted = 0
        for _ in 0..<50000 {
            let n = Int.random(in: 0...24, using: &rng)
            let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            guard JSON5Syntax.firstError(in: bytes) == nil else { continue }
            accepted += 1
            let d = JSONDecoder()
            d.allowsJSON5 = true
            #expect((try? d.decode(JSONValue.self, from: Data(bytes))) != nil,
                    "the recognizer accepts \(String(decoding: bytes, as: UTF8.self).debugDescription) but Foundation refuses it")
        }
        #expect(accepted > 100)
    }

    /// Inputs on which Foundation 6.3's JSON5 decoder traps: refused with a position, no crash.
    @Test(arguments: ["0e-", "1e+", "-0e-", "1.5e-", "{ a: 1e-"])
    func foundationCrashersAreRefused(text: String) {
        #expect(throws: JSON5SyntaxError.self) { try JSONValue.parseJSON5(Data(text.utf8)) }
    }

    /// Generated valid documents pass the recognizer.
    @Test func generatedDocumentsAreAccepted() {
        var rng = Seeded.forTest()
        func gen(_ depth: Int) -> String {
            switch Int.random(in: 0...(depth > 3 ? 3 : 6), using: &rng) {
            case 0: return ["1", "-2.5", "0x1F", "true", "null", ".5", "+3", "1e3"].randomElement(using: &rng)!
            case 1: return ["'a'", "\"b\\n\"", "'it\\'s'", "\"中文\""].randomElement(using: &rng)!
            case 2, 3: return "\"s\(Int.random(in: 0...9, using: &rng))\""
            case 4: return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in gen(depth + 1) }.joined(separator: ", ") + "]"
            default:
                let n = Int.random(in: 0...3, using: &rng)
                return "{ " + (0..<n).map { i in "k\(i): \(gen(depth + 1)) // c\n" }.joined(separator: ", ") + "}"
            }
        }
        for _ in 0..<2000 {
            let doc = "{ root: \(gen(0)) }"
            #expect(JSON5Syntax.firstError(in: Array(doc.utf8)) == nil, "\(doc)")
            #expect((try? JSONValue.parseJSON5(Data(doc.utf8))) != nil, "\(doc)")
        }
    }

    /// Property: any string written as JSON reads back the same, and what is written carries no raw control
    /// character (C0, DEL, C1, bidi overrides) whether it took the printable-ASCII fast path or not.
    @Test func writtenStringsReadBackAndCarryNoControls() throws {
        var rng = Seeded.forTest()
        let pieces: [String] = ["a", "Z", "9", " ", "~", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1b}", "\u{7f}", "\u{85}",
                                "\u{9b}", "\u{202e}", "\u{2066}", "中", "°", "é", "😀", "{", "}"]
        for _ in 0..<3000 {
            let s = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var out = ""
            JSONValue.writeString(s, to: &out)
            #expect(try JSONValue.parse(Data("[\(out)]".utf8)) == [JSONValue.string(s)], "\(out)")
            #expect(!out.unicodeScalars.contains { String.needsEscape($0) }, "\(out)")
        }
    }
}
