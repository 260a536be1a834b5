import ColdChain
import Foundation
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

@Suite(.serialized) struct EPCISTests {
    /// Every kind of event the gateway records, as one EPCIS document, validates against GS1's schema.
    @Test func documentsValidateAgainstTheEPCISSchema() throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        f.hub.record(sensor: "F1-air", at: f.t0, temperature: .value(5), humidity: .value(45))
        scans.record(scanner: "desk", bytes: Array("(01)09506000134352(17)301231(10)L1(21)A/1".utf8), at: f.t0.addingTimeInterval(30))
        scans.record(scanner: "desk", bytes: Array("81234567890123456789".utf8), at: f.t0.addingTimeInterval(40))
        scans.record(scanner: "desk", bytes: Array("garbage".utf8), at: f.t0.addingTimeInterval(50))
        f.feed(11, minutes: 10, from: 1)
        f.hub.record(sensor: "F1-air", at: f.t0.addingTimeInterval(700), temperature: .fault("raw value 32767 means probe fault"), humidity: nil)
        f.feed(5, minutes: 1, from: 12)
        f.feed(0.5, minutes: 8, from: 13)   // a low excursion too: its report is its minimum
        f.feed(5, minutes: 1, from: 21)
        scans.record(scanner: "desk", bytes: Array("CC:MODE:OUT".utf8), at: f.t0.addingTimeInterval(900))
        scans.record(scanner: "desk", bytes: Array("(01)09506000134352(21)A/1".utf8), at: f.t0.addingTimeInterval(910))
        scans.record(scanner: "desk", bytes: Array("CC:MODE:DISCARD".utf8), at: f.t0.addingTimeInterval(920))
        scans.record(scanner: "desk", bytes: Array("(01)09506000134352(21)A/1".utf8), at: f.t0.addingTimeInterval(930))
        _ = scans.addHold(product: "gs1:09506000134352", lot: "L9", code: nil, reason: "recall", source: "local", uid: 0, at: f.t0.addingTimeInterval(940))
        let events = try reader.events(after: 0, limit: 1000)
        let types = Set(events.map(\.type))
        #expect(types.isSuperset(of: ["reading", "probe.fault", "excursion.opened", "excursion.closed", "alarm.opened", "alarm.closed",
                                      "scan", "scanner.switched", "hold.added"]), "\(types)")
        let doc = EPCISFormat.document(events, gateway: "gw-test-01", now: f.t0.addingTimeInterval(1000))
        let path = f.dir.file("epcis.json")
        _ = FileManager.default.createFile(atPath: path, contents: doc)
        let r = shell("\(packageRoot())/.build/pyvenv/bin/python \(packageRoot())/Tests/Interop/validate_epcis.py \(sharedFolder())/epcis/EPCIS-JSON-Schema.json \(path) 2>&1")
        #expect(r.status == 0 && r.output.contains("valid"), "\(r.output)")
        // The mapping itself: an exposed scan-out, a dispensed or destroyed dose, a reading's sensor report.
        let list = try #require(try JSONValue.parse(doc)["epcisBody"]?["eventList"]?.arrayValue)
        #expect(list.contains { $0["bizStep"] == "inspecting" && $0["disposition"] == "damaged" && $0["cc:verdict"] == "exposed" })
        #expect(list.contains { $0["bizStep"] == "destroying" && $0["disposition"] == "damaged" })
        #expect(list.contains { $0["epcList"]?.arrayValue?.first == "https://id.gs1.org/01/09506000134352/21/A%2F1" })
        #expect(list.contains { $0["sensorElementList"]?.arrayValue?.first?["sensorReport"]?.arrayValue?.first?["uom"] == "CEL" })
        // Each excursion reports the extreme of its own side (both sides were once mapped to the same value).
        func report(_ side: String) -> JSONValue? {
            list.first { $0["cc:side"] == .string(side) && $0["cc:type"] == "excursion.closed" }?["sensorElementList"]?.arrayValue?.first?["sensorReport"]?.arrayValue?.first
        }
        #expect(report("high")?["value"] == 11 && report("high")?["maxValue"] == 11)
        #expect(report("low")?["value"] == 0.5 && report("low")?["minValue"] == 0.5, "\(String(describing: report("low")))")
    }

    /// Delivery bills (the fixture's, from the scan hub): the bill is the receiving's business transaction, on the
    /// scans against it and on the bill's own events, and the document still validates.
    @Test func billsAreTheReceivingsBusinessTransaction() throws {
        let dir = TempDir("cc-epcis")
        let copy = dir.file("ledger.sqlite")
        try FileManager.default.copyItem(atPath: EventFixtureTests.billPath, toPath: copy)
        let reader = try LedgerReader(path: copy)
        defer { reader.close() }
        let events = try reader.events(after: 0, limit: 1000)
        let doc = EPCISFormat.document(events, gateway: "gw-test-01", now: Date(timeIntervalSince1970: 1_795_100_000))
        let path = dir.file("epcis.json")
        _ = FileManager.default.createFile(atPath: path, contents: doc)
        let r = shell("\(packageRoot())/.build/pyvenv/bin/python \(packageRoot())/Tests/Interop/validate_epcis.py \(sharedFolder())/epcis/EPCIS-JSON-Schema.json \(path) 2>&1")
        #expect(r.status == 0 && r.output.contains("valid"), "\(r.output)")
        let list = try #require(try JSONValue.parse(doc)["epcisBody"]?["eventList"]?.arrayValue)
        let ck1: JSONValue = [["type": "desadv", "bizTransaction": "urn:coldchain:gw-test-01:bill:CK-1"]]
        #expect(list.filter { $0["cc:type"] == "scan" && $0["bizTransactionList"] == ck1 }.count == 2, "both scans received against CK-1")
        #expect(list.contains { $0["cc:type"] == "bill.received" && $0["bizTransactionList"] == ck1 && $0["epcList"]?.arrayValue?.count == 2 })
        #expect(list.contains { $0["cc:type"] == "bill.closed" && $0["epcList"] == ["https://id.gs1.org/01/09506000134352/21/B2"] },
                "a bill closed by hand lists the missing doses")
        #expect(list.contains { $0["cc:verdict"] == "not_on_bill" && $0["bizTransactionList"] == nil })
    }

    /// A document that breaks the schema is caught: the validator is not a formality.
    @Test func theValidatorRejectsABrokenDocument() throws {
        let dir = TempDir("cc-epcis")
        let path = dir.write("bad.json", #"{"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"yesterday","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"LOOK","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00"}]}}"#)
        let r = shell("\(packageRoot())/.build/pyvenv/bin/python \(packageRoot())/Tests/Interop/validate_epcis.py \(sharedFolder())/epcis/EPCIS-JSON-Schema.json \(path) 2>&1")
        #expect(r.status != 0, "\(r.output)")
    }
}
