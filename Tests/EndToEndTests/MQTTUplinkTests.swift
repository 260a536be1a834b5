import Foundation
import Glibc
import Testing
import TestSupport

/// coldchaind's MQTT uplink (issue 25) against Debian's mosquitto: the ledger's events on PREFIX/GATEWAY/events, in
/// order at QoS 1, the cursor moving over what the broker acknowledged; a topic the broker's ACL refuses stops the
/// stream with the reason in `outbox`.
@Suite(.serialized) struct MQTTUplinkTests {
    /// A gateway polling coldchain-sim every second, its uplink to `broker` with `mqtt` (extra keys of platform.mqtt).
    static func site(_ dir: TempDir, broker: Broker, mqtt: String = "") throws -> (daemon: Subprocess, sim: Subprocess) {
        let port = Int.random(in: 27000...29999)
        writeSimulatorProfile(dir)
        let scenario = dir.write("scenario.json5", "{ units: [ { unit: 1, timeline: [ { at: \"0s\", c: 4.5 } ] } ] }")
        let config = dir.write("coldchaind.json5", """
            { gateway: { id: "gw-mqtt", site: "MQTT clinic" }, storage: { path: "ledger.sqlite", heartbeat: "1s" },
              control: { socket: "control.sock" }, devices_dir: "devices",
              buses: [ { id: "sim", tcp: { host: "127.0.0.1", port: \(port) }, gap: "0ms" } ],
              fridges: [ { id: "F1", sensors: [ { id: "F1-air", bus: "sim", unit: 1, profile: "generic-int16-x10", poll: "1s" } ] } ],
              platform: { mqtt: { url: "mqtt://127.0.0.1:\(broker.port)", topic_prefix: "cc", inflight: 5 \(mqtt) } } }
            """)
        let sim = try Subprocess("coldchain-sim", ["--scenario", scenario, "--devices", dir.file("devices"), "--tcp", "127.0.0.1:\(port)"], outputDir: dir.path)
        let check = try run("coldchaind", ["--check-config", "--config", config])
        #expect(check.status == 0 && check.out.contains("platform  mqtt://127.0.0.1:\(broker.port) (MQTT, native, topic cc/gw-mqtt/events, QoS 1, 5 in flight)"),
                "\(check.out) \(check.err)")
        return (try startDaemon(dir, config: config), sim)
    }

    static func outbox(_ dir: TempDir) -> [String: Any] {
        guard let r = try? run("coldchainctl", ["--socket", dir.file("control.sock"), "--json", "outbox"]),
              let o = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] else { return [:] }
        return o
    }

    @Test func theLedgerArrivesInOrderAndTheCursorFollowsTheAcknowledgements() async throws {
        let broker = try Broker()
        defer { broker.stop() }
        let dir = TempDir("cc-mqtt-uplink")
        let sub = try Subprocess(absolute: "/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "cc/gw-mqtt/events", "-q", "1"],
                                 outputDir: dir.path)
        try await Task.sleep(nanoseconds: 300_000_000)
        let (daemon, sim) = try await offPool { try Self.site(dir, broker: broker) }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); sim.signal(SIGTERM); sub.signal(SIGKILL) }
        // A dozen events recorded and acknowledged: the cursor (outbox's sent) follows.
        let sent = try await offPool { poll(600, every: 50_000) { (Self.outbox(dir)["sent"] as? Int ?? 0) >= 12 } }
        #expect(sent, "outbox: \(Self.outbox(dir)); daemon: \(daemon.stderr.suffix(1500))")
        let lines = sub.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let seqs = lines.compactMap { $0["seq"] as? Int }
        // Every event once, in ledger order from the first, each with its id and the chain's hashes.
        #expect(seqs.count >= 12 && seqs == Array(1...seqs.count), "\(seqs)")
        #expect(lines.allSatisfy { ($0["id"] as? String)?.isEmpty == false && ($0["hash"] as? String)?.count == 64 && $0["data"] != nil })
        #expect(lines.first?["type"] as? String == "gateway.started", "\(lines.first ?? [:])")
        let cursor = shell("sqlite3 -readonly \(dir.file("ledger.sqlite")) 'select seq from uplink_cursor'").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((Int(cursor) ?? 0) >= 12 && (Int(cursor) ?? 0) <= seqs.count, "cursor \(cursor), received \(seqs.count)")
    }

    @Test func aTopicTheBrokerRefusesStopsTheStreamWithTheReasonInOutbox() async throws {
        let dir = TempDir("cc-mqtt-acl")
        dir.write("acl", "user gw-mqtt\ntopic read cc/#\n")
        dir.write("password", "mqtt-secret\n")
        _ = shell("mosquitto_passwd -b -c \(dir.file("passwords")) gw-mqtt mqtt-secret 2>&1")
        let broker = try Broker("allow_anonymous false\npassword_file \(dir.file("passwords"))\nacl_file \(dir.file("acl"))")
        defer { broker.stop() }
        let (daemon, sim) = try await offPool {
            try Self.site(dir, broker: broker, mqtt: ", username: \"gw-mqtt\", password_file: \"\(dir.file("password"))\"")
        }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); sim.signal(SIGTERM) }
        let rejected = try await offPool { poll(400, every: 50_000) { Self.outbox(dir)["state"] as? String == "rejected" } }
        let o = Self.outbox(dir)
        #expect(rejected && (o["last_error"] as? String ?? "").contains("not authorised: the broker's ACL"), "\(o)")
        #expect(o["sent"] as? Int ?? -1 == 0, "nothing counts as sent: \(o)")
        // The password never reaches the log.
        #expect(!daemon.stderr.contains("mqtt-secret"))
    }
}
