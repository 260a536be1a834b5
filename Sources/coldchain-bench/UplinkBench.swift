import ColdChain
import Foundation
import PlatformHTTP
import Gateway
import Glibc
import POSIX
import Storage

/// Catch-up from a backlog: coldchaind (from this folder) forwarding `events` ledger events to a loopback receiver
/// (Tests/Interop/platform_receiver.py), beside the receiver's own ingest rate: the same number of events in
/// batches of the same size, posted back to back by a bare client, in the same run.
enum UplinkBench {
    static func run(events: Int, batch: Int, receiverScript: String) -> Int32 {
        let bin = executableDirectory() ?? "."
        let dir = "/tmp/coldchain-uplink-bench-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let port = 20000 + Int(getpid() % 20000)
        do {
            try backlog(dir + "/ledger.sqlite", events: events)
            // The bodies the raw client posts: the same bytes coldchaind sends.
            let reader = try LedgerReader(path: dir + "/ledger.sqlite")
            var bodies: [Data] = []
            var after: Int64 = 0
            while true {
                let chunk = try reader.events(after: after, limit: batch)
                guard let last = chunk.last else { break }
                bodies.append(NativeFormat.batch(chunk, gateway: "gw-bench"))
                after = last.seq
            }
            reader.close()
            print("uplink catch-up: \(events) events in batches of \(batch) to a loopback receiver (Python http.server)")
            // Three rounds, each a fresh copy of the ledger (cursor at 0) and a fresh receiver: one round of a few
            // seconds varied from 0.59 to 0.82 on this 2-core machine, mostly in the Python receiver's own rate.
            var ratios: [Double] = []
            for round in 1...3 {
                let rdir = dir + "/round\(round)"
                mkdir(rdir, 0o755)
                try FileManager.default.copyItem(atPath: dir + "/ledger.sqlite", toPath: rdir + "/ledger.sqlite")
                let (ours, theirs, delivered) = try catchUpRound(dir: rdir, port: port + 10 + round, batch: batch, events: events,
                                                                 bodies: bodies, receiverScript: receiverScript, bin: bin)
                print("round \(round): coldchaind \(delivered) delivered at \(Int(ours)) events/s (first arrival to last); "
                      + "the receiver's own ingest, same batches back to back: \(Int(theirs)) events/s; ratio \(round2(ours / theirs))")
                ratios.append(ours / theirs)
                _ = try? FileManager.default.removeItem(atPath: rdir)
            }
            print("ratio \(round2(ratios.sorted()[1])) (median of 3)")
            try resets(bin: bin, receiverScript: receiverScript, port: port + 1)
        } catch {
            print("uplink bench failed: \(error)")
            return 1
        }
        return 0
    }

