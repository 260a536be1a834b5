import ColdChain
import Dispatch
import Foundation
import Gateway
import Glibc
import POSIX
import Storage
import Synchronization

/// `coldchain-bench fleet`: a province's gateways into an existing engine, nothing home-made between. N gateways'
/// ledgers (D days each through the ledger's batch path), N MQTT uplinks in this one process (each its own ledger,
/// cursor and connection), Debian's mosquitto with persistence, and a consumer (paho-mqtt, psycopg) into Debian's
/// PostgreSQL with the event id as primary key. Midway the broker is restarted and the consumer killed, once each.
/// Then every ledger is checked against PostgreSQL: each gateway's count and a SHA-256 of its ids in order.
enum FleetBench {
    static let sensors = 8, readingsPerSensorDay = 1440, scansPerDay = 100

    static func run(gateways: Int, days: Int, inflight: Int, consumerScript: String, consumerCount: Int, disrupt: Set<String>) -> Int32 {
        let dir = "/tmp/coldchain-fleet-bench-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let brokerPort = 21000 + Int(getpid() % 5000), pgPort = 26000 + Int(getpid() % 3000)
        // Each gateway holds about 10 descriptors (the ledger's and its reader's SQLite files, the broker's socket,
        // libmosquitto's wake-up pair): 200 are past the usual soft limit of 1,024, and the uplinks past it failed.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        do {
            let ids = (1...gateways).map { String(format: "gw-%04d", $0) }
            let perGateway = days * (sensors * readingsPerSensorDay + scansPerDay)
            print("fleet: \(gateways) gateways x \(days) day(s) = \(gateways * perGateway) events (\(sensors) sensors at 60 s, \(scansPerDay) scans a day each)")
            let t0 = Date()
            try generate(ids.map { "\(dir)/\($0).sqlite" }, days: days)
            let made = Date().timeIntervalSince(t0)
            print("ledgers made through the batch path in \(UplinkBench.round2(made)) s (\(Int(Double(gateways * perGateway) / made)) events/s)")

            let pg = try Postgres(dir: dir + "/pg", port: pgPort)
            defer { pg.stop() }
            let broker = try FleetBroker(dir: dir, port: brokerPort)
            defer { broker.stop() }
            _ = try pg.query("""
                CREATE TABLE events (id text PRIMARY KEY, gateway text NOT NULL, seq bigint NOT NULL, type text NOT NULL,
                                     at timestamptz NOT NULL, data jsonb NOT NULL)
                """)
            // Two consumers sharing the subscription ($share): the platform's side scales out as a consumer group does.
            let names = (1...consumerCount).map { "fleet-consumer-\($0)" }
            let statsPath = { (name: String) in "\(dir)/\(name).json" }
            var consumers = try names.map { try startConsumer(consumerScript, name: $0, brokerPort: brokerPort, pg: pg, stats: statsPath($0), log: "\(dir)/\($0).log") }
            var consumerTicks = 0
            defer { for c in consumers { c.signal(SIGKILL); _ = c.wait() } }
            // The consumers' sessions exist before anything is published.
            guard poll(seconds: 30, { names.allSatisfy { consumerConnected(broker.logPath, name: $0) } }) else {
                throw Errno("the consumers did not connect: \(tail(dir + "/fleet-consumer-1.log"))", code: ETIMEDOUT)
            }

            let total = gateways * perGateway
            let ledgers = try ids.map { try Ledger(path: "\(dir)/\($0).sqlite") }
            defer { ledgers.forEach { $0.close() } }
            let logLines = Mutex(0)
            let log = Log(collect: { _ in logLines.withLock { $0 += 1 } })
            let services = zip(ids, ledgers).map { id, ledger in
                MQTTUplinkService(mqtt: .init(host: "127.0.0.1", port: brokerPort, clientID: id, topicPrefix: "fleet", inflight: inflight),
                                  gateway: id, password: nil, ledger: ledger, state: UplinkState(), scans: nil, clock: SystemClock(), log: log)
            }
            let selfStart = cpuSeconds(), brokerStart = DaemonBench.cpuTicks(broker.pid), pgStart = pg.ticks()
            let start = Date()
            final class Failures: Sendable { let list = Mutex<[String]>([]) }
            let failures = Failures()
            let runner = Task {
                await withTaskGroup(of: Void.self) { group in
                    for s in services {
                        group.addTask {
                            do { try await s.run() } catch { failures.list.withLock { if $0.count < 5 { $0.append("\(error)") } } }
                        }
                    }
                }
            }
            var caughtUp = [Double?](repeating: nil, count: gateways)
            var restarted = false, killed = false, inserted = 0, lastPrint = Date()
            let heads = ledgers.map(\.headSequence)
            while inserted < total {
                usleep(200_000)
                let now = Date().timeIntervalSince(start)
                for (k, ledger) in ledgers.enumerated() where caughtUp[k] == nil {
                    if (try? ledger.uplinkCursor()) == heads[k] { caughtUp[k] = now }
                }
                inserted = names.reduce(0) { $0 + (stats(statsPath($1))["inserted"] as? Int ?? 0) }
                if !restarted && disrupt.contains("broker") && inserted >= total / 3 {
                    restarted = true
                    print("  at \(Int(now)) s, \(inserted) stored: mosquitto restarted (SIGTERM, its queues saved, started again)")
                    try broker.restart()
                }
                if !killed && disrupt.contains("consumer") && inserted >= total * 2 / 3 {
                    killed = true
                    print("  at \(Int(now)) s, \(inserted) stored: \(names[0]) killed (SIGKILL) and started again")
                    consumers[0].signal(SIGKILL)
                    _ = consumers[0].wait()
                    consumerTicks += consumers[0].lastTicks
                    consumers[0] = try startConsumer(consumerScript, name: names[0], brokerPort: brokerPort, pg: pg, stats: statsPath(names[0]),
                                                     log: "\(dir)/\(names[0]).log")
                }
                if Date().timeIntervalSince(lastPrint) >= 10 {
                    lastPrint = Date()
                    print("  at \(Int(now)) s: \(inserted) of \(total) stored, \(caughtUp.compactMap { $0 }.count) of \(gateways) gateways caught up")
                }
                if let f = failures.list.withLock({ $0.first }) { throw Errno("an uplink stopped: \(f)", code: EIO) }
                if now > 1800 { throw Errno("not all stored within 30 min: \(inserted) of \(total)", code: ETIMEDOUT) }
                for k in consumers.indices { consumers[k].sampleTicks() }
                pg.sample()
            }
            let elapsed = Date().timeIntervalSince(start)
            let selfCPU = cpuSeconds() - selfStart
            let brokerCPU = Double(DaemonBench.cpuTicks(broker.pid) - brokerStart + broker.ticksBeforeRestart) / ticksPerSecond
            for k in consumers.indices { consumers[k].sampleTicks() }
            let consumerCPU = Double(consumerTicks + consumers.reduce(0) { $0 + $1.lastTicks }) / ticksPerSecond
            let pgCPU = Double(pg.ticks() - pgStart) / ticksPerSecond
            runner.cancel()
            wait(for: runner)
            let s = names.map { stats(statsPath($0)) }
            let (received, duplicates) = (s.reduce(0) { $0 + ($1["received"] as? Int ?? 0) }, s.reduce(0) { $0 + ($1["duplicates"] as? Int ?? 0) })
            print("end to end: \(total) events in \(UplinkBench.round2(elapsed)) s, \(Int(Double(total) / elapsed)) events/s (goal at 200 gateways x 1 day: >= 20,000)")
            let times = caughtUp.map { $0 ?? elapsed }.sorted()
            print("per-gateway catch-up of its \(days) day(s) offline: median \(UplinkBench.round2(times[times.count / 2])) s, max \(UplinkBench.round2(times.last!)) s")
            func pct(_ seconds: Double) -> String { "\(Int((seconds / elapsed * 100).rounded())) % of one core" }
            print("CPU over the run: uplinks (this process) \(pct(selfCPU)), mosquitto \(pct(brokerCPU)), consumers \(pct(consumerCPU)), PostgreSQL \(pct(pgCPU))")
            print("the \(consumerCount) consumers received \(received) messages for \(total) events; duplicates skipped by the key: "
                  + "\(duplicates) (the broker restart's and the consumer kill's redeliveries)")
            let (good, bad) = try check(ids: ids, ledgers: ledgers, pg: pg)
            print("check: \(good) of \(gateways) gateways exactly once in PostgreSQL (count and SHA-256 of the ids in order)\(bad.isEmpty ? "" : "; differ: \(bad.prefix(5))")")
            print("uplink log lines: \(logLines.withLock { $0 }) (reconnections after the broker's restart)")
            return bad.isEmpty ? 0 : 1
        } catch {
            print("fleet bench failed: \(error)")
            return 1
        }
    }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    static func wait(for task: Task<Void, Never>) {
        let done = DispatchSemaphore(value: 0)
        Task { await task.value; done.signal() }
        done.wait()
    }

    static func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { if condition() { return true }; usleep(50_000) }
        return false
    }

    static func tail(_ path: String) -> String { String(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").suffix(600)) }

    static func stats(_ path: String) -> [String: Any] {
        (FileManager.default.contents(atPath: path).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }) ?? [:]
    }

    static func consumerConnected(_ brokerLog: String, name: String) -> Bool {
        ((try? String(contentsOfFile: brokerLog, encoding: .utf8)) ?? "").contains("as \(name) ")
    }

    /// The gateways' ledgers, two at a time (the machine's cores): readings of 8 sensors every 60 s and 100 scans a
    /// day, in time order, ending now (a day offline, the gateway just back).
    static func generate(_ paths: [String], days: Int) throws {
        let failure = Mutex<(any Error)?>(nil)
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while true {
                let k = next.withLock { n in defer { n += 1 }; return n }
                guard k < paths.count, failure.withLock({ $0 }) == nil else { return }
                do { try generate(paths[k], days: days, seed: k) } catch { failure.withLock { $0 = error } }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
    }

    static func generate(_ path: String, days: Int, seed: Int) throws {
        let ledger = try Ledger(path: path)
        defer { ledger.close() }
        let start = Date().addingTimeInterval(-Double(days) * 86400)
        var chunk: [NewEvent] = []
        chunk.reserveCapacity(5000)
        for minute in 0..<(days * 1440) {
            let at = start.addingTimeInterval(Double(minute) * 60)
            for s in 0..<sensors {
                chunk.append(NewEvent(.reading, at: at, body: ["sensor": .string("S\(s)"), "fridge": .string("F\(s / 4 + 1)"),
                                                               "c": .number(4.0 + Double((minute + s + seed) % 30) / 10)]))
            }
            // 100 scans a day, about one every 14.4 minutes.
            if minute * scansPerDay / 1440 != (minute + 1) * scansPerDay / 1440 {
                chunk.append(NewEvent(.scan, at: at.addingTimeInterval(30), body: [
                    "scanner": "desk", "mode": "out", "code": .string("81000010000000\(String(format: "%06d", minute))"), "verdict": "ok",
                    "moved": true, "fridge": "F1",
                ]))
            }
            if chunk.count >= 4900 { _ = try ledger.appendBlocking(chunk); chunk.removeAll(keepingCapacity: true) }
        }
        if !chunk.isEmpty { _ = try ledger.appendBlocking(chunk) }
    }

    static func startConsumer(_ script: String, name: String, brokerPort: Int, pg: Postgres, stats: String, log: String) throws -> Consumer {
        let python = FileManager.default.isExecutableFile(atPath: ".build/pyvenv/bin/python") ? ".build/pyvenv/bin/python" : "python3"
        return Consumer(try ChildProcess(path: "/usr/bin/env", arguments: [python, script, "\(brokerPort)", pg.socketDir, "\(pg.port)", stats, name],
                                         stdout: log, stderr: log))
    }

    /// Each gateway's count and the SHA-256 of its ids in sequence order, in PostgreSQL and from its ledger.
    static func check(ids: [String], ledgers: [Ledger], pg: Postgres) throws -> (Int, [String]) {
        let out = try pg.query("SELECT gateway, count(*), encode(sha256(string_agg(id, ',' ORDER BY seq)::bytea), 'hex') FROM events GROUP BY gateway")
        var stored: [String: (Int, String)] = [:]
        for line in out.split(separator: "\n") {
            let f = line.split(separator: "|").map(String.init)
            if f.count == 3 { stored[f[0]] = (Int(f[1]) ?? -1, f[2]) }
        }
        var good = 0, bad: [String] = []
        for (id, ledger) in zip(ids, ledgers) {
            let head = ledger.headSequence
            var text = ""
            text.reserveCapacity(Int(head) * 16)
            for seq in 1...head { if seq > 1 { text += "," }; text += "\(id):\(seq)" }
            let expected = SHA256.hash(text).map { String(format: "%02x", $0) }.joined()
            if let s = stored[id], s.0 == Int(head), s.1 == expected { good += 1 } else { bad.append("\(id): \(stored[id].map { "\($0.0)" } ?? "none") of \(head)") }
        }
        return (good, bad)
    }
}

/// The consumer's process, with its CPU ticks sampled while it runs (a killed process's ticks are gone with it).
struct Consumer {
    let process: ChildProcess
    private(set) var lastTicks = 0
    init(_ process: ChildProcess) { self.process = process }
    mutating func sampleTicks() { let t = DaemonBench.cpuTicks(process.pid); if t > 0 { lastTicks = t } }
    func signal(_ s: Int32) { process.signal(s) }
    func wait() -> Int32 { process.wait() }
}
