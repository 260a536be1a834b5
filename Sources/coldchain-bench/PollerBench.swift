import CRawBench
import ColdChain
import Dispatch
import Fieldbus
import FoundationEssentials
import Glibc

/// Register reads per second through the poller's transaction path (ModbusClient + profile decode, as a poll runs
/// them) against a loopback libmodbus TCP server, beside a tight libmodbus C loop against the same server in the
/// same run.
enum PollerBench {
    static func run(reads: Int, rounds: Int) -> Int32 {
        let server: ModbusServer
        do {
            server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { _, request in
                if case .readRegisters(_, _, let n) = request { return .registers([UInt16](repeating: 46, count: n)) }
                return .done
            }
            try server.start()
        } catch {
            print("cannot start the loopback server: \(error)")
            return 1
        }
        defer { server.stop() }
        let profile = DeviceProfile(id: "bench", vendor: "any", model: "int16 x10",
                                    manual: nil, temperature: .init(table: .holding, address: 0, type: .int16, scale: 0.1),
                                    humidity: .init(table: .holding, address: 1, type: .uint16, scale: 0.1), invalidRaw: [-32768],
                                    wordOrder: .big, pauseBetweenRequests: 0, oneRequestPerField: false, serial: nil, validRangeC: -40...80)
        print("poller read benchmark: \(reads) reads of 2 holding registers, loopback libmodbus TCP server, \(rounds) rounds")
        print("round   poller reads/s   raw C reads/s   ratio")
        var ratios: [Double] = []
        for round in 1...rounds {
            var error = [CChar](repeating: 0, count: 256)
            let raw = cc_raw_modbus_reads("127.0.0.1", Int32(server.port), 1, Int32(reads), 2, &error)
            guard raw > 0 else { print("raw C loop failed: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"); return 1 }
            let ours: Double
            do { ours = try measure(port: server.port, reads: reads, profile: profile) } catch {
                print("poller path failed: \(error)"); return 1
            }
            ratios.append(ours / raw)
            print("\(round)".padding(8) + String(Int(ours)).padding(17) + String(Int(raw)).padding(16)
                  + String((ours / raw * 100).rounded() / 100))
        }
        let median = ratios.sorted()[ratios.count / 2]
        print("median ratio \((median * 100).rounded() / 100) (goal: at least 0.9)")
        return 0
    }

    static func measure(port: Int, reads: Int, profile: DeviceProfile) throws -> Double {
        let client = try ModbusClient(.tcp(host: "127.0.0.1", port: port), timeout: 0.5)
        try client.connect()
        let read = profile.reads[0]
        var sink = 0.0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<reads {
            let regs = try client.readRegisters(unit: 1, table: read.table, address: read.address, count: read.count)
            if case .value(let c) = profile.decode([regs]).temperature { sink += c }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        precondition(sink > 0)
        return Double(reads) / seconds
    }
}
