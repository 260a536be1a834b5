import CRawBench
import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Storage

/// History at any age: a realistic ledger (4 fridges × 2 sensors at 60 s, 100 scans a day in and out, a monthly
/// excursion with its alarm, acknowledgement and close) of one day and of `years`, built through the ledger's own
/// batch path; then coldchaind (from this folder) on each: start to READY, every CLI query's time (median of 5),
/// peak resident memory across them, and scan-to-verdict p99; each printed at one day, at `years`, and as a ratio.
enum HistoryBench {
    static let fridges = ["F1", "F2", "F3", "F4"]
    static let doseCode = "(01)09506000134352(17)301231(10)L1(21)D7"

    static func run(years: Double, keepDir: String?) -> Int32 {
        let dir = keepDir ?? "/tmp/coldchain-history-bench-\(getpid())"
        mkdir(dir, 0o755)
        defer { if keepDir == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        do {
            let end = Date()
            print("history: 4 fridges × 2 sensors at 60 s, 100 scans/day, a monthly excursion with alarm; coldchaind from this folder")
            var results: [(String, Measured)] = []
            for (label, days) in [("1 day", 1.0), ("\(years) y", years * 365)] {
                let path = "\(dir)/ledger-\(Int(days)).sqlite"
                let t0 = monotonicSeconds()
                let events = try build(path: path, days: days, end: end)
                let built = monotonicSeconds() - t0
                let size = fileSize(path) + fileSize(path + "-wal")
                print("\(label): \(events) events, \(mb(size)) (\(size / max(events, 1)) bytes per event), built in \(Int(built)) s "
                      + "(\(Int(Double(events) / max(built, 0.001))) events/s)")
                var m = try measure(dir: dir, ledger: path)
                try backups(&m, dir: dir, ledger: path, end: end)
                results.append((label, m))
            }
            let (a, b) = (results[0].1, results[1].1)
            print("")
            print("query".padding(26) + results[0].0.padding(12) + results[1].0.padding(12) + "ratio   raw C same query")
            func row(_ name: String, _ x: Double, _ y: Double, raw: String = "") {
                print(name.padding(26) + ms(x).padding(12) + ms(y).padding(12) + "\((y / max(x, 0.001) * 100).rounded() / 100)".padding(8) + raw)
            }
            row("start to READY", a.ready * 1000, b.ready * 1000)
            for (k, name) in a.queries.keys.sorted().enumerated() {
                _ = k
                row(name, a.queries[name] ?? 0, b.queries[name] ?? 0, raw: name.hasPrefix("readings") ? "\(ms(a.rawReadings)) / \(ms(b.rawReadings))" : "")
            }
            print("peak resident memory      \(mb(a.peakKB * 1024).padding(12))\(mb(b.peakKB * 1024).padding(12))\((Double(b.peakKB) / Double(max(a.peakKB, 1)) * 100).rounded() / 100)")
            print("scan-to-verdict p99       \(ms(a.scanP99).padding(12))\(ms(b.scanP99).padding(12))\((b.scanP99 / max(a.scanP99, 0.001) * 100).rounded() / 100)")
            for (label, x) in [(results[0].0, a), (results[1].0, b)] {
                print("backup at \(label): full copy \(ms(x.backupFull * 1000)) (\(x.backupFullEvents) events), "
                      + "the next day's incremental \(ms(x.backupIncremental * 1000)) (\(x.backupIncrementalEvents) events, copy \(mb(x.backupBytes))), "
                      + "the night the plan wraps (integrity_check) \(ms(x.backupWrap * 1000))")
            }
            print("a day's incremental backup at \(years) y is \((b.backupIncremental / max(a.backupIncremental, 0.001) * 100).rounded() / 100)× the one at 1 day "
                  + "(goal: within 3×); every event of the copy is recomputed once every \(LedgerBackup.roundRuns) daily runs, "
                  + "so a full re-verification takes \(LedgerBackup.roundRuns) days")
            print("goals: each query at \(years) y within 2× of 1 day and ≤ 50 ms; READY ≤ 3 s; peak ≤ 48 MB; scan p99 within 1.5×")
            return 0
        } catch {
            print("history bench failed: \(error)")
            return 1
        }
    }

    struct Measured {
        var ready = 0.0
        var queries: [String: Double] = [:]
        var peakKB = 0
        var rawReadings = 0.0
        var scanP99 = 0.0
        var backupFull = 0.0, backupFullEvents: Int64 = 0
        var backupIncremental = 0.0, backupIncrementalEvents: Int64 = 0, backupBytes: Int64 = 0
        /// The night the rolling plan comes round to event 1 again: a slice and SQLite's integrity_check of the copy.
        var backupWrap = 0.0
    }

    /// The daily backup on this ledger: a full copy, then a day of events more and the incremental copy (the same
    /// library call the daemon makes), each timed; the copy is deleted after.
    static func backups(_ m: inout Measured, dir: String, ledger: String, end: Date) throws {
        let stick = dir + "/stick"
        mkdir(stick, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: stick) }
        do {
            let full = try LedgerBackup.run(source: ledger, dir: stick, name: "bench", keep: 1, now: end)
            m.backupFull = full.completed.seconds; m.backupFullEvents = Int64(full.completed.copied)
            _ = try build(path: ledger, days: 1, end: end.addingTimeInterval(86_400), fresh: false)
            let next = try LedgerBackup.run(source: ledger, dir: stick, name: "bench", keep: 1, now: end.addingTimeInterval(86_400))
            m.backupIncremental = next.completed.seconds; m.backupIncrementalEvents = Int64(next.completed.copied)
            m.backupBytes = Int64(next.completed.bytes)
            // The night the plan wraps (once every roundRuns nights): the copy's plan set past its end, as the 30th
            // night leaves it, and the next run timed.
            let copy = try Database(path: stick + "/bench.sqlite", options: .init(noFollow: true))
            try copy.execute("PRAGMA journal_mode=DELETE; UPDATE backup_check SET next_seq = (SELECT max(seq) FROM events) + 1")
            copy.close()
            let wrap = try LedgerBackup.run(source: ledger, dir: stick, name: "bench", keep: 1, now: end.addingTimeInterval(2 * 86_400))
            m.backupWrap = wrap.completed.seconds
        } catch let f as LedgerBackup.Failure {
            throw Errno("backup: \(f.message)", code: EIO)
        }
    }