    /// One catch-up from cursor 0 in `dir`, then the receiver's own rate for `bodies`; events per second for both.
    static func catchUpRound(dir: String, port: Int, batch: Int, events: Int, bodies: [Data], receiverScript: String, bin: String) throws
        -> (ours: Double, theirs: Double, delivered: Int)
    {
        let (receiver, daemon, start) = try launch(dir: dir, port: port, platform: "batch_events: \(batch), batch_bytes: 16000000", plan: [],
                                                   receiverScript: receiverScript, bin: bin)
        defer { receiver.signal(SIGKILL); receiver.wait() }
        var delivered = 0
        var firstArrival: Date?
        // Counted from where the last look ended: reading the whole file 50 times a second took a core from the
        // daemon and the receiver it measures (2 cores), and the ratio with it.
        let counter = LineCounter(path: dir + "/received.jsonl")
        while Date().timeIntervalSince(start) < 600 {
            usleep(20_000)
            delivered = counter.count()
            if delivered > 0 && firstArrival == nil { firstArrival = Date() }
            if delivered >= events { break }
        }
        // From the first batch's arrival: the daemon's start-up is not catch-up.
        let catchUp = Date().timeIntervalSince(firstArrival ?? start)
        daemon.signal(SIGTERM)
        daemon.wait()
        // Through the same libcurl client the daemon uses, one connection kept alive, back to back.
        let session = try HTTPSession(settings: HTTPSettings(timeout: 30), label: "bench")
        let rawStart = Date()
        for body in bodies {
            _ = session.performBlocking(HTTPRequest(.post, url: "http://127.0.0.1:\(port)/v1/events",
                                                    headers: ["Content-Type: application/json", "Authorization: Bearer bench-token"], body: Array(body)))
        }
        let raw = Date().timeIntervalSince(rawStart)
        return (Double(events) / catchUp, Double(events) / raw, delivered)
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    /// A ledger of `events` readings, 8 sensors every 6 s up to now, through the ledger's batch path.
    static func backlog(_ path: String, events: Int) throws {
        let ledger = try Ledger(path: path)
        let t0 = Date().addingTimeInterval(-Double(events) * 6)
        var k = 0
        while k < events {
            let chunk = (k..<min(events, k + 5000)).map { i in
                NewEvent(.reading, at: t0.addingTimeInterval(Double(i) * 6), body: ["sensor": .string("S\(i % 8)"), "fridge": "F1", "c": .number(4.0 + Double(i % 30) / 10)])
            }
            try ledger.appendBlocking(chunk)
            k += chunk.count
        }
        ledger.close()
    }

    /// The time a reset costs: the same 3,000 events in batches of 100 to a receiver that resets every third
    /// request, against one that does not; the difference per reset is the time from a reset to the next delivery.
    static func resets(bin: String, receiverScript: String, port: Int) throws {
        let events = 3000, batch = 100
        var seconds: [Double] = []
        for (k, plan) in [[String](), (0..<12).flatMap { _ in ["ok", "ok", "reset"] }].enumerated() {
            let dir = "/tmp/coldchain-uplink-reset-bench-\(getpid())-\(k)"
            mkdir(dir, 0o755)
            defer { _ = try? FileManager.default.removeItem(atPath: dir) }
            let ledger = try Ledger(path: dir + "/ledger.sqlite")
            let t0 = Date().addingTimeInterval(-Double(events) * 6)
            try ledger.appendBlocking((0..<events).map { i in
                NewEvent(.reading, at: t0.addingTimeInterval(Double(i) * 6), body: ["sensor": "S1", "fridge": "F1", "c": .number(5)])
            })
            ledger.close()
            let (receiver, daemon, start) = try launch(dir: dir, port: port + k, platform: "batch_events: \(batch), timeout: \"10s\"", plan: plan,
                                                       receiverScript: receiverScript, bin: bin)
            defer { receiver.signal(SIGKILL); receiver.wait() }
            var first: Date?
            while Date().timeIntervalSince(start) < 300 {
                usleep(20_000)
                let n = Set(((try? String(contentsOfFile: dir + "/received.jsonl", encoding: .utf8)) ?? "").split(separator: "\n")).count
                if n > 0 && first == nil { first = Date() }
                if n >= events + 2 { break }   // the readings, gateway.started and config.loaded
            }
            seconds.append(Date().timeIntervalSince(first ?? start))
            daemon.signal(SIGTERM)
            daemon.wait()
        }
        let resets = 12.0
        print("resets: \(events) events in batches of \(batch): \(round(seconds[0] * 100) / 100) s without, \(round(seconds[1] * 100) / 100) s with a reset "
              + "on every third request (12 resets, timeout 10 s): \(round((seconds[1] - seconds[0]) / resets * 1000)) ms from a reset to the next delivery")
    }

    /// The receiver on `port` (with its fault `plan`), then coldchaind forwarding the ledger in `dir` to it, with
    /// `platform`'s extra keys; returns both and when the daemon was started.
    static func launch(dir: String, port: Int, platform: String, plan: [String], receiverScript: String, bin: String) throws
        -> (receiver: ChildProcess, daemon: ChildProcess, start: Date)
    {
        _ = FileManager.default.createFile(atPath: dir + "/token", contents: Data("bench-token".utf8))
        _ = FileManager.default.createFile(atPath: dir + "/coldchaind.json5", contents: Data("""
            { gateway: { id: "gw-bench", site: "bench" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              platform: { url: "http://127.0.0.1:\(port)", token_file: "token", \(platform) } }
            """.utf8))
        let receiver = try ChildProcess(path: "/usr/bin/env", arguments: ["python3", receiverScript, String(port), dir + "/received.jsonl",
                                                                          "bench-token", plan.joined(separator: ",")],
                                        stdout: dir + "/receiver.log", stderr: dir + "/receiver.log")
        usleep(800_000)
        let start = Date()
        do {
            let daemon = try ChildProcess(path: bin + "/coldchaind", arguments: ["--config", dir + "/coldchaind.json5"],
                                          stdout: dir + "/daemon.log", stderr: dir + "/daemon.log")
            return (receiver, daemon, start)
        } catch {
            receiver.signal(SIGKILL); receiver.wait()
            throw error
        }
    }

    /// Lines in a file that only grows, reading each byte once.
    final class LineCounter {
        let path: String
        private var offset: UInt64 = 0
        private var lines = 0
        init(path: String) { self.path = path }
        func count() -> Int {
            guard let h = FileHandle(forReadingAtPath: path) else { return lines }
            defer { try? h.close() }
            try? h.seek(toOffset: offset)
            while let d = try? h.read(upToCount: 1 << 20), !d.isEmpty {
                offset += UInt64(d.count)
                lines += d.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
            return lines
        }
    }
}
