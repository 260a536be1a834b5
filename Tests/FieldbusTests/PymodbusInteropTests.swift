import ColdChain
import Fieldbus
import Foundation
import Glibc
import Testing
import TestSupport

/// pymodbus (from PyPI, installed into .build/pyvenv by .ci/install-deps) as an independent Modbus peer.
final class PymodbusPeer: @unchecked Sendable {
    let process: Subprocess
    static var python: String { packageRoot() + "/.build/pyvenv/bin/python" }

    init(_ args: [String], dir: TempDir) throws {
        process = try Subprocess(absolute: Self.python, [packageRoot() + "/Tests/Interop/pymodbus_probe.py"] + args, outputDir: dir.path)
        for _ in 0..<200 where !process.stdout.contains("ready") {
            if process.wait(seconds: 0.05) != nil { break }
        }
        guard process.stdout.contains("ready") else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "pymodbus did not start: \(process.stderr)"])
        }
    }

    func kill() { process.signal(SIGKILL); _ = process.wait(seconds: 5) }
}

/// The register map pymodbus_probe.py serves, as profile fields, and what each must decode to.
let interopCases: [(String, DeviceProfile.Field, DeviceProfile.WordOrder, ProbeValue)] = [
    ("int16 x0.1", .init(table: .holding, address: 0, type: .int16, scale: 0.1), .big, .value(-3.5)),
    ("uint16 x0.1", .init(table: .holding, address: 1, type: .uint16, scale: 0.1), .big, .value(45.5)),
    ("offset negatives", .init(table: .holding, address: 2, type: .uint16, scale: 0.1, negativeFrom: 10000), .big, .value(-3.5)),
    ("int32 big", .init(table: .holding, address: 10, type: .int32, scale: 0.001), .big, .value(-4.0)),
    ("uint32 little", .init(table: .holding, address: 12, type: .uint32, scale: 0.01), .little, .value(4.5)),
    ("float32 big", .init(table: .holding, address: 20, type: .float32), .big, .value(4.25)),
    ("float32 little", .init(table: .holding, address: 22, type: .float32), .little, .value(4.25)),
    ("float32 NaN", .init(table: .holding, address: 24, type: .float32), .big, .fault("probe reports NaN (sensor fault)")),
    ("input register", .init(table: .input, address: 1, type: .uint16, scale: 0.1), .big, .value(45.5)),
]

/// Decodes every case, checks exceptions, silence and a changing value through `client`.
func checkPeer(_ client: ModbusClient) throws {
    for (name, field, order, expected) in interopCases {
        let regs = try client.readRegisters(unit: 1, table: field.table, address: field.address, count: field.type.registerCount)
        let got = field.decode(regs, base: field.address, wordOrder: order, invalidRaw: [], validRange: -60...100)
        #expect(got == expected, "\(name): \(regs) → \(got)")
    }
    #expect(throws: ModbusError.exception(code: 4)) { try client.readRegisters(unit: 2, table: .holding, address: 0, count: 1) }
    #expect(throws: ModbusError.timeout) { try client.readRegisters(unit: 3, table: .holding, address: 0, count: 1) }
    usleep(1_600_000)  // unit 3's late answer arrives now; it must not be taken for the next answer
    #expect(try client.readRegisters(unit: 1, table: .holding, address: 1, count: 1) == [455])
    let a = try client.readRegisters(unit: 1, table: .holding, address: 30, count: 1)[0]
    let b = try client.readRegisters(unit: 1, table: .holding, address: 30, count: 1)[0]
    #expect(b > a, "the value changes while served: \(a) then \(b)")
    // An I/O module's door switches (discrete inputs, function 2) across a byte boundary, and its coils (function 1).
    #expect(try client.readBits(unit: 4, coils: false, address: 0, count: 9) == [false, true, true, false, false, false, false, false, true])
    #expect(try client.readBits(unit: 4, coils: false, address: 2, count: 1) == [true])
    #expect(try client.readBits(unit: 4, coils: true, address: 0, count: 3) == [true, false, true])
}

@Suite(.serialized) struct PymodbusInteropTests {
    @Test func tcpDecodingErrorsAndAServerThatDisappears() async throws {
        #expect(access(PymodbusPeer.python, X_OK) == 0, "pymodbus is not installed: run .ci/install-deps")
        let dir = TempDir("cc-pymodbus")
        let port = Int.random(in: 20000...26999)   // below the ephemeral range (32768 up)
        var peer = try PymodbusPeer(["tcp", String(port)], dir: dir)
        let client = try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 0.3)
        try await offPool { try checkPeer(client) }
        peer.kill()
        let gone = try await offPool { () -> ModbusError? in
            do { _ = try client.readRegisters(unit: 1, table: .holding, address: 0, count: 1); return nil } catch { return error as? ModbusError }
        }
        #expect(gone?.needsReconnect == true, "\(String(describing: gone))")
        peer = try PymodbusPeer(["tcp", String(port)], dir: dir)
        #expect(try await offPool { try client.readRegisters(unit: 1, table: .holding, address: 1, count: 1) } == [455])
        peer.kill()
    }

    @Test func rtuOverASocatPtyPair() async throws {
        #expect(access(PymodbusPeer.python, X_OK) == 0, "pymodbus is not installed: run .ci/install-deps")
        let dir = TempDir("cc-rtu")
        let (serverSide, clientSide) = (dir.file("probe-bus"), dir.file("gateway-bus"))
        let socat = try Subprocess(absolute: "/usr/bin/socat", ["pty,raw,echo=0,link=\(serverSide)", "pty,raw,echo=0,link=\(clientSide)"],
                                   outputDir: dir.path)
        poll(100, every: 20_000) { access(clientSide, F_OK) == 0 && access(serverSide, F_OK) == 0 }
        var peer = try PymodbusPeer(["rtu", serverSide], dir: dir)
        let client = try ModbusClient(.rtu(device: clientSide, baud: 9600, parity: .none, dataBits: 8, stopBits: 1), timeout: 0.5)
        try await offPool { try checkPeer(client) }
        // The probe's end goes silent: timeouts, not a dead poller; it answers again once back.
        peer.kill()
        #expect(throws: ModbusError.timeout) { try client.readRegisters(unit: 1, table: .holding, address: 0, count: 1) }
        peer = try PymodbusPeer(["rtu", serverSide], dir: dir)
        #expect(try await offPool { try client.readRegisters(unit: 1, table: .holding, address: 1, count: 1) } == [455])
        peer.kill()
        client.close()
        socat.signal(SIGTERM)
    }
}
