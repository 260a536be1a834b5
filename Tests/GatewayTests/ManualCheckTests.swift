import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

/// `coldchainctl check`: a person's thermometer reading, recorded beside the probe reading nearest to it, and
/// flagged when the two differ by more than 1 °C.
@Suite(.serialized) struct ManualCheckTests {
    @Test func aCheckIsRecordedBesideTheProbeAndADisagreementIsFlagged() async throws {
        let probes = Probes()
        probes.set(1, .celsius(5.0))
        probes.set(2, .celsius(6.0))
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        defer { server.stop() }
        let dir = TempDir("cc-check")
        let d = try InProcessDaemon(dir: dir, configText: pollerConfig(port: server.port))
        try await d.waitReady()
        let socket = ["--socket", d.config.control.socket]
        let polled = try await waitUntil(10) {
            guard case .ok(let fridges) = try await call(d.config.control.socket, ControlRequest(cmd: "fridges")) else { return false }
            return fridges.arrayValue?.first?["sensors"]?.arrayValue?.allSatisfy { $0["c"]?.doubleValue != nil } == true
        }
        #expect(polled)
        func checks() throws -> [InspectionRecorded] {
            try d.events().compactMap { e in if case .inspectionRecorded(let b)? = try e.typed() { return b } else { return nil } }
        }

        // 6.4 °C: sensor B (6.0) is nearest, 0.4 °C apart: agrees.
        let agree = try await offPool { try run("coldchainctl", socket + ["check", "F1", "--temp", "6.4", "--by", "王丽"]) }
        #expect(agree.status == 0, "\(agree.err)")
        #expect(agree.out.contains("agrees with probe B (6.0 °C"), "\(agree.out)")
        // 8.5 °C with a note: 2.5 °C from the nearest probe: flagged, in the record and on screen.
        let differ = try await offPool {
            try run("coldchainctl", socket + ["check", "F1", "--temp", "8.5", "--by", "Li Wei", "--note", "thermometer at the door"])
        }
        #expect(differ.status == 0, "\(differ.err)")
        #expect(differ.out.contains("DIFFERS from probe B (6.0 °C"), "\(differ.out)")
        #expect(differ.out.contains("by 2.5 °C"), "\(differ.out)")

        let recorded = try checks()
        #expect(recorded.count == 2)
        #expect(recorded.map(\.by) == ["王丽", "Li Wei"] && recorded.map(\.probeSensor) == ["B", "B"])
        #expect(recorded.map(\.difference) == [0.4, 2.5] && recorded.map(\.flagged) == [false, true])
        #expect(recorded.map(\.uid) == [Int(getuid()), Int(getuid())] && recorded[1].note == "thermometer at the door")
        #expect(try d.events().last { $0.type == "inspection.recorded" }?.bodyValue["flagged"] == true)

        // Refusals: an unknown fridge (nothing recorded); a name with a control character; a temperature that is not one.
        let unknown = try await offPool { try run("coldchainctl", socket + ["check", "F9", "--temp", "5", "--by", "x"]) }
        #expect(unknown.status != 0 && unknown.err.contains("no fridge 'F9'"), "\(unknown.err)")
        let control = try await offPool { try run("coldchainctl", socket + ["check", "F1", "--temp", "5", "--by", "x\u{1b}[31m"]) }
        #expect(control.status != 0 && control.err.contains("control character"), "\(control.err)")
        for bad in ["hot", "nan", "1e9", "-273"] {
            let r = try await offPool { try run("coldchainctl", socket + ["check", "F1", "--temp", bad, "--by", "x"]) }
            #expect(r.status == 64 && r.err.contains("is not a temperature from -90 to 60"), "\(bad): \(r.err)")
        }
        #expect(try checks().count == 2, "a refused check records nothing")
        #expect(await d.stop() == 0)
    }
}
