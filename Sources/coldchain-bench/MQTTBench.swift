import ColdChain
import Foundation
import Gateway
import Glibc
import MQTT
import POSIX
import Synchronization
import Storage

/// `coldchain-bench mqtt`: catch-up of a backlog through coldchaind's MQTT uplink into Debian's mosquitto, beside
/// libmosquitto alone publishing the very same messages back to back with the same window (no ledger, no cursor),
/// each timed to mosquitto_sub having received them all, in the same run. (mosquitto_pub -l was the first choice:
/// the broker dropped it "due to out of memory" a few thousand lines in.)
enum MQTTBench {
    static func run(events: Int, inflight: Int) -> Int32 {
        let bin = executableDirectory() ?? "."
        let dir = "/tmp/coldchain-mqtt-bench-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let port = 21000 + Int(getpid() % 5000)
        do {
            try UplinkBench.backlog(dir + "/ledger.sqlite", events: events)
            // The messages mosquitto_pub sends: the bytes coldchaind publishes, one per line.
            let reader = try LedgerReader(path: dir + "/ledger.sqlite")
            var lines = Data()
            var after: Int64 = 0
            while true {
                let chunk = try reader.events(after: after, limit: 5000)
                guard let last = chunk.last else { break }
                for e in chunk { lines.append(contentsOf: NativeFormat.event(e, gateway: "gw-bench")); lines.append(10) }
                after = last.seq
            }
            reader.close()
            try lines.write(to: URL(fileURLWithPath: dir + "/messages.jsonl"))
            // Unbounded queues: mosquitto's default (1,000 queued for a subscriber) would drop the backlog.
            try Data("""
                persistence false
                listener \(port) 127.0.0.1
                allow_anonymous true
                max_queued_messages 0
                user root
                """.utf8).write(to: URL(fileURLWithPath: dir + "/mosquitto.conf"))
            let broker = try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", dir + "/mosquitto.conf"], stdout: dir + "/broker.log", stderr: dir + "/broker.log")
            defer { broker.signal(SIGTERM); _ = broker.wait() }
            usleep(500_000)
            print("MQTT catch-up: \(events) events at QoS 1 into mosquitto on loopback, \(inflight) in flight")
            let messages = lines.split(separator: 10).map { Array($0) }
            let ours = try timed(dir: dir, port: port, events: events, topic: "cc/gw-bench/events") {
                try Data("""
                    { gateway: { id: "gw-bench", site: "bench" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
                      platform: { mqtt: { url: "mqtt://127.0.0.1:\(port)", topic_prefix: "cc", inflight: \(inflight) } } }
                    """.utf8).write(to: URL(fileURLWithPath: dir + "/coldchaind.json5"))
                return try ChildProcess(path: bin + "/coldchaind", arguments: ["--config", dir + "/coldchaind.json5"], stdout: dir + "/daemon.log", stderr: dir + "/daemon.log")
            }
            let theirs = try timed(dir: dir, port: port, events: events, topic: "cc/raw") { () -> ChildProcess? in
                try raw(messages, port: port, inflight: inflight)
                return nil
            }
            print("coldchaind: \(Int(Double(events) / ours)) events/s (\(UplinkBench.round2(ours)) s); libmosquitto alone, the same messages: "
                  + "\(Int(Double(events) / theirs)) events/s (\(UplinkBench.round2(theirs)) s); ratio \(UplinkBench.round2(theirs / ours)) (goal >= 0.8)")
            try latency(sensors: 32, seconds: 30, broker: port)
        } catch {
            print("mqtt bench failed: \(error)")
            return 1
        }
        return 0
    }

    /// Seconds from starting `publisher` until mosquitto_sub has `events` messages on `topic`.
    static func timed(dir: String, port: Int, events: Int, topic: String, _ publisher: () throws -> ChildProcess?) throws -> Double {
        let sub = try ChildProcess(path: "/usr/bin/mosquitto_sub", arguments: ["-h", "127.0.0.1", "-p", "\(port)", "-t", topic, "-q", "1", "-C", "\(events)"],
                                   stdout: "/dev/null")
        usleep(300_000)
        let start = Date()
        let p = try publisher()
        defer { p?.signal(SIGTERM); _ = p?.wait() }
        while sub.poll() == nil {
            usleep(5_000)
            if Date().timeIntervalSince(start) > 600 { sub.signal(SIGKILL); throw Errno("mosquitto_sub did not receive \(events) in 10 min", code: ETIMEDOUT) }
        }
        return Date().timeIntervalSince(start)
    }

