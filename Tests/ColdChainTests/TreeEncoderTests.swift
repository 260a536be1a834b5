import ColdChain
import FoundationEssentials
import Testing
import TestSupport

/// `JSONValue(encoding:)` builds the tree straight from the type; it must be the tree JSONEncoder's text parses to,
/// for every shape a reply can take.
@Suite struct TreeEncoderTests {
    struct Shapes: Codable, Equatable {
        var text: String
        var optional: String?
        var number: Double
        var integer: Int64
        var small: UInt8
        var flag: Bool
        var list: [Int]
        var nested: [String: [Double]]
        var tree: JSONValue
        var date: Date
        var explicitNull: Int?

        enum CodingKeys: String, CodingKey { case text, optional, number, integer, small, flag, list, nested, tree, date, explicitNull = "explicit_null" }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text); try c.encodeIfPresent(optional, forKey: .optional); try c.encode(number, forKey: .number)
            try c.encode(integer, forKey: .integer); try c.encode(small, forKey: .small); try c.encode(flag, forKey: .flag)
            try c.encode(list, forKey: .list); try c.encode(nested, forKey: .nested); try c.encode(tree, forKey: .tree)
            try c.encode(date, forKey: .date); try c.encode(explicitNull, forKey: .explicitNull)
            var extra = c.superEncoder().unkeyedContainer()
            try extra.encode("from super")
        }
    }

    static func randomTree(_ rng: inout Seeded, depth: Int) -> JSONValue {
        switch Int.random(in: 0...(depth > 2 ? 3 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number([0, -0.0, 1e-7, 4.25, -3.5, 9_007_199_254_740_992, Double(Int32.max), 0.1].randomElement(using: &rng)!)
        case 3: return .string(["", "冷链", "a\"b\\c", "\u{1B}[31m", "\u{202E}x", "e\u{301}"].randomElement(using: &rng)!)
        case 4: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomTree(&rng, depth: depth + 1) })
        default:
            return .object(Dictionary((0..<Int.random(in: 0...3, using: &rng)).map { i in ("k\(i)", randomTree(&rng, depth: depth + 1)) },
                                      uniquingKeysWith: { a, _ in a }))
        }
    }

    @Test func theTreeIsTheOneJSONEncodersTextParsesTo() throws {
        let seed = UInt64(20261202)
        print("TreeEncoderTests seed \(seed)")
        var rng = Seeded(seed: seed)
        for i in 0..<300 {
            let value = Shapes(text: "t\(i)", optional: Bool.random(using: &rng) ? "x" : nil, number: Double.random(in: -100...100, using: &rng),
                               integer: Int64.random(in: -(1 << 60)...(1 << 60), using: &rng), small: UInt8.random(in: 0...255, using: &rng),
                               flag: Bool.random(using: &rng), list: (0..<Int.random(in: 0...4, using: &rng)).map { $0 * 7 },
                               nested: ["a": [1.5, -2], "b": []], tree: Self.randomTree(&rng, depth: 0),
                               date: Date(timeIntervalSince1970: Double.random(in: 0...2e9, using: &rng)), explicitNull: nil)
            let direct = try JSONValue(encoding: value)
            let viaText = try JSONValue.parse(JSONEncoder().encode(value))
            #expect(direct == viaText, "seed \(seed), case \(i): \(direct.serialized) vs \(viaText.serialized)")
            #expect(direct.serialized == viaText.serialized)
        }
    }

    @Test func aNumberJSONCannotHoldIsRefusedAsJSONEncoderRefusesIt() throws {
        #expect(throws: EncodingError.self) { try JSONValue(encoding: [1.0, .nan]) }
        #expect(throws: EncodingError.self) { try JSONEncoder().encode([1.0, .nan]) }
        #expect(try JSONValue(encoding: ["a": 1]) == ["a": 1])
        #expect(try JSONValue(encoding: "top") == "top")
    }
}
