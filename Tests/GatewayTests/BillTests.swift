import ColdChain
import Control
import Fieldbus
import FoundationEssentials
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

/// Receiving against delivery bills: lots and expiries from the bill, `not_on_bill`, status, closing by hand and by
/// the last scan, the record after a restart.
@Suite struct BillTests {
    /// The parts of a bill as `coldchainctl receive import` sends them.
    static func parts(_ csv: String) throws -> [Commands.ReceiveImport.Arguments] {
        let (bills, refused) = try DeliveryBill.parse(csv: Array(csv.utf8), currentYear: 2026).get()
        #expect(refused == [])
        return bills.flatMap { Commands.ReceiveImport.parts(of: $0) }
    }

    static func exampleBill() throws -> String { try String(contentsOfFile: packageRoot() + "/Config/bill-example.csv", encoding: .utf8) }
    static func codes(_ csv: String) -> [String] { csv.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[3]) } }

    func hub(_ f: HubFixture) throws -> ScanHub {
        let reader = try LedgerReader(path: f.config.storage.path)
        defer { reader.close() }
        return try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
    }

    func scan(_ scans: ScanHub, _ code: String, _ f: HubFixture, minutes: Double = 1) throws -> Scan {
        let e = try #require(scans.record(scanner: "desk", bytes: Array(code.utf8), at: f.t0.addingTimeInterval(minutes * 60)))
        guard case .scan(let s)? = try e.typed() else { throw CocoaError(.fileReadCorruptFile) }
        return s
    }

    @Test func twentyEightOfThirtyAndTwoOthersThenClosedByHand() throws {
        let f = try HubFixture()
        var scans = try hub(f)
        let bill = try Self.exampleBill()
        for p in try Self.parts(bill) {
            let r = try scans.receive(p, uid: 1000, at: f.t0).get()
            #expect(r.recorded == 30 && r.refused == [] && !r.alreadyRecorded)
        }
        let codes = Self.codes(bill)
        for c in codes.prefix(28) {
            let s = try scan(scans, c, f)
            #expect(s.verdict == "ok" && s.moved && !s.refused && s.detail["bill"] == "CK2026-1203-001", "\(s)")
            #expect(s.lot != nil && s.expiry != nil, "a Chinese code takes its lot and expiry from the bill: \(s)")
        }
        for c in ["81234560000000000001", "81234560000000000002"] {
            let s = try scan(scans, c, f)
            #expect(s.verdict == "not_on_bill" && s.moved && !s.refused, "received and flagged: \(s)")
        }
        let status = try scans.billStatus(nil).get()
        #expect(status.map { [$0.expected, $0.scanned, $0.missing, $0.unexpected] } == [[30, 28, 2, 2]])
        #expect(status.first?.missingDoses == codes.suffix(2).map { "cn:" + $0 })
        // The same after a restart: from the ledger alone.
        scans = try hub(f)
        #expect(try scans.billStatus("CK2026-1203-001").get().map { [$0.expected, $0.scanned, $0.missing, $0.unexpected] } == [[30, 28, 2, 2]])
        #expect(scans.inventory(fridge: nil, expiringWithin: nil, now: f.t0).first { $0.product == "cn:8100001" }?.name == "乙型肝炎疫苗(酿酒酵母)",
                "a bill's names name the products the catalogue does not know")
        let closed = try scans.closeBill("CK2026-1203-001", by: "王丽", note: "two doses short", uid: 1000, at: f.t0.addingTimeInterval(3600)).get()
        #expect(closed.body.missing == codes.suffix(2).map { "cn:" + $0 } && closed.body.unexpected == ["cn:81234560000000000001", "cn:81234560000000000002"])
        #expect(!closed.body.automatic && closed.body.by == "王丽")
        #expect(try scans.billStatus(nil).get() == [])
        // With no bill open, a scan-in is judged as before.
        #expect(try scan(scans, "81234560000000000003", f, minutes: 70).verdict == "ok")
        #expect(try f.events("bill.closed").count == 1 && f.events("bill.received").count == 1)
    }

    @Test func anExpiredChineseCodeFromTheBillIsRefusedAndFEFOWorksOnIt() throws {
        let f = try HubFixture()
        let scans = try hub(f)
        let csv = """
            bill,sender,date,code,lot,expiry,name
            CK-9,县疾控,2026-11-01,81000010000000000001,OLD,2026-10-31,
            CK-9,县疾控,2026-11-01,81000010000000000002,A,2027-03-31,
            CK-9,县疾控,2026-11-01,81000010000000000003,B,2027-09-30,

            """
        for p in try Self.parts(csv) { _ = try scans.receive(p, uid: nil, at: f.t0).get() }
        let expired = try scan(scans, "81000010000000000001", f)
        #expect(expired.verdict == "expired" && expired.refused && !expired.moved && expired.detail["expiry"] == "2026-10-31")
        #expect(try scan(scans, "81000010000000000002", f).verdict == "ok")
        #expect(try scan(scans, "81000010000000000003", f).verdict == "ok")
        #expect(try f.events("bill.closed").isEmpty, "one line is still missing: the expired dose was not received")
        _ = scans.record(scanner: "desk", bytes: Array("CC:MODE:OUT".utf8), at: f.t0.addingTimeInterval(120))
        let later = try scan(scans, "81000010000000000003", f, minutes: 3)
        #expect(later.verdict == "fefo" && later.detail["earlier"] == "81000010000000000002", "the bill's expiries order the doses: \(later)")
    }

    @Test func theLastLineScannedClosesTheBillInTheSameTransaction() throws {
        let f = try HubFixture()
        let scans = try hub(f)
        let csv = "bill,sender,date,code,lot,expiry,name\nCK-2,S,2026-11-18,81000050000000000001,L,2027-01-31,\nCK-2,S,2026-11-18,81000050000000000002,L,2027-01-31,\n"
        for p in try Self.parts(csv) { _ = try scans.receive(p, uid: nil, at: f.t0).get() }
        _ = try scan(scans, "81000050000000000001", f)
        #expect(try f.events("bill.closed").isEmpty)
        let last = try #require(scans.record(scanner: "desk", bytes: Array("81000050000000000002".utf8), at: f.t0.addingTimeInterval(60)))
        let closed = try f.events("bill.closed")
        #expect(closed.count == 1 && closed.first?["automatic"] == true && closed.first?["missing"] == [])
        let reader = try LedgerReader(path: f.config.storage.path)
        #expect(try reader.event(seq: last.seq + 1)?.type == "bill.closed", "written with the scan that completed it")
        #expect(try scans.billStatus(nil).get() == [])
    }

    @Test func aCodeOnTwoOpenBillsIsRefusedAndAPartIsNeverRecordedTwice() throws {
        let f = try HubFixture()
        let scans = try hub(f)
        let first = try Self.parts("bill,sender,date,code,lot,expiry,name\nA-1,S,2026-11-18,81000050000000000001,L,,\nA-1,S,2026-11-18,81000050000000000002,L,,\n")
        _ = try scans.receive(first[0], uid: nil, at: f.t0).get()
        #expect(try scans.receive(first[0], uid: nil, at: f.t0).get().alreadyRecorded, "sent again: on record already")
        let second = try Self.parts("bill,sender,date,code,lot,expiry,name\nB-2,S,2026-11-18,81000050000000000002,L,,\nB-2,S,2026-11-18,81000050000000000003,L,,\n")
        let r = try scans.receive(second[0], uid: nil, at: f.t0).get()
        #expect(r.recorded == 1 && r.refused.map(\.row) == [2])
        #expect(r.refused.first?.reason.contains("is on open bill A-1 too") == true && r.refused.first?.reason.contains("B-2") == true, "\(r.refused)")
        // The same bill number with another sender is a conflict, not a silent merge.
        var other = first[0]
        other.sender = "Someone else"
        guard case .failure(let conflict) = scans.receive(other, uid: nil, at: f.t0) else { Issue.record("accepted"); return }
        #expect(conflict.code == .conflict)
        #expect(try f.events("bill.received").count == 2)
        guard case .failure(let missing) = scans.closeBill("Z-0", by: "x", note: nil, uid: nil, at: f.t0) else { Issue.record("closed"); return }
        #expect(missing.code == .notFound)
    }

    /// What a client sends is outside input: the daemon reads every line again.
    @Test func theDaemonChecksEveryLineAgain() throws {
        let f = try HubFixture()
        let scans = try hub(f)
        let part = Commands.ReceiveImport.Arguments(bill: "C-3", sender: "S", date: "2026-11-18", part: 1, parts: 1, refused: 0, lines: [
            .init(row: 2, code: "81000050000000000001", lot: "L", expiry: "2027-02-30", name: nil),
            .init(row: 3, code: "not a code", lot: nil, expiry: nil, name: nil),
            .init(row: 4, code: "81000050000000000002", lot: "L", expiry: nil, name: "A\u{1B}[2J"),
            .init(row: 5, code: "81000050000000000003", lot: nil, expiry: nil, name: nil),
        ])
        let r = try scans.receive(part, uid: nil, at: f.t0).get()
        #expect(r.recorded == 1 && r.refused.map(\.row) == [2, 3, 4], "\(r.refused)")
        var bad = part
        bad.bill = "C 3"
        guard case .failure(let e) = scans.receive(bad, uid: nil, at: f.t0) else { Issue.record("accepted"); return }
        #expect(e.code == .invalidArgument && e.message.contains("bill 'C 3'"))
    }

    /// As a technician would: the example bill through `coldchainctl receive import`, again, its status, its closing.
    @Test func theCommandLineImportsAndClosesTheExampleBill() async throws {
        let dir = TempDir("cc-bill")
        let d = try InProcessDaemon(dir: dir)
        try await d.waitReady()
        let sock = d.config.control.socket
        let file = packageRoot() + "/Config/bill-example.csv"
        func ctl(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
            // A bound for a hang, not a measure: a loaded CI machine once starved the whole test process for 30 s.
            try await offPool { try run("coldchainctl", ["--socket", sock] + args, timeout: 120) }
        }
        // `watch` shows each bill event as a line a person reads.
        let watch = try Subprocess("coldchainctl", ["--socket", sock, "watch"], outputDir: dir.path)
        defer { watch.signal(SIGTERM) }
        #expect(try await waitUntil(10) { watch.stdout.contains("watching") })
        let imported = try await ctl(["receive", "import", file])
        #expect(imported.status == 0 && imported.out.contains("bill CK2026-1203-001 from 某某县疾病预防控制中心, 2026-12-03: 30 of 30 line(s) recorded"),
                "\(imported.out) \(imported.err)")
        let again = try await ctl(["receive", "import", file])
        #expect(again.status == 0 && again.out.contains("0 of 30 line(s) recorded, 1 part(s) already on record"), "\(again.out)")
        let status = try await ctl(["receive", "status"])
        #expect(status.out.contains("CK2026-1203-001") && status.out.contains("EXPECTED") && status.out.contains("  30  "), "\(status.out)")
        let json = try await ctl(["--json", "receive", "status", "CK2026-1203-001"])
        #expect(json.out.contains(#""expected":30"#) && json.out.contains(#""missing":30"#), "\(json.out)")
        // A bad row is listed and not sent; the rest is.
        let bad = dir.write("bad.csv", "bill,sender,date,code,lot,expiry,name\nCK-7,S,2026-12-03,81000010000000000099,L,2027-01-31,\nCK-7,S,2026-12-03,8100001,L,2027-01-31,\n")
        let partly = try await ctl(["receive", "import", bad])
        #expect(partly.status == 1 && partly.err.contains("row 3: code '8100001' names no single dose") && partly.out.contains("1 of 1 line(s) recorded"),
                "\(partly.out) \(partly.err)")
        let noBy = try await ctl(["receive", "close", "CK2026-1203-001"])
        #expect(noBy.status == 64 && noBy.err.contains("receive close needs --by NAME"))
        let closed = try await ctl(["receive", "close", "CK2026-1203-001", "--by", "王丽", "--note", "delivery did not come"])
        #expect(closed.status == 0 && closed.out.contains("0 of 30 scanned, 30 missing, 0 on no bill"), "\(closed.out) \(closed.err)")
        #expect(try await waitUntil(10) { watch.stdout.contains("bill closed") }, "\(watch.stdout)")
        // Lines wrap at 80 columns under themselves: read them joined.
        let watched = watch.stdout.unwrapped
        #expect(watched.contains("  bill  CK2026-1203-001 from 某某县疾病预防控制中心: part 1 of 1, 30 line(s)"), "\(watch.stdout)")
        #expect(watched.contains("  bill closed  CK2026-1203-001 by 王丽: 0 of 30 scanned, 30 missing, 0 on no bill"), "\(watch.stdout)")
        #expect(!watch.stdout.contains("{\""), "no JSON in a person's watch: \(watch.stdout)")
        let gone = try await ctl(["receive", "status", "CK2026-1203-001"])
        #expect(gone.status == 1 && gone.err.contains("no open bill CK2026-1203-001"), "\(gone.status) \(gone.out) \(gone.err)")
        #expect(await d.stop() == 0)
    }

    /// End to end with a scanner on a real pty: the example bill imported with coldchainctl, 28 of its doses and 2
    /// others typed on the scanner, `receive status` (2 missing, 2 unexpected), closing (the event lists them), and a
    /// Chinese code whose bill says it expired, refused as `expired`.
    @Test func aPtyScannerReceivesAgainstTheExampleBill() async throws {
        let rig = try await ScannerRig("cc-billpty")
        defer { rig.server.stop() }
        let (dir, scanner, d) = (rig.dir, rig.scanner, rig.daemon)
        let sock = d.config.control.socket
        func ctl(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
            // A bound for a hang, not a measure: a loaded CI machine once starved the whole test process for 30 s.
            try await offPool { try run("coldchainctl", ["--socket", sock] + args, timeout: 120) }
        }
        let bill = try Self.exampleBill() + "CK2026-1203-001,某某县疾病预防控制中心,2026-12-03,81000010000000009999,OLD,2026-01-31,\n"
        let file = dir.write("bill.csv", bill)
        #expect(try await ctl(["receive", "import", file]).status == 0)
        let codes = Self.codes(bill)
        for c in codes.prefix(28) + ["81234560000000000001", "81234560000000000002", "81000010000000009999"] { scanner.type(c + "\r") }
        func scans() throws -> [JSONValue] { try d.events().filter { $0.type == "scan" }.map { $0.bodyValue } }
        let arrived = try await waitUntil(15) { try scans().count == 31 }
        #expect(arrived, "\((try? scans().count) ?? 0) scans; the daemon's log: \(d.log.all.suffix(20))")
        let verdicts = try scans().map { $0["verdict"]?.stringValue ?? "?" }
        #expect(verdicts == Array(repeating: "ok", count: 28) + ["not_on_bill", "not_on_bill", "expired"], "\(verdicts)")
        let status = try await ctl(["--json", "receive", "status", "CK2026-1203-001"])
        let s = try JSONValue.parse(Data(status.out.utf8)).arrayValue?.first
        #expect(s?["expected"] == 31 && s?["scanned"] == 28 && s?["missing"] == 3 && s?["unexpected"] == 2, "\(status.out)")
        let closed = try await ctl(["receive", "close", "CK2026-1203-001", "--by", "王丽"])
        #expect(closed.status == 0 && closed.out.contains("28 of 31 scanned, 3 missing, 2 on no bill"), "\(closed.out) \(closed.err)")
        let event = try #require(try d.events().last { $0.type == "bill.closed" }?.bodyValue)
        #expect(event["missing"]?.arrayValue?.count == 3 && event["unexpected"] == ["cn:81234560000000000001", "cn:81234560000000000002"])
        #expect(await d.stop() == 0)
    }
}
