import Foundation
import Glibc
import Testing
import TestSupport

/// coldchaind's MQTT uplink in each format, and over TLS (issue 25): a real pipeline (coldchain-sim's probe going to
/// 12 °C, an excursion and an alarm) into Debian's mosquitto, read by a ThingsBoard-shaped subscriber
/// (Tests/Interop/thingsboard_subscriber.py), by GS1's EPCIS schema, and through an `openssl`-made CA.
@Suite(.serialized) struct MQTTFormatTests {
    static let python = packageRoot() + "/.build/pyvenv/bin/python"
    static let warming = "[ { at: \"0s\", c: 4.5 }, { at: \"3s\", c: 12 } ]"

    /// Rows of the ledger's file, as sqlite3's JSON.
    static func rows(_ ledger: String, _ sql: String) -> [[String: Any]] {
        let r = shell("sqlite3 -json -readonly \(ledger) \"\(sql)\"")
        return (try? JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [[String: Any]]) ?? []
    }

    static func millis(_ at: String) -> Int? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: at).map { Int(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    @Test func aThingsBoardShapedSubscriberReadsEveryReadingExcursionAndAlarm() async throws {
        let broker = try Broker()
        defer { broker.stop() }
        let dir = TempDir("cc-mqtt-tb")
        let out = dir.file("thingsboard.json")
        let sub = try Subprocess(absolute: Self.python, [packageRoot() + "/Tests/Interop/thingsboard_subscriber.py", "\(broker.port)", out], outputDir: dir.path)
        defer { sub.signal(SIGKILL) }
        #expect(try await offPool { poll(200, every: 25_000) { sub.stdout.contains("subscribed") } }, "\(sub.stderr)")
        try await Task.sleep(nanoseconds: 300_000_000)
        let (daemon, sim) = try await offPool {
            try MQTTUplinkTests.site(dir, broker: broker.address, mqtt: ", format: \"thingsboard\"", timeline: Self.warming,
                                     fridge: "alarm: { preset: \"gsp\", delay: \"2s\" },", summary: "(MQTT, thingsboard, topic v1/gateway/telemetry, QoS 1, 5 in flight)")
        }
        defer { sim.signal(SIGTERM) }
        let ledger = dir.file("ledger.sqlite")
        // Sent: the alarm and what came before it.
        let alarmed = try await offPool {
            poll(600, every: 50_000) { !Self.rows(ledger, "select seq from events where type = 'alarm.opened' and seq <= (select seq from uplink_cursor)").isEmpty }
        }
        #expect(alarmed, "outbox: \(MQTTUplinkTests.outbox(dir)); \(daemon.stderr.suffix(1500))")
        daemon.signal(SIGTERM)
        _ = try await offPool { daemon.wait(seconds: 10) }
        try await Task.sleep(nanoseconds: 500_000_000)
        sub.signal(SIGTERM)
        _ = try await offPool { sub.wait(seconds: 10) }
        guard let data = FileManager.default.contents(atPath: out),
              let got = try JSONSerialization.jsonObject(with: data) as? [String: Any], let points = got["points"] as? [String: Any] else {
            Issue.record("no report from the subscriber: \(sub.stderr)"); return
        }
        #expect((got["errors"] as? [String])?.isEmpty == true, "\(got["errors"] ?? "")")
        #expect(got["devices"] as? [String] == ["gw-mqtt/F1"], "\(got["devices"] ?? "")")
        // Every reading up to the cursor is a point of the fridge's device at the reading's own time, with its value.
        let cursor = MQTTUplinkTests.cursor(ledger)
        let readings = Self.rows(ledger, "select at, json_extract(body, '$.c') as c from events where type = 'reading' and seq <= \(cursor)")
        #expect(readings.count >= 5)
        let wrong = readings.filter { r in
            guard let at = r["at"] as? String, let ms = Self.millis(at), let c = r["c"] as? Double else { return true }
            return (points["gw-mqtt/F1|\(ms)|temperature.F1-air"] as? Double) != c
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(readings.count) readings not as recorded, e.g. \(wrong.first ?? [:])")
        // Each point is one ledger event's (nothing beyond what was sent twice): readings' keys number the readings.
        let temperatureKeys = points.keys.filter { $0.hasSuffix("|temperature.F1-air") }
        let allReadings = Self.rows(ledger, "select count(*) as n from events where type = 'reading'").first?["n"] as? Int ?? -1
        #expect(temperatureKeys.count >= readings.count && temperatureKeys.count <= allReadings)
        // The excursion and the alarm as telemetry keys of the fridge; the gateway's own events on its own device.
        #expect(points.contains { $0.key.hasPrefix("gw-mqtt/F1|") && $0.key.hasSuffix("|excursion") && $0.value as? String == "opened" })
        #expect(points.contains { $0.key.hasPrefix("gw-mqtt/F1|") && $0.key.hasSuffix("|alarm") && $0.value as? String == "opened" })
        #expect(points.contains { $0.key.hasPrefix("gw-mqtt/F1|") && $0.key.hasSuffix("|excursion_peak_c") && ($0.value as? Double ?? 0) >= 12 })
        #expect(points.keys.contains { $0.hasPrefix("(gateway)|") && $0.hasSuffix("|gateway.started") }, "\(points.keys.filter { $0.hasPrefix("(gateway)") })")
        print("ThingsBoard: \(got["messages"] ?? 0) messages, \(points.count) points, \(readings.count) readings up to the cursor \(cursor)")
    }

    @Test func epcisDocumentsOverMQTTValidateAgainstGS1sSchema() async throws {
        let broker = try Broker()
        defer { broker.stop() }
        let dir = TempDir("cc-mqtt-epcis")
        let sub = try await broker.subscriber("cc/gw-mqtt/epcis", outputDir: dir.path)
        defer { sub.signal(SIGKILL) }
        let (daemon, sim) = try await offPool {
            try MQTTUplinkTests.site(dir, broker: broker.address, mqtt: ", format: \"epcis\"", timeline: Self.warming,
                                     fridge: "alarm: { preset: \"gsp\", delay: \"2s\" },", summary: "(MQTT, epcis, topic cc/gw-mqtt/epcis, QoS 1, 5 in flight)")
        }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); sim.signal(SIGTERM) }
        let types: @Sendable () -> [String] = { sub.stdout.split(separator: "\n").compactMap { line -> String? in
            let doc = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let list = (doc?["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]]
            return list?.count == 1 ? list?.first?["cc:type"] as? String : "(not one event)"
        } }
        #expect(try await offPool { poll(600, every: 50_000) { types().contains("excursion.opened") } }, "\(types()); \(daemon.stderr.suffix(1000))")
        #expect(!types().contains("(not one event)"), "each message one document of one event")
        // The first document (gateway.started), a reading's and the excursion's, each against the schema.
        let lines = sub.stdout.split(separator: "\n").map(String.init)
        for wanted in ["gateway.started", "reading", "excursion.opened"] {
            guard let i = types().firstIndex(of: wanted) else { Issue.record("no \(wanted)"); continue }
            let path = dir.write("doc-\(wanted).json", lines[i])
            let r = shell("\(Self.python) \(packageRoot())/Tests/Interop/validate_epcis.py \(sharedFolder())/epcis/EPCIS-JSON-Schema.json \(path) 2>&1")
            #expect(r.status == 0 && r.output.contains("valid"), "\(wanted): \(r.output)")
        }
    }

    @Test func overTLSWithAnOpensslCAAndTheReasonInOutboxWhenTheBrokerIsNotVouchedFor() async throws {
        let pki = try TestPKI()
        let broker = try Broker("allow_anonymous true\ncafile \(pki.ca)\ncertfile \(pki.cert("server").cert)\nkeyfile \(pki.cert("server").key)")
        defer { broker.stop() }
        let dir = TempDir("cc-mqtt-tls")
        let sub = try await broker.subscriber("cc/gw-mqtt/events", outputDir: dir.path, ["--cafile", pki.ca])
        defer { sub.signal(SIGKILL) }
        let (daemon, sim) = try await offPool {
            try MQTTUplinkTests.site(dir, broker: broker.address, mqtt: ", ca_file: \"\(pki.ca)\"", scheme: "mqtts")
        }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); sim.signal(SIGTERM) }
        #expect(try await offPool { poll(600, every: 50_000) { (MQTTUplinkTests.outbox(dir)["sent"] as? Int ?? 0) >= 5 } },
                "outbox: \(MQTTUplinkTests.outbox(dir)); \(daemon.stderr.suffix(1500))")
        #expect(sub.stdout.split(separator: "\n").compactMap(MQTTUplinkTests.seq).prefix(5) == [1, 2, 3, 4, 5])
        // A broker whose certificate the CA did not sign: nothing sent, and outbox says it is TLS.
        let other = try Broker("allow_anonymous true\ncertfile \(pki.cert("self").cert)\nkeyfile \(pki.cert("self").key)")
        defer { other.stop() }
        let dir2 = TempDir("cc-mqtt-tls-bad")
        let (daemon2, sim2) = try await offPool {
            try MQTTUplinkTests.site(dir2, broker: other.address, mqtt: ", ca_file: \"\(pki.ca)\"", scheme: "mqtts")
        }
        defer { daemon2.signal(SIGTERM); _ = daemon2.wait(seconds: 10); sim2.signal(SIGTERM) }
        let said: @Sendable () -> String = { MQTTUplinkTests.outbox(dir2)["last_error"] as? String ?? "" }
        #expect(try await offPool { poll(400, every: 50_000) { said().contains("certificate verify failed") || said().contains("TLS") } }, "\(MQTTUplinkTests.outbox(dir2))")
        #expect(MQTTUplinkTests.outbox(dir2)["sent"] as? Int ?? -1 == 0)
    }
}
