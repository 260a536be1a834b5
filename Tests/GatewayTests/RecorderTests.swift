import ColdChain
import Control
import Dispatch
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// The recorder (issue 20): inputs from many threads, in whatever interleaving the threads make, give a ledger that a
/// serial replay of the same inputs in the ledger's order reproduces byte for byte; and a batch the ledger refuses
/// changes nothing.
@Suite(.serialized) struct RecorderTests {
    static let configText = """
        { gateway: { id: "gw-recorder", site: "Recorder test" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
          devices_dir: "devices",
          buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: 1502 }, timeout: "500ms" } ],
          fridges: [
            { id: "F1", alarm: { preset: "gsp", delay: "2m" }, sensors: [
                { id: "F1-a", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "60s" },
                { id: "F1-b", bus: "lan", unit: 2, profile: "generic-int16-x10", poll: "60s" } ] },
            { id: "F2", alarm: { preset: "gsp", delay: "2m" }, sensors: [
                { id: "F2-a", bus: "lan", unit: 3, profile: "generic-int16-x10", poll: "60s" },
                { id: "F2-b", bus: "lan", unit: 4, profile: "generic-int16-x10", poll: "60s" } ] } ],
          scanners: [ { id: "desk-in", device: "/dev/null", fridge: "F1", mode: "in" },
                      { id: "desk-out", device: "/dev/null", fridge: "F1", mode: "out" } ] }
        """
    static let sensors = ["F1-a", "F1-b", "F2-a", "F2-b"]
    static let scanners = ["desk-in", "desk-out"]
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    enum Input: Sendable {
        case reading(sensor: String, at: Date, celsius: Double)
        case scan(scanner: String, code: String, at: Date)
    }

    struct Rig {
        let dir: TempDir
        let hub: MonitorHub
        let scans: ScanHub
        let ledger: Ledger
    }

    static func rig(_ name: String) throws -> Rig {
        let dir = TempDir(name)
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        let config = try ConfigLoader.load(path: dir.write("coldchaind.json5", configText)).get().0
        let ledger = try Ledger(path: config.storage.path)
        let reader = try LedgerReader(path: config.storage.path)
        defer { reader.close() }
        let hub = try MonitorHub(config: config, ledger: ledger, reader: reader, log: Log(collect: { _ in }), now: t0)
        let scans = try ScanHub(config: config, ledger: ledger, monitor: hub, reader: reader, log: Log(collect: { _ in }),
                                calendar: .fixed(hours: 8))
        return Rig(dir: dir, hub: hub, scans: scans, ledger: ledger)
    }

    /// Each thread's inputs: a sensor's readings a minute apart, in runs inside and outside 2–8 °C (excursions and
    /// alarms open and close), or a scanner's codes for six doses (so verdicts depend on which scan came first).
    static func inputs(seed: UInt64, count: Int) -> [[Input]] {
        var rng = Seeded(seed: seed)
        var threads: [[Input]] = []
        for (k, sensor) in sensors.enumerated() {
            var c = 5.0
            threads.append((0..<count).map { i in
                if Int.random(in: 0..<6, using: &rng) == 0 { c = c > 8 ? 5.0 : 11.5 }
                return .reading(sensor: sensor, at: t0.addingTimeInterval(Double(i * 60 + k)), celsius: c + Double(Int.random(in: 0...9, using: &rng)) / 10)
            })
        }
        for (k, scanner) in scanners.enumerated() {
            threads.append((0..<count).map { i in
                let serial = "D\(Int.random(in: 0..<6, using: &rng))"
                return .scan(scanner: scanner, code: "(01)09506000134352(17)301231(10)L1(21)\(serial)", at: t0.addingTimeInterval(Double(i * 60 + 30 + k)))
            })
        }
        return threads
    }

    /// One input into the hub; `wait`: return once it is durable (else queued, as the poller and the scanners do).
    static func feed(_ input: Input, to rig: Rig, wait: Bool) {
        switch input {
        case .reading(let sensor, let at, let c):
            rig.hub.record(sensor: sensor, at: at, temperature: .value(c), humidity: nil, wait: wait)
        case .scan(let scanner, let code, let at):
            if wait { rig.scans.record(scanner: scanner, bytes: Array(code.utf8), at: at) } else { rig.scans.submit(scanner: scanner, bytes: Array(code.utf8), at: at) }
        }
    }

    @Test(arguments: [11, 29, 2026] as [UInt64]) func anyInterleavingIsReproducedByASerialReplayInLedgerOrder(seed: UInt64) async throws {
        print("recorder interleavings, seed \(seed)")
        let threads = Self.inputs(seed: seed, count: 80)
        let live = try Self.rig("cc-recorder-live")
        // Six threads at once: three wait for each input to be durable, three only queue them (as the poller does).
        try await offPool {
            DispatchQueue.concurrentPerform(iterations: threads.count) { k in
                for input in threads[k] { Self.feed(input, to: live, wait: k % 2 == 0) }
            }
            live.hub.commit { _ in [] }  // after everything queued before it
        }
        let recorded = try LedgerReader(path: live.ledger.path).events(after: 0, limit: 1_000_000)
        // Each input's own event comes first in its change, and each thread's inputs keep their order: so the ledger
        // gives the order in which the recorder took the inputs.
        var next = [Int](repeating: 0, count: threads.count)
        var order: [Input] = []
        for e in recorded {
            let owner: Int?
            switch try e.typed() {
            case .reading(let r)?: owner = Self.sensors.firstIndex(of: r.sensor)
            case .scan(let s)?: owner = Self.scanners.firstIndex(of: s.scanner).map { Self.sensors.count + $0 }
            default: owner = nil
            }
            guard let k = owner else { continue }
            order.append(threads[k][next[k]])
            next[k] += 1
        }
        #expect(next == threads.map(\.count), "every input is in the ledger once")
        let replay = try Self.rig("cc-recorder-replay")
        let serial = order
        try await offPool { for input in serial { Self.feed(input, to: replay, wait: true) } }
        let replayed = try LedgerReader(path: replay.ledger.path).events(after: 0, limit: 1_000_000)
        #expect(replayed.count == recorded.count)
        let first = zip(recorded, replayed).first { $0 != $1 }
        #expect(first == nil, "seed \(seed): the first difference: \(String(describing: first))")
        let kinds = Set(recorded.map(\.type))
        #expect(kinds.isSuperset(of: ["excursion.opened", "alarm.opened", "scan"]), "the inputs exercised the rules: \(kinds.sorted())")
        let verdicts = Set(recorded.compactMap { e -> String? in if case .scan(let s)? = try? e.typed() { return s.verdict } else { return nil } })
        #expect(verdicts.count >= 3, "verdicts that depend on order: \(verdicts.sorted())")
    }
}
