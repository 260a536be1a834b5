import ColdChain
import Control
import Foundation
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

/// The MQTT uplink's rules that need a ledger made by the test (issue 25): alarms ahead of a backlog, and holds from
/// the broker's retained message. Against Debian's mosquitto, with mosquitto_sub and mosquitto_pub as the platform.
@Suite(.serialized) struct MQTTUplinkServiceTests {
    static func config(_ broker: Broker, dir: TempDir, extra: String = "") -> String {
        validConfig.replacingOccurrences(of: "scanners: [", with: """
            platform: { mqtt: { url: "mqtt://127.0.0.1:\(broker.port)", topic_prefix: "cc", inflight: 5 \(extra) } }, scanners: [
            """)
    }

    static func seqs(_ sub: Subprocess) -> [Int] {
        sub.stdout.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["seq"] as? Int }
    }

    @Test func alarmsOvertakeABacklogOfReadingsOverMQTT() async throws {
        let dir = TempDir("cc-mqtt-urgent")
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        // Three thousand readings waiting (a long outage), then an alarm.
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let t0 = Date().addingTimeInterval(-7200)
        try await ledger.append(contentsOf: (0..<3000).map { NewEvent(.reading, at: t0.addingTimeInterval(Double($0)), body: ["sensor": "F1-air", "fridge": "F1", "c": 5.0]) })
        let alarm = try await ledger.append(NewEvent(.alarmOpened, at: t0.addingTimeInterval(3001), body: ["alarm": 1, "fridge": "F1", "sensor": "F1-air", "cause": "excursion"]))
        ledger.close()
        let broker = try Broker()
        defer { broker.stop() }
        let sub = try await broker.subscriber("cc/gw-test-01/events", outputDir: dir.path)
        defer { sub.signal(SIGKILL) }
        let d = try InProcessDaemon(dir: dir, configText: Self.config(broker, dir: dir))
        try await d.waitReady()
        let target = Int(alarm.seq)
        #expect(try await waitUntil(30) { Self.seqs(sub).contains(target) }, "\(d.log.all.suffix(10))")
        let before = Self.seqs(sub).prefix { $0 != target }.filter { $0 <= 3000 }.count
        // The alarm went ahead while almost all the readings were still waiting (a window of 5 and the first poll's).
        #expect(before < 100, "the alarm arrived after \(before) readings")
        // Then everything in order: the alarm once more in its place, the receiver de-duplicating by id.
        #expect(try await waitUntil(60) { Set(Self.seqs(sub)).isSuperset(of: 1...target) }, "received \(Set(Self.seqs(sub)).count)")
        // The readings in ledger order (the start-up's gateway.gap after them is urgent too, and went ahead as well).
        var seen = Set<Int>(), readings: [Int] = []
        for s in Self.seqs(sub) where s < target && seen.insert(s).inserted { readings.append(s) }
        #expect(readings == Array(1..<target), "the readings in ledger order, each once: \(readings.count) of \(target - 1)")
        #expect(Self.seqs(sub).filter { $0 == target }.count == 2, "ahead, and again in order")
        #expect(d.log.contains("ahead of"))
        #expect(await d.stop() == 0)
    }

    @Test func holdsComeFromTheBrokersRetainedMessageCheckedAsOverHTTP() async throws {
        let dir = TempDir("cc-mqtt-holds")
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        let broker = try Broker()
        defer { broker.stop() }
        func publish(_ payload: String) {
            let r = shell("mosquitto_pub -h 127.0.0.1 -p \(broker.port) -t cc/gw-test-01/holds -q 1 -r -m '\(payload)' 2>&1")
            #expect(r.status == 0, "\(r.output)")
        }
        // Retained before the gateway connects: the broker hands it over on subscription.
        publish(#"{"holds":[{"gtin":"09506000134352","lot":"L9","reason":"recall R-2026-11"},{"gtin":"09506000134353","reason":"bad check digit"}]}"#)
        let d = try InProcessDaemon(dir: dir, configText: Self.config(broker, dir: dir))
        try await d.waitReady()
        let sock = d.config.control.socket
        func holds() async throws -> [JSONValue] {
            guard case .ok(let list) = try await call(sock, ControlRequest(cmd: "hold", args: ["action": "list"])) else { return [] }
            return list.arrayValue ?? []
        }
        #expect(try await waitUntil(15) { let h = try await holds(); return h.first?["source"] == "platform" && h.first?["lot"] == "L9" }, "\(d.log.all.suffix(10))")
        #expect(try await holds().count == 1, "the hold with a wrong check digit is refused")
        #expect(d.log.contains("1 of the platform's holds are malformed and were ignored (in the broker's holds message)"))
        // Not a holds list: ignored, the holds known are kept.
        publish("not json")
        #expect(try await waitUntil(15) { d.log.contains("holds: the broker's holds message is not a \"holds\" list") })
        #expect(try await holds().count == 1)
        // An empty list lifts the hold.
        publish(#"{"holds":[]}"#)
        #expect(try await waitUntil(15) { try await holds().isEmpty })
        #expect(try d.events().filter { $0.type == "hold.removed" }.count == 1)
        #expect(await d.stop() == 0)
    }
}