    /// Writes `days` of history ending at `end` through `Ledger.append` in batches; returns the event count.
    static func build(path: String, days: Double, end: Date, fresh: Bool = true) throws -> Int64 {
        if fresh { unlink(path); unlink(path + "-wal"); unlink(path + "-shm") }
        let ledger = try Ledger(path: path)
        defer { ledger.close() }
        let minutes = Int(days * 1440)
        let start = end.addingTimeInterval(-Double(minutes) * 60)
        var batch: [NewEvent] = []
        batch.reserveCapacity(5200)
        var dose = 0, excursion = 0, alarm = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            _ = try ledger.appendBlocking(batch)
            batch.removeAll(keepingCapacity: true)
        }
        for m in 0..<minutes {
            let t = start.addingTimeInterval(Double(m) * 60)
            // A monthly door left open: fridge (month % 4) warms for 40 minutes from 10:00 on the 15th.
            let dayOfMonth = (m / 1440) % 30, minuteOfDay = m % 1440
            let warm = dayOfMonth == 15 && minuteOfDay >= 600 && minuteOfDay < 640
            let warmFridge = fridges[(m / 43_200) % 4]
            for (i, f) in fridges.enumerated() {
                for (k, s) in ["air", "load"].enumerated() {
                    let base = 4.5 + sin(Double(m + i * 97 + k * 13) / 180) * 0.8
                    let c = warm && f == warmFridge ? 9 + Double(minuteOfDay - 600) / 20 : base
                    batch.append(NewEvent(Reading.measured(sensor: "\(f)-\(s)", fridge: f, celsius: c, humidity: k == 0 ? 45 : nil), at: t))
                }
            }
            if warm && minuteOfDay == 605 {
                excursion += 1; alarm += 1
                let x = ExcursionState(id: excursion, fridge: warmFridge, sensor: "\(warmFridge)-air", side: .high, rule: "gsp-high", limitC: 8,
                                       start: t.addingTimeInterval(-300), minC: 9, maxC: 9.25, degreeMinutes: 5)
                batch.append(NewEvent(ExcursionOpened(x), at: t))
                batch.append(NewEvent(AlarmOpened(alarm: alarm, fridge: warmFridge, sensor: x.sensor, cause: .excursion, excursion: excursion), at: t))
            }
            if warm && minuteOfDay == 620 {
                batch.append(NewEvent(AlarmAcknowledged(alarm: alarm, fridge: warmFridge, sensor: "\(warmFridge)-air", note: "door closed", uid: 1000), at: t))
            }
            if dayOfMonth == 15 && minuteOfDay == 645 && excursion > 0 {
                let x = ExcursionState(id: excursion, fridge: warmFridge, sensor: "\(warmFridge)-air", side: .high, rule: "gsp-high", limitC: 8,
                                       start: t.addingTimeInterval(-2700), minC: 9, maxC: 10.95, degreeMinutes: 80)
                batch.append(NewEvent(ExcursionClosed(x, end: t.addingTimeInterval(-300), durationSeconds: 2400), at: t))
                batch.append(NewEvent(AlarmClosed(alarm: alarm, fridge: warmFridge, sensor: x.sensor, reason: "back in range"), at: t))
            }
            // 100 scans a day between 08:00 and 16:20: doses in, and out again three days later.
            if minuteOfDay >= 480 && minuteOfDay < 980 && minuteOfDay % 10 == 0 {
                dose += 1
                batch.append(NewEvent(scan(dose, fridge: fridges[dose % 4], out: false), at: t))
                if dose > 300 { batch.append(NewEvent(scan(dose - 300, fridge: fridges[(dose - 300) % 4], out: true), at: t)) }
            }
            if batch.count >= 5000 { try flush() }
        }
        try flush()
        return ledger.headSequence
    }

    static func scan(_ n: Int, fridge: String, out: Bool) -> Scan {
        let key = "gs1:09506000134352/D\(n)"
        return Scan(scanner: "desk", fridge: fridge, mode: out ? .out : .in, direction: out ? "out" : "in", verdict: "ok", refused: false,
                    moved: true, detail: [:], code: ["raw": .string("(01)09506000134352(17)301231(10)L1(21)D\(n)")], dose: key,
                    product: "gs1:09506000134352", lot: "L1", expiry: "2030-12-31")
    }

    /// coldchaind on `ledger`: time to READY, each query's median of 5, peak RSS, then scan latency on the same ledger.
    static func measure(dir: String, ledger: String) throws -> Measured {
        let bin = executableDirectory() ?? "."
        let config = dir + "/coldchaind.json5"
        let sensors = fridges.map { f in
            "{ id: \"\(f)\", sensors: [ { id: \"\(f)-air\", bus: \"lan\", unit: 1, profile: \"p\", poll: \"60s\" }, { id: \"\(f)-load\", bus: \"lan\", unit: 2, profile: \"p\", poll: \"60s\" } ] }"
        }
        mkdir(dir + "/devices", 0o755)
        _ = FileManager.default.createFile(atPath: dir + "/devices/p.json5", contents: Data("""
            { id: "p", vendor: "any", model: "int16 x10", invalid_raw: [-32768, 32767],
              registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } } }
            """.utf8))
        _ = FileManager.default.createFile(atPath: config, contents: Data("""
            { gateway: { id: "gw-history-bench", site: "bench" }, storage: { path: "\(ledger)" }, control: { socket: "control.sock" },
              devices_dir: "devices", buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: 9 }, timeout: "500ms" } ],
              fridges: [ \(sensors.joined(separator: ", ")) ] }
            """.utf8))
        var m = Measured()
        let socket = dir + "/control.sock"
        let started = monotonicSeconds()
        let daemon = try ChildProcess(path: bin + "/coldchaind", arguments: ["--config", config], stdout: dir + "/daemon.log", stderr: dir + "/daemon.log")
        while monotonicSeconds() - started < 600 {
            if let c = try? ControlClient(path: socket), case .ok? = try? c.call(Commands.Status.request) { break }
            usleep(5_000)
        }
        m.ready = monotonicSeconds() - started
        let day = try DurationArgument("24h", key: "since", in: 1...1e9)
        let queries: [(String, ControlRequest)] = [
            ("status", Commands.Status.request), ("fridges", Commands.Fridges.request),
            ("readings F1 --since 24h", Commands.Readings.request(.init(fridge: "F1", since: day))),
            ("excursions", Commands.Excursions.request(.init(openOnly: false))), ("scans", Commands.Scans.request(.init(limit: 20))),
            ("inventory", Commands.Inventory.request(.init(fridge: nil, expiring: nil))), ("lookup", Commands.Lookup.request(.init(code: doseCode))),
            ("report daily (month, F1)", Commands.Report.request(.init(month: try MonthArgument(thisMonth()), fridge: "F1"))),
        ]
        for (name, request) in queries {
            var times: [Double] = []
            for _ in 0..<5 {
                let client = try ControlClient(path: socket)
                let t0 = monotonicSeconds()
                let (reply, _) = try client.callInParts(request, as: ReadingsPart.self, header: { _ in }, part: { _ in })
                times.append((monotonicSeconds() - t0) * 1000)
                if case .failure(let f) = reply { throw Errno("\(name): \(f.message)", code: EIO) }
            }
            m.queries[name] = times.sorted()[2]
        }
        m.peakKB = Int(DaemonBench.procStatus(daemon.pid)["VmHWM"]?.split(separator: " ").first ?? "") ?? 0
        daemon.signal(SIGTERM)
        daemon.wait()
        var rows: Int64 = 0
        var error = [CChar](repeating: 0, count: 256)
        let since = Int64((Date().timeIntervalSince1970 - 86400) * 1000)
        m.rawReadings = cc_raw_sqlite_query(ledger, "SELECT seq, t, sensor, c, h FROM readings WHERE fridge = 'F1' AND t >= \(since) ORDER BY t, seq", &rows, &error)
        m.scanP99 = try ScanBench.measure(scanners: 2, rate: 20, seconds: 5, dir: dir + "/scan", ledger: ledger).p99
        return m
    }

    /// This month on the local calendar, `YYYY-MM`.
    static func thisMonth() -> String { String(ClinicCalendar(offset: LocalTime.utcOffset).day(at: Date()).description.prefix(7)) }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
    static func mb(_ bytes: Int64) -> String { "\((Double(bytes) / 1_048_576 * 10).rounded() / 10) MB" }
    static func mb(_ bytes: Int) -> String { mb(Int64(bytes)) }
    static func ms(_ v: Double) -> String { "\((v * 10).rounded() / 10) ms" }
}
