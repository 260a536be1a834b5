import ColdChain
@testable import Fieldbus
import Foundation
import Glibc
import POSIX
import Testing
import TestSupport

/// A TCP-to-RTU converter that mixes up answers, played by Tests/Interop/modbus_misrouting.py (written by hand:
/// libmodbus and pymodbus servers always answer right). libmodbus 3.1.6 does not check the unit id of a TCP answer,
/// so unit 2's temperature was recorded as unit 1's.
@Suite(.serialized) struct ModbusAnswerCheckTests {
    final class Peer: @unchecked Sendable {
        let process: Subprocess
        let port = Int.random(in: 16000...19999)   // below the ephemeral range (32768 up)
        init(_ mode: String, dir: TempDir) throws {
            process = try Subprocess(absolute: "/usr/bin/env", ["python3", packageRoot() + "/Tests/Interop/modbus_misrouting.py", String(port), mode],
                                     outputDir: dir.path)
            poll(1200, every: 50_000) { process.stdout.contains("ready") }
        }
        deinit { process.signal(SIGKILL) }
    }

    /// Runs `body` with a client of a peer in `mode`, off the cooperative pool.
    static func withPeer(_ mode: String, _ body: @escaping @Sendable (ModbusClient) throws -> Void) async throws {
        let dir = TempDir("cc-misroute")
        let peer = try Peer(mode, dir: dir)
        let port = peer.port
        try await offPool { try body(try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 1)) }
        _ = peer
    }

    @Test(arguments: [("wrong-unit", "answer from unit 2 to a request for unit 1"), ("wrong-protocol", "protocol id 1, not Modbus (0)")])
    func aMisaddressedAnswerIsRefused(_ mode: String, _ reason: String) async throws {
        try await Self.withPeer(mode) { c throws in
            #expect(throws: ModbusError.badFrame(reason)) { try c.readRegisters(unit: 1, table: .holding, address: 0, count: 2) }
        }
    }

    /// A late answer for another probe, carrying an earlier transaction id, arrives first: it is dropped and this
    /// request's own answer read.
    @Test func aLateAnswerForAnotherRequestIsSkipped() async throws {
        try await Self.withPeer("stale-first") { c throws in
            for _ in 0..<5 {
                #expect(try c.readRegisters(unit: 1, table: .holding, address: 0, count: 2) == [100, 101])
                #expect(try c.readRegisters(unit: 3, table: .holding, address: 0, count: 1) == [300])
            }
        }
    }

    @Test func rightAnswersStillPass() async throws {
        try await Self.withPeer("right") { c throws in
            #expect(try c.readRegisters(unit: 7, table: .holding, address: 0, count: 3) == [700, 701, 702])
            #expect(throws: ModbusError.exception(code: 1)) { try c.readRegisters(unit: 7, table: .input, address: 0, count: 1) }
        }
    }

    /// A probe that never answers, a 30 s bus timeout, and the daemon stopping: the wait ends at once with
    /// `interrupted`, not after 30 s with `timeout` (the result says which, no clock is read).
    @Test func aWaitForAnAnswerEndsWhenInterrupted() async throws {
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { _, _ in .silence }
        try server.start()
        defer { server.stop() }
        let c = try ModbusClient(.tcp(host: "127.0.0.1", port: server.port), timeout: 30)
        try c.connect()
        // The blocking read waits on a dispatch thread, not on the cooperative pool.
        async let outcome = offPool { () -> ModbusError? in
            do { _ = try c.readRegisters(unit: 1, table: .holding, address: 0, count: 1); return nil } catch let e as ModbusError { return e }
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        c.interrupt()
        #expect(try await outcome == .interrupted)
    }
}
