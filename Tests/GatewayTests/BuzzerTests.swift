import ColdChain
import Fieldbus
import Foundation
@testable import Gateway
import POSIX
import Testing
import TestSupport

/// The buzzer speaks in patterns: read back from our Modbus server's coil log, with their timing in ranges (a
/// shared machine stretches them; the order and the long-versus-short must hold).
@Suite(.serialized) struct BuzzerTests {
    /// The on and off steps a coil went through after `from` (monotonic), as durations between its writes.
    static func steps(_ probes: Probes, unit: Int, coil: Int, after from: Double) -> [(on: Bool, seconds: Double)] {
        let writes = probes.coilLog.withLock { $0.filter { $0.unit == unit && $0.coil == coil && $0.at >= from } }
        return zip(writes, writes.dropFirst()).map { ($0.on, $1.at - $0.at) }
    }

    @Test func eachVerdictHasItsPatternAndARefusalCutsGapsIntoAnAlarm() async throws {
        let probes = Probes()
        probes.set(1, .celsius(5.0))
        probes.set(2, .celsius(5.0))
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        defer { server.stop() }
        let dir = TempDir("cc-buzzer")
        let desk = try FakeScanner(link: dir.file("desk")), fridgeSide = try FakeScanner(link: dir.file("fridge"))
        // The desk scanner has its own buzzer (coil 4) that chirps on acceptance; the other uses the fridge's alarm
        // output (coil 3).
        let config = pollerConfig(port: server.port).replacingOccurrences(of: "alarm_output: { bus: \"lan\", unit: 9, coil: 3 } } ] }", with: """
            alarm_output: { bus: "lan", unit: 9, coil: 3 } } ],
              scanners: [ { id: "desk", device: "\(dir.file("desk"))", fridge: "F1", mode: "in",
                            output: { bus: "lan", unit: 9, coil: 4, chirp_on_accept: true } },
                          { id: "side", device: "\(dir.file("fridge"))", fridge: "F1", mode: "out" } ] }
            """)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        #expect(try await waitUntil(10) { d.log.all.filter { $0.contains(": reading ") }.count == 2 })

        // Accepted: one chirp of about 100 ms on the desk's buzzer, nothing on the fridge's.
        var t0 = monotonicSeconds()
        desk.type("(01)09506000134352(17)301231(10)L1(21)A1\r")
        #expect(try await waitUntil(10) { Self.steps(probes, unit: 9, coil: 4, after: t0).count == 1 })
        let chirp = Self.steps(probes, unit: 9, coil: 4, after: t0)
        #expect(chirp.count == 1 && chirp[0].on && (0.05...0.6).contains(chirp[0].seconds), "\(chirp)")
        #expect(Self.steps(probes, unit: 9, coil: 3, after: t0).isEmpty)

        // Not in stock (scanned out, never in): short, long: 150 on, 100 off, 600 on.
        try await Task.sleep(nanoseconds: 300_000_000)
        t0 = monotonicSeconds()
        desk.type("CC:MODE:OUT\r(01)09506000134352(21)NOPE\r")
        #expect(try await waitUntil(10) { Self.steps(probes, unit: 9, coil: 4, after: t0).count == 3 })
        let refusal = Self.steps(probes, unit: 9, coil: 4, after: t0)
        #expect(refusal.map(\.on) == [true, false, true], "\(refusal)")
        if refusal.count == 3 {
            #expect((0.08...0.8).contains(refusal[0].seconds) && (0.03...0.6).contains(refusal[1].seconds) && (0.4...1.5).contains(refusal[2].seconds),
                    "\(refusal)")
            #expect(refusal[2].seconds > refusal[0].seconds * 2, "the long beep is long: \(refusal)")
        }
        #expect(try d.events().filter { $0.type == "scan" }.last?.bodyValue["verdict"] == "not_in_stock")

        // An alarm holds the fridge's output on; an unrecognised code on the fridge's scanner (1 s) shows as a
        // gap in it: off for about a second, then on again.
        probes.set(1, .celsius(12.0))
        #expect(try await waitUntil(20) { probes.coilLog.withLock { $0.contains { $0.unit == 9 && $0.coil == 3 && $0.on } } },
                "the alarm's steady signal: \(d.log.all.suffix(10))")
        t0 = monotonicSeconds()
        fridgeSide.type("NOT-A-DOSE\r")
        #expect(try await waitUntil(10) { Self.steps(probes, unit: 9, coil: 3, after: t0).count == 1 })
        try await Task.sleep(nanoseconds: 300_000_000)
        let gap = Self.steps(probes, unit: 9, coil: 3, after: t0)
        let last = probes.coilLog.withLock { $0.last { $0.unit == 9 && $0.coil == 3 } }
        #expect(gap.count == 1 && !gap[0].on && (0.6...2.5).contains(gap[0].seconds), "\(gap)")
        #expect(last?.on == true, "the alarm sounds again after the gap")
        #expect(await d.stop() == 0)
    }

    @Test func aPatternParsesWithinItsBoundsAndSaysWhyNot() {
        #expect(SignalPattern.parse("150 100 600") == .success(SignalPattern(steps: [0.15, 0.1, 0.6])))
        #expect(SignalPattern(steps: [0.15, 0.1, 0.6]).isOn(at: 0.2) == false)
        #expect(SignalPattern(steps: [0.15, 0.1, 0.6]).isOn(at: 0.3) == true)
        #expect(SignalPattern(steps: [0.15, 0.1, 0.6]).isOn(at: 0.9) == nil)
        #expect(SignalPattern(steps: [0.15, 0.1, 0.6]).nextEdge(after: 0.2) == 0.25)
        for bad in ["", "10", "99999", "1.5", "-100", "abc", String(repeating: "100 ", count: 17), "5000 5000 5000"] {
            guard case .failure = SignalPattern.parse(bad) else { Issue.record("'\(bad)' parsed"); continue }
        }
        #expect(SignalClass(verdict: "ok", refused: false) == .accepted)
        #expect(SignalClass(verdict: "held", refused: true) == .expiredOrHeld)
        #expect(SignalClass(verdict: "already_out", refused: true) == .notInStock)
        #expect(SignalClass(verdict: "fefo", refused: true) == .other)
    }
}
