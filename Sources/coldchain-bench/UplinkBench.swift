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
            let ledger = try Ledger(path: dir + "/ledger.sqlite")
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
            let (receiver, daemon, start) = try launch(dir: dir, port: port, platform: "batch_events: \(batch), batch_bytes: 16000000", plan: [],
                                                       receiverScript: receiverScript, bin: bin)
            defer { receiver.signal(SIGKILL); receiver.wait() }
            var delivered = 0
            var firstArrival: Date?
            while Date().timeIntervalSince(start) < 600 {
                usleep(20_000)
                delivered = lineCount(dir + "/received.jsonl")
                if delivered > 0 && firstArrival == nil { firstArrival = Date() }
                if delivered >= events { break }
            }
            // From the first batch's arrival: the daemon's start-up is not catch-up.
            let catchUp = Date().timeIntervalSince(firstArrival ?? start)
            daemon.signal(SIGTERM)
            daemon.wait()

            // The receiver's own rate: the same events, same batch size, posted back to back.
            let reader = try LedgerReader(path: dir + "/ledger.sqlite")
            var bodies: [Data] = []
            var after: Int64 = 0
            while true {
                let chunk = try reader.events(after: after, limit: batch)
                guard let last = chunk.last else { break }
                bodies.append(NativeFormat.batch(chunk, gateway: "gw-bench"))  // the same bytes coldchaind sends
                after = last.seq
            }
            // Through the same libcurl client the daemon uses, one connection kept alive, back to back.
            let session = try HTTPSession(settings: HTTPSettings(timeout: 30), label: "bench")
            let rawStart = Date()
            for body in bodies {
                _ = session.performBlocking(HTTPRequest(.post, url: "http://127.0.0.1:\(port)/v1/events",
                                                        headers: ["Content-Type: application/json", "Authorization: Bearer bench-token"], body: Array(body)))
            }
            let raw = Date().timeIntervalSince(rawStart)
            let ours = Double(events) / catchUp, theirs = Double(events) / raw
            print("uplink catch-up: \(events) events in batches of \(batch) to a loopback receiver (Python http.server)")
            print("coldchaind: \(delivered) delivered in \(round(catchUp * 10) / 10) s = \(Int(ours)) events/s (first arrival to last)")
            print("receiver's own ingest, same batches back to back: \(round(raw * 10) / 10) s = \(Int(theirs)) events/s")
            print("ratio \(round(ours / theirs * 100) / 100)")
            try resets(bin: bin, receiverScript: receiverScript, port: port + 1)
        } catch {
            print("uplink bench failed: \(error)")
            return 1
        }
        return 0
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

    static func lineCount(_ path: String) -> Int {
        guard let d = FileManager.default.contents(atPath: path) else { return 0 }
        return d.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
