import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Storage
import Testing
import TestSupport

/// A scanner on a real pseudo-terminal: the daemon opens the slave through a symlink, the test types on the master.
final class FakeScanner: @unchecked Sendable {
    let link: String
    var master: Int32

    init(link: String) throws {
        self.link = link
        (master, _) = (-1, "")
        try plugIn()
    }

    func plugIn() throws {
        let (m, slave) = try PseudoTerminal.open()
        master = m
        unlink(link)
        _ = try systemCall("symlink") { symlink(slave, link) }
    }

    func unplug() { close(master); master = -1 }

    func type(_ bytes: [UInt8]) {
        let n = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        #expect(n == bytes.count, "the write to the scanner's pty: \(n), errno \(errno)")
    }
    func type(_ s: String) { type(Array(s.utf8)) }
}

func scannerConfig(port: Int, link: String) -> String {
    pollerConfig(port: port).replacingOccurrences(of: "alarm_output: { bus: \"lan\", unit: 9, coil: 3 } } ] }",
        with: "alarm_output: { bus: \"lan\", unit: 9, coil: 3 } } ],\n  scanners: [ { id: \"desk\", device: \"\(link)\", fridge: \"F1\", mode: \"in\", silence: \"1s\" } ] }")
}

/// A daemon reading one scanner on a pty, its fridge's probes served at 5 °C over loopback Modbus; ready once the
/// scanner is being read. The caller stops `server`.
struct ScannerRig {
    let probes = Probes()
    let server: ModbusServer
    let dir: TempDir
    let scanner: FakeScanner
    let daemon: InProcessDaemon

    init(_ name: String) async throws {
        let probes = self.probes
        probes.set(1, .celsius(5.0))
        probes.set(2, .celsius(5.0))
        server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        dir = TempDir(name)
        scanner = try FakeScanner(link: dir.file("scanner"))
        daemon = try InProcessDaemon(dir: dir, configText: scannerConfig(port: server.port, link: dir.file("scanner")))
        try await daemon.waitReady()
        let d = daemon
        #expect(try await waitUntil(5) { d.log.contains("scanner desk: reading") })
    }
}

@Suite(.serialized) struct ScannerTests {
    @Test func scansOnAPtyThroughToAnExposedVerdict() async throws {
        let rig = try await ScannerRig("cc-scan")
        defer { rig.server.stop() }
        let (probes, scanner, d) = (rig.probes, rig.scanner, rig.daemon)
        let sock = d.config.control.socket
        func scans() throws -> [JSONValue] { try d.events().filter { $0.type == "scan" }.map(\.bodyValue) }

        // A code split across writes; two codes in one write; one with no terminator; noise.
        // The two halves are typed from a dispatch thread: a Task.sleep between them could last seconds while
        // blocking tests hold the cooperative pool, and the silence would rightly end the first half as a code.
        try await offPool {
            scanner.type("(01)09506000134352(17)271231")
            usleep(20_000)
            scanner.type("(10)L1(21)A1\r\n")
        }
        scanner.type("(01)09506000134352(17)271231(10)L1(21)A2\r\n(01)09506000134352(17)270630(10)L0(21)A3\n")
        scanner.type([0x00, 0x11, 0x13, 0x0D, 0x0A])
        scanner.type("81234567890123456789")   // no terminator: a second of silence ends it
        // (The split above must arrive within the silence; a busy test machine is given a whole second.)
        let arrived = try await waitUntil(10) { try scans().count == 4 }
        #expect(arrived, "\((try? scans())?.map { $0["code"]?["raw"] ?? .null } ?? []); the daemon's log: \(d.log.all.suffix(30))")
        #expect(try scans().map { $0["verdict"] } == ["ok", "ok", "ok", "ok"])
        #expect(try scans().map { $0["dose"] } == ["gs1:09506000134352/A1", "gs1:09506000134352/A2", "gs1:09506000134352/A3", "cn:81234567890123456789"])

        // A night at 10 °C (here: 4 s past a 2 s delay), then back in range.
        probes.set(1, .celsius(10.0))
        #expect(try await waitUntil(10) { try d.events().contains { $0.type == "excursion.opened" } })
        try await Task.sleep(nanoseconds: 2_000_000_000)
        probes.set(1, .celsius(5.0))
        #expect(try await waitUntil(10) { try d.events().contains { $0.type == "excursion.closed" } })

        // Unplug and replug in mid-stream: the reader reopens the same path.
        scanner.type("(01)0950")
        scanner.unplug()
        #expect(try await waitUntil(5) { d.log.contains("went away") })
        try scanner.plugIn()
        #expect(try await waitUntil(10) { d.log.all.filter { $0.contains("scanner desk: reading") }.count >= 2 })

        scanner.type("CC:MODE:OUT\r")
        scanner.type("(01)09506000134352(21)A1\r")
        #expect(try await waitUntil(5) { try scans().count == 5 })
        let out = try #require(try scans().last)
        #expect(out["verdict"] == "exposed", "\(out)")
        #expect(out["refused"] == true && out["moved"] == false)
        #expect(out["detail"]?["excursions"]?.arrayValue?.first?["id"] == 1)
        #expect(try d.events().contains { $0.type == "scanner.switched" && $0.bodyValue["mode"] == "out" })

        // lookup shows the dose's story; inventory still counts it (a refused scan-out moves nothing).
        guard case .ok(let story) = try await call(sock, ControlRequest(cmd: "lookup", args: ["code": "(01)09506000134352(21)A1"])) else {
            Issue.record("lookup failed"); return
        }
        #expect(story["status"] == "in stock")
        #expect(story["exposures"]?.arrayValue?.first?["excursion"] == 1)
        #expect(story["scans"]?.arrayValue?.map { $0["verdict"] } == ["ok", "exposed"])
        guard case .ok(let inv) = try await call(sock, ControlRequest(cmd: "inventory", args: [:])) else { Issue.record("inventory"); return }
        #expect(inv.arrayValue?.first?["expiry"] == "2027-06-30", "earliest expiry first")
        #expect(inv.arrayValue?.reduce(0) { $0 + ($1["count"]?.intValue ?? 0) } == 4)

        // Discarding it is accepted; scanning it out again then says already_out.
        scanner.type("CC:MODE:DISCARD\r(01)09506000134352(21)A1\rCC:MODE:OUT\r(01)09506000134352(21)A1\r")
        #expect(try await waitUntil(5) { try scans().count == 7 })
        #expect(try scans().suffix(2).map { $0["verdict"] } == ["ok", "already_out"])

        // A hold from the CLI applies to the next verdict.
        guard case .ok(let hold) = try await call(sock, ControlRequest(cmd: "hold", args: ["action": "add", "gtin": "09506000134352", "lot": "L0", "reason": "recall R-17"])) else {
            Issue.record("hold add"); return
        }
        #expect(hold["id"] == 1)
        scanner.type("(01)09506000134352(21)A3\r")
        #expect(try await waitUntil(5) { try scans().count == 8 })
        #expect(try scans().last?["verdict"] == "held")
        #expect(try d.events().last { $0.type == "hold.added" }?.bodyValue["uid"] == .number(Double(getuid())))

        #expect(await d.stop() == 0)
        #expect(try LedgerReader(path: d.config.storage.path).verify().ok)
    }
}