    /// libmosquitto alone: every message at QoS 1, at most `inflight` unacknowledged, until all are acknowledged.
    static func raw(_ messages: [[UInt8]], port: Int, inflight: Int) throws {
        let acked = Mutex(0), connected = Mutex(false)
        var options = MQTTConnection.Options(host: "127.0.0.1", port: port, clientID: "raw-bench")
        options.maxInflight = inflight
        let c = try MQTTConnection(options) { e in
            switch e {
            case .connected: connected.withLock { $0 = true }
            case .acknowledged: acked.withLock { $0 += 1 }
            default: break
            }
        }
        try c.start()
        while !connected.withLock({ $0 }) { usleep(1_000) }
        var sent = 0
        while acked.withLock({ $0 }) < messages.count {
            while sent < messages.count, sent - acked.withLock({ $0 }) < inflight {
                _ = try c.publish(topic: "cc/raw", payload: messages[sent])
                sent += 1
            }
            usleep(200)
        }
    }

    /// From a reading's record to the broker: 32 sensors read every second from coldchain-sim, the daemon publishing
    /// to mosquitto, mosquitto_sub stamping each arrival (`%U`, the clock the daemon records with); the first 5 s
    /// (start-up) left out.
    static func latency(sensors: Int, seconds: Int, broker: Int) throws {
        let site = BenchSite("mqtt-latency")
        defer { _ = try? FileManager.default.removeItem(atPath: site.dir) }
        site.write("scenario.json5", "{ units: [" + (1...sensors).map { "{ unit: \($0), noise_c: 0.2, timeline: [ { at: \"0s\", c: 5 } ] }" }.joined(separator: ",") + "] }")
        site.write("coldchaind.json5", """
            { gateway: { id: "gw-latency", site: "bench" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", \(site.buses()),
              fridges: [ \(BenchSite.fridges(sensors: sensors, poll: "1s")) ],
              platform: { mqtt: { url: "mqtt://127.0.0.1:\(broker)", topic_prefix: "cc", inflight: 100 } } }
            """)
        let sub = try ChildProcess(path: "/usr/bin/mosquitto_sub", arguments: ["-h", "127.0.0.1", "-p", "\(broker)", "-t", "cc/gw-latency/events",
                                                                              "-q", "1", "-F", "%U %p"], stdout: site.dir + "/arrivals.txt")
        defer { sub.signal(SIGTERM); _ = sub.wait() }
        let sim = try site.startSimulator()
        defer { sim.signal(SIGTERM); _ = sim.wait() }
        let started = Date()
        let daemon = try site.startDaemon()
        // CPU from 5 s on (start-up left out), and the peak resident memory, as the peer's were measured.
        sleep(5)
        let ticks0 = DaemonBench.cpuTicks(daemon.pid)
        sleep(UInt32(max(1, seconds - 5)))
        let cpu = Double(DaemonBench.cpuTicks(daemon.pid) - ticks0) / Double(sysconf(Int32(_SC_CLK_TCK))) / Double(max(1, seconds - 5)) * 100
        let peakKB = Int(DaemonBench.procStatus(daemon.pid)["VmHWM"]?.split(separator: " ").first ?? "") ?? 0
        daemon.signal(SIGTERM)
        _ = daemon.wait()
        var latencies: [Double] = []
        for line in ((try? String(contentsOfFile: site.dir + "/arrivals.txt", encoding: .utf8)) ?? "").split(separator: "\n") {
            guard let space = line.firstIndex(of: " "), let arrived = Double(line[..<space]),
                  let o = try? JSONSerialization.jsonObject(with: Data(line[line.index(after: space)...].utf8)) as? [String: Any],
                  o["type"] as? String == "reading", let at = (o["at"] as? String).flatMap(RFC3339.parse),
                  at.timeIntervalSince(started) > 5 else { continue }
            latencies.append(arrived - at.timeIntervalSince1970)
        }
        guard !latencies.isEmpty else { print("latency: no readings arrived"); return }
        let mean = latencies.reduce(0, +) / Double(latencies.count)
        print("reading to broker, \(sensors) sensors at 1 s for \(seconds) s: \(latencies.count) readings, mean \(Int((mean * 1000).rounded())) ms, "
              + "max \(Int((latencies.max()! * 1000).rounded())) ms (ThingsBoard IoT Gateway 3.8.5 measured at 200 ms mean, 290 ms max; our HTTP uplink 530 and 1,100)")
        print("coldchaind meanwhile: CPU \((cpu * 100).rounded() / 100) % of one core, peak resident \(UplinkBench.round2(Double(peakKB) / 1024)) MB")
    }
}
