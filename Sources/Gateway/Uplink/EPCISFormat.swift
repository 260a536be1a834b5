import ColdChain
import FoundationEssentials
import Storage

/// EPCIS 2.0 (JSON-LD) documents for `POST {url}/capture`, checked against GS1's EPCIS-JSON-Schema in the tests.
///
/// Scans are ObjectEvents on the dose (GS1 Digital Link URI, or a URN for a Chinese traceability code) with CBV 2.0
/// bizStep and disposition; readings are ObjectEvents on the sensor with a sensorElementList (Temperature, CEL);
/// every other ledger event is an ObjectEvent on the sensor or gateway carrying the event under `cc:` properties.
/// The eventID is the ledger hash as a `ni:` URI, so it is stable across re-sends.
enum EPCISFormat {
    static let context: JSONValue = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", ["cc": "urn:coldchain:epcis:"]]

    static func document(_ events: [LedgerEvent], gateway: String, now: Date) -> Data {
        let doc: JSONValue = [
            "@context": context, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": .string(RFC3339.format(now)),
            "sender": .string("urn:coldchain:gateway:\(gateway)"),
            "epcisBody": ["eventList": .array(events.map { event($0, gateway: gateway) })],
        ]
        return Data(doc.serialized.utf8)
    }

    static func doseURI(_ key: String) -> String? {
        if key.hasPrefix("gs1:") {
            let parts = key.dropFirst(4).split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return "https://id.gs1.org/01/\(parts[0])/21/\(String(parts[1]).percentEncoded)"
        }
        if key.hasPrefix("cn:") { return "urn:coldchain:cn-drug-code:\(key.dropFirst(3))" }
        return nil
    }

    static func event(_ e: LedgerEvent, gateway: String) -> JSONValue {
        let b = e.bodyValue
        let place = "urn:coldchain:\(gateway):" + (b["fridge"]?.stringValue.map { "fridge:\($0)" } ?? "gateway")
        var o: [String: JSONValue] = [
            "type": "ObjectEvent", "action": "OBSERVE", "eventTime": .string(e.recordedAt), "eventTimeZoneOffset": "+00:00",
            "eventID": .string("ni:///sha-256;\(e.hash)?ver=CBV2.0"), "readPoint": ["id": .string(place)],
            "cc:seq": .number(Double(e.seq)), "cc:type": .string(e.type),
        ]
        let sensorURI = b["sensor"]?.stringValue.map { "urn:coldchain:\(gateway):sensor:\($0)" }
        let typed = try? e.typed()
        func excursionReport(_ x: ExcursionState) {
            o["epcList"] = [.string(sensorURI ?? place)]
            o["bizStep"] = "storing"
            // The extreme of the excursion's own side, and both bounds seen: a low excursion is its minimum, a high
            // (or cumulative) one its maximum. (They were once written the same whichever the side.)
            o["sensorElementList"] = [["sensorReport": [["type": "Temperature", "value": .number(x.peakC), "minValue": .number(x.minC),
                                                         "maxValue": .number(x.maxC), "uom": "CEL", "exception": "ALARM_CONDITION"]]]]
            o["cc:side"] = .string(x.side.rawValue)
            o["cc:data"] = b
        }
        switch typed {
        case .scan(let scan)?:
            if let dose = scan.dose.flatMap(doseURI) { o["epcList"] = [.string(dose)] } else { o["epcList"] = [] }
            let (step, disposition) = cbv(scan)
            o["bizStep"] = .string(step)
            o["disposition"] = .string(disposition)
            if scan.moved && scan.isIn { o["action"] = "ADD" }
            o["bizLocation"] = ["id": .string(place)]
            o["cc:verdict"] = .string(scan.verdict)
            // Received against a delivery bill: the bill is the receiving's business transaction (a despatch advice).
            if let bill = scan.detail["bill"]?.stringValue { o["bizTransactionList"] = billTransaction(bill, gateway: gateway) }
        case .reading(let r)?:
            o["epcList"] = [.string(sensorURI ?? place)]
            o["bizStep"] = "storing"
            var reports: [JSONValue] = [["type": "Temperature", "value": .number(r.celsius), "uom": "CEL"]]
            if let h = r.humidity { reports.append(["type": "RelativeHumidity", "value": .number(h), "uom": "P1"]) }
            o["sensorElementList"] = [["sensorMetadata": ["time": .string(e.recordedAt), "deviceID": .string(sensorURI ?? place)],
                                       "sensorReport": .array(reports)]]
        case .excursionOpened(let x)?: excursionReport(x.excursion)
        case .excursionPeak(let x)?: excursionReport(x.excursion)
        case .excursionClosed(let x)?: excursionReport(x.excursion)
        case .billReceived(let b)?:
            o["epcList"] = .array(b.lines.compactMap { doseURI($0.dose) }.map { .string($0) })
            o["bizTransactionList"] = billTransaction(b.bill, gateway: gateway)
            o["cc:data"] = ["bill": .string(b.bill), "sender": .string(b.sender), "date": .string(b.date), "part": .number(Double(b.part)),
                            "parts": .number(Double(b.parts)), "refused": .number(Double(b.refused))]
        case .billClosed(let c)?:
            o["epcList"] = .array(c.missing.compactMap(doseURI).map { .string($0) })
            o["bizTransactionList"] = billTransaction(c.bill, gateway: gateway)
            o["cc:data"] = b
        default:
            o["epcList"] = [.string(sensorURI ?? place)]
            o["cc:data"] = b
        }
        return .object(o)
    }

    /// A delivery bill as a CBV business transaction (type `desadv`, a despatch advice).
    static func billTransaction(_ bill: String, gateway: String) -> JSONValue {
        [["type": "desadv", "bizTransaction": .string("urn:coldchain:\(gateway):bill:\(bill.percentEncoded)")]]
    }

    /// CBV 2.0 business step and disposition of a scan.
    static func cbv(_ scan: Scan) -> (String, String) {
        if scan.moved {
            switch scan.mode {
            case .in: return ("receiving", "in_progress")
            case .out: return ("dispensing", "dispensed")
            case .transfer: return ("shipping", "in_transit")
            case .discard:
                let noted = scan.detail["noted"]?.arrayValue?.compactMap { $0["verdict"]?.stringValue } ?? []
                if noted.contains("held") { return ("destroying", "recalled") }
                if noted.contains("expired") { return ("destroying", "expired") }
                if noted.contains("exposed") { return ("destroying", "damaged") }
                return ("destroying", "destroyed")
            }
        }
        switch scan.verdict {
        case "expired": return ("inspecting", "expired")
        case "held": return ("inspecting", "recalled")
        case "exposed": return ("inspecting", "damaged")
        default: return ("inspecting", "unknown")
        }
    }
}
