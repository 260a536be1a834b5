import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Storage
import Synchronization
import Testing
import TestSupport

/// What each simulated unit answers; changed by the test while the daemon polls.
final class Probes: Sendable {
    enum Mode: Sendable { case celsius(Double), raw(UInt16), silent, exception(Int) }
    let modes = Mutex<[Int: Mode]>([:])
    let coilWrites = Mutex<[(Int, Int, Bool)]>([])
    /// Every coil write with when it arrived (monotonic seconds): a buzzer's pattern read back.
    let coilLog = Mutex<[(unit: Int, coil: Int, on: Bool, at: Double)]>([])
    let reads = Mutex<[Int: Int]>([:])

    /// Digital inputs (door switches, mains relays) by unit and address; a unit whose mode is silent or an
    /// exception answers bit reads that way too.
    let bits = Mutex<[Int: [Int: Bool]]>([:])
    let bitReads = Mutex(0)
    /// Values served to the next reads of a unit's bit, one per read, before `bits` again: a contact that bounces.
    let bitScript = Mutex<[Int: [Int: [Bool]]]>([:])

    func set(_ unit: Int, _ mode: Mode) { modes.withLock { $0[unit] = mode } }
    func setBit(_ unit: Int, _ address: Int, _ on: Bool) { bits.withLock { $0[unit, default: [:]][address] = on } }

    func handle(_ unit: Int, _ request: ModbusServer.Request) -> ModbusServer.Response {
        switch request {
        case .writeCoil(let address, let on):
            coilWrites.withLock { $0.append((unit, address, on)) }
            coilLog.withLock { $0.append((unit, address, on, monotonicSeconds())) }
            return .done
        case .readBits(_, let address, let count):
            bitReads.withLock { $0 += 1 }
            switch modes.withLock({ $0[unit] }) {
            case .silent?: return .silence
            case .exception(let code)?: return .exception(code)
            default:
                return .bits((0..<count).map { k in
                    if let next = bitScript.withLock({ $0[unit]?[address + k]?.isEmpty == false ? $0[unit]![address + k]!.removeFirst() : nil }) {
                        return next
                    }
                    return bits.withLock { $0[unit]?[address + k] ?? false }
                })
            }
        case .readRegisters(_, _, let count):
            reads.withLock { $0[unit, default: 0] += 1 }
            switch modes.withLock({ $0[unit] }) ?? .silent {
            case .celsius(let c): return .registers([UInt16(bitPattern: Int16((c * 10).rounded()))] + Array(repeating: 450, count: count - 1))
            case .raw(let r): return .registers(Array(repeating: r, count: count))
            case .silent: return .silence
            case .exception(let code): return .exception(code)
            }
        }
    }
}

func pollerConfig(port: Int) -> String {
    """
    { gateway: { id: "gw-poll", site: "Poller test" },
      storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" }, devices_dir: "devices",
      buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: \(port) }, timeout: "200ms", gap: "0ms" } ],
      fridges: [ { id: "F1", name: "Fridge 1", alarm: { preset: "gsp", delay: "2s", comm_loss_after: "10s" },
                   sensors: [ { id: "A", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "1s" },
                              { id: "B", bus: "lan", unit: 2, profile: "generic-int16-x10", poll: "1s" } ],
                   alarm_output: { bus: "lan", unit: 9, coil: 3 } } ] }
    """
}

func waitUntil(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    return try await condition()
}

@Suite(.serialized) struct PollerTests {
    @Test func pollsRecordsBacksOffAndRecovers() async throws {
        let probes = Probes()
        probes.set(1, .celsius(5.0))
        probes.set(2, .silent)
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        let d = try InProcessDaemon(configText: pollerConfig(port: server.port), pollBackOff: 2)
        try await d.waitReady()
        let sock = d.config.control.socket

        // A dead device on the bus: backed off after 3 failures, visible in status; the other keeps its pace.
        #expect(try await waitUntil(10) {
            guard case .ok(let s) = try await call(sock, ControlRequest(cmd: "status")) else { return false }
            return s["buses"]?.arrayValue?.first?["backed_off"] == ["B"]
        })
        // Paced, not hammered: at most one read per second of what actually elapsed (a busy test machine may
        // stretch the sleep), and it keeps being read while unit 2 is dead.
        let before = probes.reads.withLock { $0[1] ?? 0 }
        let started = Date()
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let after = probes.reads.withLock { $0[1] ?? 0 }
        let elapsed = Date().timeIntervalSince(started)
        #expect(after - before >= 1 && Double(after - before) <= elapsed + 1.5, "unit 1: \(after - before) reads in \(elapsed) s at a 1 s poll")

        // It comes back by itself.
        probes.set(2, .celsius(4.0))
        #expect(try await waitUntil(10) { try d.events().contains { $0.type == "reading" && $0.bodyValue["sensor"] == "B" } })
        #expect(d.log.contains("sensor B (unit 2) answers again"))

        // A fault value is a probe fault, not a temperature.
        probes.set(1, .raw(0x7FFF))
        #expect(try await waitUntil(5) { try d.events().contains { $0.type == "probe.fault" && $0.bodyValue["sensor"] == "A" } })
        #expect(try !d.events().contains { $0.type == "reading" && $0.bodyValue["c"] == 3276.7 })

        // Warm: an excursion after the 2 s delay, an alarm, and the alarm output switched on.
        probes.set(1, .celsius(9.5))
        #expect(try await waitUntil(10) { try d.events().contains { $0.type == "alarm.opened" } })
        #expect(try await waitUntil(5) { probes.coilWrites.withLock { $0.contains { $0 == (9, 3, true) } } })

        // The server goes away and comes back on the same port: the link is reopened by itself.
        let port = server.port
        server.stop()
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let revived = try ModbusServer(tcpHost: "127.0.0.1", port: port) { probes.handle($0, $1) }
        try revived.start()
        let count = try d.events().count
        #expect(try await waitUntil(15) { try d.events().count > count + 2 })
        #expect(try await waitUntil(10) { d.log.contains("reopened") }, "\(d.log.all.filter { $0.contains("bus lan") })")
        #expect(await d.stop() == 0)
        revived.stop()
        #expect(try LedgerReader(path: d.config.storage.path).verify().ok)
    }
}

@Suite(.serialized) struct WatchStreamTests {
    @Test func watchStreamsEventsUntilTheClientLeaves() async throws {
        let probes = Probes()
        probes.set(1, .celsius(5.0))
        probes.set(2, .celsius(6.0))
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        let d = try InProcessDaemon(configText: pollerConfig(port: server.port))
        try await d.waitReady()
        let sock = d.config.control.socket
        let lines = try await offPool { () -> [String] in
            let fd = try rawConnect(sock)
            try fd.writeAll("{\"cmd\":\"watch\"}\n")
            let got = try readLines(fd, count: 4)   // the reply, then events as they are recorded
            fd.close()
            return got
        }
        #expect(lines.first.map { ControlReply.parse(Array($0.utf8)) } == .ok(["watching": true]))
        let events = lines.dropFirst().compactMap { try? JSONValue.parse(Data($0.utf8))["event"] }
        #expect(events.count == 3)
        #expect(events.allSatisfy { $0["type"] == "reading" && $0["id"]?.stringValue?.hasPrefix("gw-poll:") == true })
        // The daemon carries on after the watcher left, and later events find no dead listener.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        guard case .ok = try await call(sock, ControlRequest(cmd: "status")) else { Issue.record("status failed after watch"); return }
        #expect(await d.stop() == 0)
        server.stop()
    }
}
