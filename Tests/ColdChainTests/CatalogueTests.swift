import ColdChain
import FoundationEssentials
import Testing
import TestSupport

@Suite struct CatalogueTests {
    static let header = "code,name,manufacturer,specification,doses_per_package\n"

    func parse(_ text: String) -> Result<(Catalogue, [Catalogue.Refusal]), CatalogueError> { Catalogue.parse(csv: Array(text.utf8)) }

    @Test func theShippedCatalogueReadsWhole() throws {
        let bytes = try #require(FileManager.default.contents(atPath: packageRoot() + "/Config/catalogue.csv"))
        let (c, refusals) = try Catalogue.parse(csv: [UInt8](bytes)).get()
        #expect(refusals == [])
        #expect(c.products.count == 20)
        #expect(c.name("cn:8100001") == "乙型肝炎疫苗(酿酒酵母)")
        #expect(c[product: "cn:8100011"]?.manufacturer == "玉溪沃森生物技术有限公司")
        #expect(c[product: "cn:8100001"]?.specification == "10μg/0.5ml" && c[product: "cn:8100001"]?.dosesPerPackage == 1)
    }

    @Test func aByteOrderMarkCRLFAndQuotedFieldsRead() throws {
        let text = "\u{FEFF}" + Self.header.replacingOccurrences(of: "\n", with: "\r\n")
            + "09506000134352,\"Vaccine, \"\"quoted\"\"\",\"Maker, Inc\",0.5ml,10\r\n\r\n8123456,乙脑疫苗,,,\r\n"
        let (c, refusals) = try parse(text).get()
        #expect(refusals == [])
        #expect(c.name("gs1:09506000134352") == "Vaccine, \"quoted\"")
        #expect(c[product: "gs1:09506000134352"]?.manufacturer == "Maker, Inc")
        #expect(c.name("cn:8123456") == "乙脑疫苗" && c[product: "cn:8123456"]?.dosesPerPackage == nil)
    }

    /// Each kind of bad row is refused with its row number and why; the good rows around it still load.
    @Test(arguments: [
        ("09506000134353,A,,,", "the GTIN's check digit is wrong"),
        ("12345,A,,,", "neither a 14-digit GTIN nor a 7-digit product id"),
        ("8123456,,,,", "name is empty"),
        ("8123456,A\u{7}B,,,", "name contains a control character"),
        ("8123456,A\u{200B}B,,,", "name contains an invisible format character"),
        ("8123456,\(String(repeating: "疫", count: 65)),,,", "name is 65 characters long; at most 64"),
        ("8123456,A,,,0", "doses_per_package '0' is not a whole number from 1 to 1000"),
        ("8123456,A,,,ten", "doses_per_package 'ten' is not a whole number"),
        ("8123456,A,,", "4 fields; a row has 5"),
        ("8123456,\"A,,,", "a quoted field is not closed"),
        ("8123456,A\"B,,,", "a quote inside an unquoted field"),
    ])
    func aBadRowIsRefusedWithItsNumber(row: String, reason: String) throws {
        // The bad row last: an unclosed quote runs to the end of the file, as CSV says.
        let (c, refusals) = try parse(Self.header + "8100001,Good,,,\n8100002,Also good,,,\n" + row + "\n").get()
        #expect(refusals.count == 1, "\(refusals)")
        #expect(refusals.first?.row == 4)
        #expect(refusals.first?.reason.contains(reason) == true, "\(refusals)")
        #expect(c.products.count == 2)
    }

    @Test func aDuplicateCodeNamesTheFirstRow() throws {
        let (c, refusals) = try parse(Self.header + "8100001,First,,,\n8100002,B,,,\n8100001,Second,,,\n").get()
        #expect(refusals == [.init(row: 4, reason: "cn:8100001 is already row 2")])
        #expect(c.name("cn:8100001") == "First")
    }

    @Test func invalidUTF8IsThatRowsProblem() throws {
        let bytes = Array((Self.header + "8100001,A,,,\n8100002,").utf8) + [0xFF, 0xFE] + Array(",,,\n".utf8)
        let (_, refusals) = try Catalogue.parse(csv: bytes).get()
        #expect(refusals.map(\.row) == [3] && refusals[0].reason.contains("not UTF-8"))
    }

    @Test func aNameIsKeptInNFC() throws {
        let (c, _) = try parse(Self.header + "8100001,Ve\u{301}rorab,,,\n").get()
        #expect(c.name("cn:8100001")?.unicodeScalars.count == 7)   // é precomposed
    }

    @Test func theWholeFileIsRefusedForItsHeaderOrItsSize() {
        guard case .failure(let e) = parse("id,name\n8100001,A\n") else { Issue.record("a wrong header was accepted"); return }
        #expect(e.description.contains("the first row must be the header code,name,manufacturer,specification,doses_per_package"))
        guard case .failure(let empty) = parse("") else { Issue.record("an empty file was accepted"); return }
        #expect(empty.description.contains("the file is empty"))
        let many = Self.header + (0...Catalogue.maxProducts).map { "\(8_000_000 + $0),N,,,\n" }.joined()
        guard case .failure(let big) = parse(many) else { Issue.record("20,001 products were accepted"); return }
        #expect(big.description == "20001 products; a catalogue holds at most 20000")
    }

    /// Random rows never trap, and every refusal names a row that is in the file.
    @Test func fuzzedFilesNeverTrapAndEveryRefusalNamesARow() {
        let seed = UInt64(2112)
        print("CatalogueTests fuzz seed \(seed)")
        var rng = Seeded(seed: seed)
        let alphabet = Array("0123456789,\"\n\r 疫苗aé\u{7}\u{200B}".utf8) + [0xFF, 0xC3]
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 0...200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let bytes = Array(Self.header.utf8) + body
            guard case .success(let (c, refusals)) = Catalogue.parse(csv: bytes) else { continue }
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count + bytes.filter { $0 == 0x0D }.count
            for r in refusals { #expect(r.row >= 2 && r.row <= lines, "seed \(seed): \(r)") }
            for p in c.products.values { #expect(!p.name.isEmpty && p.name.count <= Catalogue.maxName, "seed \(seed)") }
        }
    }

    @Test func displayWidthCountsWideCharactersTwice() {
        #expect("F1".displayWidth == 2)
        #expect("接种台冰箱".displayWidth == 10)
        #expect("乙型肝炎疫苗(酿酒酵母)".displayWidth == 22)
        #expect("e\u{301}".displayWidth == 1)
        #expect("冷链".padded(toColumns: 6) == "冷链  ")
    }
}
