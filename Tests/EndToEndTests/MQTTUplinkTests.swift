import Foundation
import Glibc
import Testing
import TestSupport

/// coldchaind's MQTT uplink (issue 25) against Debian's mosquitto: the ledger's events on PREFIX/GATEWAY/events, in
/// order at QoS 1, the cursor moving over what the broker acknowledged; a topic the broker's ACL refuses stops the
/// stream with the reason in `outbox`.
@Suite(.serialized) struct MQTTUplinkTests {
    /// A gateway polling coldchain-sim every second, its uplink to `broker` with `mqtt` (extra keys of platform.mqtt).
    /// `probes`: that many probes in F1 (F1-air, then F1-2 …), each on the timeline; `inflight`: the uplink's window.
    static func site(_ dir: TempDir, broker: Broker.Address, mqtt: String = "", scheme: String = "mqtt", timeline: String = "[ { at: \"0s\", c: 4.5 } ]",
                     fridge: String = "", probes: Int = 1, inflight: Int = 5,
                     summary: String? = nil) throws -> (daemon: Subprocess, sim: Subprocess) {
        let port = Int.random(in: 27000...29999)
        let summary = summary ?? "(MQTT, native, topic cc/gw-mqtt/events, QoS 1, \(inflight) in flight)"
        writeSimulatorProfile(dir)
        let scenario = dir.write("scenario.json5", "{ units: [" + (1...probes).map { "{ unit: \($0), timeline: \(timeline) }" }.joined(separator: ",") + "] }")
        let sensors = (1...probes).map { "{ id: \"F1-\($0 == 1 ? "air" : String($0))\", bus: \"sim\", unit: \($0), profile: \"generic-int16-x10\", poll: \"1s\" }" }
        let config = dir.write("coldchaind.json5", """
            { gateway: { id: "gw-mqtt", site: "MQTT clinic" }, storage: { path: "ledger.sqlite", heartbeat: "1s" },
              control: { socket: "control.sock" }, devices_dir: "devices",
              buses: [ { id: "sim", tcp: { host: "127.0.0.1", port: \(port) }, gap: "0ms" } ],
              fridges: [ { id: "F1", \(fridge) sensors: [ \(sensors.joined(separator: ", ")) ] } ],
              platform: { mqtt: { url: "\(scheme)://127.0.0.1:\(broker.port)", topic_prefix: "cc", inflight: \(inflight) \(mqtt) } } }
            """)
        let sim = try Subprocess("coldchain-sim", ["--scenario", scenario, "--devices", dir.file("devices"), "--tcp", "127.0.0.1:\(port)"], outputDir: dir.path)
        let check = try run("coldchaind", ["--check-config", "--config", config])
        #expect(check.status == 0 && check.out.contains("platform  \(scheme)://127.0.0.1:\(broker.port) \(summary)"),
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
        let sub = try await broker.subscriber("cc/gw-mqtt/events", outputDir: dir.path)
        let (daemon, sim) = try await offPool { try Self.site(dir, broker: broker.address) }
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
            try Self.site(dir, broker: broker.address, mqtt: ", username: \"gw-mqtt\", password_file: \"\(dir.file("password"))\"")
        }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); sim.signal(SIGTERM) }
        let rejected = try await offPool { poll(400, every: 50_000) { Self.outbox(dir)["state"] as? String == "rejected" } }
        let o = Self.outbox(dir)
        #expect(rejected && (o["last_error"] as? String ?? "").contains("not authorised: the broker's ACL"), "\(o)")
        #expect(o["sent"] as? Int ?? -1 == 0, "nothing counts as sent: \(o)")
        // The password never reaches the log.
        #expect(!daemon.stderr.contains("mqtt-secret"))
    }

    /// Kill the broker mid-stream (a graceful restart, its queues saved), then SIGKILL the daemon mid-stream: every
    /// event up to the final cursor reaches a subscriber with a persistent session, duplicates only within the
    /// in-flight window of each break, and de-duplicating by id gives exactly the ledger.
    @Test func aBrokerRestartAndADaemonKillLoseNothing() async throws {
        let dir = TempDir("cc-mqtt-breaks")
        let broker = try await offPool { try Broker(persistent: true) }
        defer { broker.stop() }
        let sub = try await broker.subscriber("cc/gw-mqtt/events", outputDir: dir.path, ["-c", "-i", "receiver"])
        defer { sub.signal(SIGKILL) }
        let (first, sim) = try await offPool { try Self.site(dir, broker: broker.address) }
        defer { sim.signal(SIGTERM) }
        let ledger = dir.file("ledger.sqlite")
        #expect(try await offPool { poll(600, every: 50_000) { Self.cursor(ledger) >= 8 } }, "no progress: \(first.stderr.suffix(1000))")
        try await offPool { try broker.restart() }
        let afterRestart = Self.cursor(ledger)
        #expect(try await offPool { poll(900, every: 50_000) { Self.cursor(ledger) >= afterRestart + 8 } }, "no progress after the broker's restart: \(first.stderr.suffix(1500))")
        first.signal(SIGKILL)
        _ = try await offPool { first.wait(seconds: 10) }
        let afterKill = Self.cursor(ledger)
        let second = try await offPool { try startDaemon(dir, config: dir.file("coldchaind.json5")) }
        #expect(try await offPool { poll(900, every: 50_000) { Self.cursor(ledger) >= afterKill + 8 } }, "no progress after the daemon's kill: \(second.stderr.suffix(1500))")
        second.signal(SIGTERM)
        _ = try await offPool { second.wait(seconds: 10) }
        let final = Self.cursor(ledger)
        // The subscriber takes what the broker still holds for it.
        _ = try await offPool { poll(100, every: 50_000) { Set(sub.stdout.split(separator: "\n").compactMap(Self.seq)).isSuperset(of: 1...final) } }
        let received = sub.stdout.split(separator: "\n").compactMap(Self.seq)
        let missing = Set(1...final).subtracting(received)
        #expect(missing.isEmpty, "lost up to the cursor \(final): \(missing.sorted())")
        let duplicates = received.count - Set(received).count
        // Two breaks, a window of 5 each.
        #expect(duplicates <= 2 * 5, "\(duplicates) duplicates")
        print("MQTT breaks: cursor \(final), received \(received.count) messages, \(duplicates) duplicate(s), \(missing.count) missing")
    }

    /// The uplink's durable cursor, read from the ledger's file.
    static func cursor(_ ledger: String) -> Int {
        Int(shell("sqlite3 -readonly \(ledger) 'select seq from uplink_cursor'").output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    static func seq(_ line: Substring) -> Int? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["seq"] as? Int
    }
}
