import ColdChain
import Fieldbus
import FoundationEssentials

import Glibc
import POSIX
import Synchronization

/// coldchain-sim: fridge probes that follow a scenario, served over Modbus TCP and/or RTU on a pseudo-terminal.
public enum Simulator {
    static let usage = """
        usage: coldchain-sim --scenario FILE [--devices DIR] [--tcp HOST:PORT] [--rtu-pty LINK [--rtu-unit N]] [--verbose]
          --scenario FILE   temperatures over time per unit (see Config/demo-scenario.json5)
          --devices DIR     device profiles (default: Devices beside the scenario's folder)
          --tcp HOST:PORT   serve every unit over Modbus TCP (default 127.0.0.1:15020)
          --rtu-pty LINK    also serve one unit over Modbus RTU on a new pseudo-terminal, linked at LINK
          --rtu-unit N      the unit served on the pty (default: the scenario's first)
        Runs until SIGTERM or SIGINT.
        """

    public static func main(_ args: [String]) -> Int32 {
        var options: [String: String] = [:]
        var verbose = false
        var i = 0
        while i < args.count {
            if args[i] == "--verbose" { verbose = true; i += 1; continue }
            if args[i] == "--help" { print(usage); return 0 }
            if args[i] == "--version" { print("coldchain-sim \(Version.current)"); return 0 }
            guard args[i].hasPrefix("--"), i + 1 < args.count else { fail("bad argument '\(args[i])'\n\(usage)"); return 64 }
            options[args[i]] = args[i + 1]
            i += 2
        }
        guard let scenarioPath = options["--scenario"] else { fail("--scenario is required\n\(usage)"); return 64 }
        let scenarioDir = scenarioPath.parentFolder
        let devices = options["--devices"] ?? scenarioDir + "/../Devices"

        let problems = ConfigProblems(file: scenarioPath)
        guard let bytes = ConfigFile.read(scenarioPath, problems: problems, key: ""),
              let root = ConfigFile.parseJSON5(bytes, file: scenarioPath, problems: problems),
              let scenario = Scenario.decode(ConfigNode(value: root, path: "", problems: problems)) else {
            fail(problems.list.map(\.description).joined(separator: "\n")); return 65
        }
        var profiles: [Int: DeviceProfile] = [:]
        for u in scenario.units {
            switch ConfigFile.loadProfile(file: devices + "/" + u.profile + ".json5", expectedID: u.profile) {
            case .success(let p): profiles[u.unit] = p
            case .failure(let e): fail(e.description); return 65
            }
        }
        let start = Date()
        let served = Mutex(0)
        let (profilesByUnit, isVerbose) = (profiles, verbose)
        let handler: ModbusServer.Handler = { unit, request in
            if case .readBits(_, let address, let count) = request {
                let elapsed = Date().timeIntervalSince(start)
                // The unit's episodes apply to its inputs too: silent is silent, an exception is its answer.
                switch scenario.answer(unit: unit, elapsed: elapsed) {
                case nil, .silent?: return .silence
                case .exception(let code)?: return .exception(code)
                default:
                    served.withLock { $0 += 1 }
                    return .bits((0..<count).map { scenario.bit(unit: unit, address: address + $0, elapsed: elapsed) })
                }
            }
            guard let profile = profilesByUnit[unit], let answer = scenario.answer(unit: unit, elapsed: Date().timeIntervalSince(start)),
                  let noise = scenario.units.first(where: { $0.unit == unit })?.noiseC else { return .silence }
            served.withLock { $0 += 1 }
            if isVerbose { print("unit \(unit): \(request) → \(answer)"); fflush(nil) }
            switch (request, answer) {
            case (.writeCoil, _): return .done
            case (.readBits, _): return .silence   // answered above
            case (_, .silent): return .silence
            case (_, .exception(let code)): return .exception(code)
            case (.readRegisters(let table, let address, let count), _):
                var regs = [UInt16](repeating: 0, count: count)
                let fields = [(profile.temperature, answerValue(answer, noise: noise, humidity: false)),
                              (profile.humidity, answerValue(answer, noise: 0, humidity: true))]
                for (field, value) in fields {
                    guard let field, field.table == table else { continue }
                    let encoded = value.map { field.encode($0, wordOrder: profile.wordOrder) }
                        ?? field.faultRegisters(invalidRaw: profile.invalidRaw, wordOrder: profile.wordOrder)
                    for (k, r) in encoded.enumerated() where field.address + k >= address && field.address + k < address + count {
                        regs[field.address + k - address] = r
                    }
                }
                return .registers(regs)
            }
        }
        var servers: [ModbusServer] = []
        do {
            let tcp = options["--tcp"] ?? "127.0.0.1:15020"
            guard let colon = tcp.lastIndex(of: ":"), let port = Int(tcp[tcp.index(after: colon)...]) else {
                fail("--tcp wants HOST:PORT"); return 64
            }
            let server = try ModbusServer(tcpHost: String(tcp[..<colon]), port: port, handler: handler)
            try server.start()
            servers.append(server)
            print("coldchain-sim: \(scenario.units.count) unit(s) on Modbus TCP \(server.description)")
            if let link = options["--rtu-pty"] {
                let unit = options["--rtu-unit"].flatMap(Int.init) ?? scenario.units[0].unit
                let (master, slave) = try PseudoTerminal.open()
                unlink(link)
                _ = try systemCall("symlink \(link)") { symlink(slave, link) }
                let rtu = try ModbusServer(rtuDescriptor: master, unit: unit, handler: handler)
                try rtu.start()
                servers.append(rtu)
                print("coldchain-sim: unit \(unit) on Modbus RTU at \(link) → \(slave)")
            }
        } catch {
            fail("coldchain-sim: \(error)")
            return 69
        }
        fflush(nil)
        _ = TerminationSignals.wait()
        servers.forEach { $0.stop() }
        if let link = options["--rtu-pty"] { unlink(link) }
        print("coldchain-sim: stopped after \(served.withLock { $0 }) answers")
        return 0
    }

    static func answerValue(_ a: Scenario.Answer, noise: Double, humidity: Bool) -> Double? {
        guard case .value(let c, let h) = a else { return nil }
        if humidity { return h ?? 0 }
        return c + (noise > 0 ? Double.random(in: -noise...noise) : 0)
    }

    static func fail(_ s: String) {
        var line = s + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
