import ColdChain
import FoundationEssentials
import Testing
import TestSupport

@Suite struct DeliveryBillTests {
    static let header = "bill,sender,date,code,lot,expiry,name\n"
    static let good = "CK-1,县疾控中心,2026-12-03,81000010000000000001,L1,2027-08-31,乙肝疫苗\n"

    func parse(_ text: String) -> Result<([DeliveryBill], [Catalogue.Refusal]), CatalogueError> {
        DeliveryBill.parse(csv: Array(text.utf8), currentYear: 2026)
    }

    @Test func theExampleBillReadsWhole() throws {
        let bytes = try #require(FileManager.default.contents(atPath: packageRoot() + "/Config/bill-example.csv"))
        let (bills, refusals) = try DeliveryBill.parse(csv: [UInt8](bytes), currentYear: 2026).get()
        #expect(refusals == [])
        #expect(bills.map(\.id) == ["CK2026-1203-001"] && bills[0].lines.count == 30)
        let first = try #require(bills.first?.lines.first)
        #expect(first.dose == "cn:81000010000000003101" && first.product == "cn:8100001" && first.lot == "202509B017")
        #expect(first.expiry == GS1Date(year: 2027, month: 8, day: 31) && first.row == 2)
        #expect(bills[0].sender == "某某县疾病预防控制中心" && bills[0].date == GS1Date(year: 2026, month: 12, day: 3))
    }

    @Test func aGS1CodeBringsItsOwnLotAndExpiryAndMustAgree() throws {
        let (bills, refusals) = try parse(Self.header + "CK-1,S,2026-12-03,(01)09506000134352(17)271231(10)L1(21)A1,,,\n"
                                          + "CK-1,S,2026-12-03,(01)09506000134352(17)271231(10)L1(21)A2,L2,,\n").get()
        #expect(bills[0].lines.map(\.lot) == ["L1"] && bills[0].lines[0].expiry == GS1Date(year: 2027, month: 12, day: 31))
        #expect(refusals == [.init(row: 3, reason: "the code's lot L1 is not the lot column's L2")])
    }

    @Test(arguments: [
        ("CK-1,S,2026-12-03,12345,L1,2027-08-31,", "names no single dose"),
        ("CK-1,S,2026-12-03,81000010000000000002,L 1,2027-08-31,", "lot 'L 1' is not a lot"),
        ("CK-1,S,2026-12-03,81000010000000000002,L1,2027-02-30,", "expiry '2027-02-30' is not a date"),
        ("CK-1,S,2026-12-03,81000010000000000002,L1,soon,", "expiry 'soon' is not a date"),
        ("CK-1,S,2026-13-03,81000010000000000002,L1,,", "date '2026-13-03' is not a day"),
        ("CK 1,S,2026-12-03,81000010000000000002,L1,,", "bill 'CK 1' may use only"),
        (",S,2026-12-03,81000010000000000002,L1,,", "bill is empty"),
        ("CK-1,,2026-12-03,81000010000000000002,L1,,", "sender is empty"),
        ("CK-1,S\u{1B}[2J,2026-12-03,81000010000000000002,L1,,", "sender contains a control character"),
        ("CK-1,S,2026-12-03,81000010000000000002,L1,,A\u{200B}B", "name contains an invisible format character"),
        ("CK-1,S,2026-12-03,81000010000000000001,L1,,", "cn:81000010000000000001 is already row 2"),
        ("CK-1,Other,2026-12-03,81000010000000000002,L1,,", "bill CK-1's sender or date differs from its row 2"),
        ("CK-1,S,2026-12-03,81000010000000000002,L1", "5 fields; a row has 7"),
    ])
    func aBadLineIsRefusedWithItsRow(line: String, reason: String) throws {
        let (bills, refusals) = try parse(Self.header + Self.good.replacingOccurrences(of: "县疾控中心", with: "S") + line + "\n").get()
        #expect(refusals.count == 1 && refusals.first?.row == 3, "\(refusals)")
        #expect(refusals.first?.reason.contains(reason) == true, "\(refusals)")
        #expect(bills.flatMap(\.lines).count == 1)
    }

    @Test func severalBillsInOneFileAndTheSameInJSON() throws {
        let csv = Self.header + "A/1,S,2026-12-03,81000010000000000001,L1,2027-01-31,\nB/2,S,2026-12-04,81000010000000000002,,,\nA/1,S,2026-12-03,81000010000000000003,L1,2027-01-31,\n"
        let (bills, refusals) = try parse(csv).get()
        #expect(refusals == [] && bills.map(\.id) == ["A/1", "B/2"] && bills.map(\.lines.count) == [2, 1])
        let json = #"[{"bill":"A/1","sender":"S","date":"2026-12-03","lines":[{"code":"81000010000000000001","lot":"L1","expiry":"2027-01-31"},{"code":"81000010000000000003","lot":"L1","expiry":"2027-01-31"}]},{"bill":"B/2","sender":"S","date":"2026-12-04","lines":[{"code":"81000010000000000002"},{"code":42}]}]"#
        let (fromJSON, jsonRefusals) = try DeliveryBill.parse(json: Array(json.utf8), currentYear: 2026).get()
        #expect(fromJSON.map(\.id) == ["A/1", "B/2"] && fromJSON.map(\.lines.count) == [2, 1])
        #expect(jsonRefusals == [.init(row: 4, reason: "bill, sender, date, code, lot, expiry and name are strings")])
        #expect(fromJSON.map { $0.lines.map(\.dose) } == bills.map { $0.lines.map(\.dose) })
    }

    @Test func theWholeFileIsRefusedForItsHeaderOrItsLength() {
        guard case .failure(let e) = parse("code,lot\n1,2\n") else { Issue.record("a wrong header was accepted"); return }
        #expect(e.description.contains("the first row must be the header bill,sender,date,code,lot,expiry,name"))
        let many = Self.header + String(repeating: "x\n", count: DeliveryBill.maxLines + 1)
        guard case .failure(let big) = parse(many) else { Issue.record("100,001 lines accepted"); return }
        #expect(big.description == "100001 lines; a bill file holds at most 100000")
        guard case .failure(let notJSON) = DeliveryBill.parse(json: Array("{".utf8), currentYear: 2026) else { Issue.record("accepted"); return }
        #expect(notJSON.description == "the file is not JSON")
    }

    /// Random lines never trap, and every refusal names a row of the file.
    @Test func fuzzedBillsNeverTrapAndEveryRefusalNamesARow() {
        var rng = Seeded.forTest()
        let pieces = ["CK-1", "S", "2026-12-03", "81000010000000000001", "8100001000000000000", "(01)09506000134352(21)A", "L1", "2027-08-31",
                      "疫苗", "", "\"", ",", "\n", "\u{7}", "\u{200B}", "2027-02-30", "(17)991399"]
        for _ in 0..<1500 {
            var text = Self.header
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                text += (0..<Int.random(in: 1...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined(separator: ",") + "\n"
            }
            guard case .success(let (bills, refusals)) = parse(text) else { continue }
            let rows = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for r in refusals { #expect(r.row >= 2 && r.row <= rows, "\(r) in \(text.debugDescription)") }
            let doses = bills.flatMap(\.lines).map(\.dose)
            #expect(Set(doses).count == doses.count, "a dose on two lines: \(text.debugDescription)")
        }
    }
}
