import ColdChain
import Fieldbus
import Foundation
import Glibc
import Synchronization
import Testing
import TestSupport

/// A server whose units answer as the test says.
func startServer(port: Int = 0, _ handler: @escaping ModbusServer.Handler) throws -> ModbusServer {
    let s = try ModbusServer(tcpHost: "127.0.0.1", port: port, handler: handler)
    try s.start()
    return s
}

@Suite(.serialized) struct ModbusLoopbackTests {
    @Test func readsHoldingAndInputRegistersPerUnit() async throws {
        let server = try startServer { unit, request in
            switch request {
            case .readRegisters(.holding, let a, let n): return .registers((0..<n).map { UInt16(unit * 100 + a + $0) })
            case .readRegisters(.input, let a, let n): return .registers((0..<n).map { UInt16(1000 + a + $0) })
            case .readBits(let coils, let a, let n): return .bits((0..<n).map { (a + $0) % 3 == 0 || coils && unit == 4 })
            case .writeCoil: return .done
            }
        }
        let port = server.port
        // Expectations stay outside offPool: an #expect on a plain dispatch thread belongs to no test, so it would
        // fail the whole run without naming this test.
        let read = try await offPool { () -> [[UInt16]] in
            let c = try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 2)
            let reads = [try c.readRegisters(unit: 1, table: .holding, address: 0, count: 2),
                         try c.readRegisters(unit: 7, table: .holding, address: 10, count: 3),
                         try c.readRegisters(unit: 1, table: .input, address: 5, count: 1)]
            try c.writeCoil(unit: 9, address: 0, on: true)
            // Bits over a byte boundary, discrete inputs (function 2) and coils (function 1).
            let bits = try c.readBits(unit: 1, coils: false, address: 2, count: 10).map { $0 ? UInt16(1) : 0 }
            let coils = try c.readBits(unit: 4, coils: true, address: 0, count: 3).map { $0 ? UInt16(1) : 0 }
            return reads + [bits, coils]
        }
        #expect(read == [[100, 101], [710, 711, 712], [1005], [0, 1, 0, 0, 1, 0, 0, 1, 0, 0], [1, 1, 1]])
        server.stop()
    }

    @Test func exceptionTimeoutAndRefusedAreToldApart() async throws {
        let server = try startServer { unit, _ in unit == 2 ? .exception(2) : unit == 3 ? .silence : .registers([42]) }
        let port = server.port
        // One client throughout: after unit 3's timeout the same link must still answer for unit 1. The timeout is
        // a second so that a loaded machine does not turn the exception or the good read into a timeout too.
        let outcomes = try await offPool { () -> [Result<[UInt16], ModbusError>] in
            let c = try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 1)
            return [2, 3, 1].map { unit in
                Result { try c.readRegisters(unit: unit, table: .holding, address: 0, count: 1) }.mapError { $0 as? ModbusError ?? .other("\($0)") }
            }
        }
        #expect(outcomes == [.failure(.exception(code: 2)), .failure(.timeout), .success([42])], "\(outcomes)")
        server.stop()
        // Up to three tries: the port came from the ephemeral range, and a connect from the same port number to it
        // once connected to itself (TCP simultaneous open), which read as "connection reset" in CI.
        let afterStop = try await offPool { () -> [Result<[UInt16], ModbusError>] in
            var tries: [Result<[UInt16], ModbusError>] = []
            for _ in 0..<3 {
                let c = try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 1)
                tries.append(Result { try c.readRegisters(unit: 1, table: .holding, address: 0, count: 1) }.mapError { $0 as? ModbusError ?? .other("\($0)") })
                if case .failure(.connectionRefused) = tries.last! { break }
            }
            return tries
        }
        guard case .failure(.connectionRefused)? = afterStop.last else { Issue.record("a stopped server: \(afterStop)"); return }
    }

    @Test func lostConnectionIsReportedAndReopened() async throws {
        var server = try startServer { _, _ in .registers([1]) }
        let port = server.port
        // Two seconds, not 0.3: on a loaded CI machine the loopback server once took longer than 0.3 s to answer.
        let c = try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 2)
        #expect(try await offPool { try c.readRegisters(unit: 1, table: .holding, address: 0, count: 1) } == [1])
        server.stop()  // closes the client's connection
        let error = try await offPool { () -> ModbusError? in
            do { _ = try c.readRegisters(unit: 1, table: .holding, address: 0, count: 1); return nil } catch { return error as? ModbusError }
        }
        #expect(error.map { $0.needsReconnect || $0 == .timeout } == true, "\(String(describing: error))")
        server = try startServer(port: port) { _, _ in .registers([2]) }
        #expect(try await offPool { try c.readRegisters(unit: 1, table: .holding, address: 0, count: 1) } == [2])
        server.stop()
    }

    @Test func missingSerialDeviceIsRefused() {
        let c = try? ModbusClient(.rtu(device: "/dev/ttyUSB-not-here", baud: 9600, parity: .none, dataBits: 8, stopBits: 1), timeout: 0.2)
        #expect(throws: ModbusError.self) { try c?.connect() }
    }
}
