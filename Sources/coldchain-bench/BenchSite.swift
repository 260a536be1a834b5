import FoundationEssentials
import Glibc
import POSIX

/// A clinic for the benches that run coldchaind (from this folder) against coldchain-sim over loopback Modbus TCP:
/// its folder with the generic probe profile, the simulator's scenario, fridges of four probes each, and the two
/// processes started. One definition for the daemon, soak and slow-disk benches.
struct BenchSite {
    let dir: String
    let bin: String
    let port: Int

    /// A fresh folder `/tmp/coldchain-NAME-PID` (the caller removes it) with the probe profile; `humidity`: the
    /// profile has a humidity register too (two registers read per poll).
    init(_ name: String, port: Int = 20000 + Int(getpid() % 20000), humidity: Bool = false) {
        bin = executableDirectory() ?? "."
        dir = "/tmp/coldchain-\(name)-\(getpid())"
        self.port = port
        mkdir(dir, 0o755)
        mkdir(dir + "/devices", 0o755)
        let registers = #"temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 }"#
            + (humidity ? #", humidity_pct: { table: "holding", address: 1, type: "uint16", scale: 0.1 }"# : "")
        write("devices/generic-int16-x10.json5", """
            { id: "generic-int16-x10", vendor: "any", model: "int16 x10", invalid_raw: [-32768, 32767],
              registers: { \(registers) } }
            """)
    }

    func write(_ name: String, _ text: String, mode: mode_t = 0o644) {
        _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(text.utf8))
        chmod(dir + "/" + name, mode)
    }

    /// `units` probes of the simulator at a steady 5 °C, with a little noise.
    func steadyScenario(units: Int) {
        write("scenario.json5", "{ units: [" + (1...units).map { "{ unit: \($0), noise_c: 0.2, timeline: [ { at: \"0s\", c: 5 } ] }" }.joined(separator: ",") + "] }")
    }

    /// `count` scanners s0, s1 … on new pseudo-terminals, receiving into F1: the masters to type on (the caller
    /// closes them) and the config's list.
    static func ptyScanners(_ count: Int) throws -> (masters: [Int32], config: String) {
        var masters: [Int32] = []
        var scanners: [String] = []
        for i in 0..<count {
            let (m, slave) = try PseudoTerminal.open()
            masters.append(m)
            scanners.append("{ id: \"s\(i)\", device: \"\(slave)\", fridge: \"F1\", mode: \"in\" }")
        }
        return (masters, scanners.joined(separator: ", "))
    }

    /// Fridges F1, F5, F9 … of four probes S1…SN each, polled every `poll`; `alarm`: each fridge's alarm rules.
    static func fridges(sensors: Int, poll: String, alarm: String? = nil) -> String {
        stride(from: 1, through: sensors, by: 4).map { first in
            "{ id: \"F\(first)\", " + (alarm.map { "alarm: \($0), " } ?? "") + "sensors: ["
                + (first..<min(first + 4, sensors + 1)).map {
                    "{ id: \"S\($0)\", bus: \"lan\", unit: \($0), profile: \"generic-int16-x10\", poll: \"\(poll)\" }"
                }.joined(separator: ",") + "] }"
        }.joined(separator: ",")
    }

    /// The config's bus to the simulator; `gap`: the pause between requests, when not the default.
    func buses(gap: String? = nil) -> String {
        "buses: [ { id: \"lan\", tcp: { host: \"127.0.0.1\", port: \(port) }, timeout: \"500ms\"" + (gap.map { ", gap: \"\($0)\"" } ?? "") + " } ]"
    }

    /// coldchain-sim on `scenario.json5`, given a moment to listen.
    func startSimulator() throws -> ChildProcess {
        let sim = try ChildProcess(path: bin + "/coldchain-sim", arguments: ["--scenario", dir + "/scenario.json5", "--devices", dir + "/devices",
                                                                              "--tcp", "127.0.0.1:\(port)"], stdout: dir + "/sim.log", stderr: dir + "/sim.log")
        usleep(300_000)
        return sim
    }

    /// coldchaind on `coldchaind.json5`, with `environment` added to this process's.
    func startDaemon(environment: [String: String] = [:]) throws -> ChildProcess {
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        return try ChildProcess(path: bin + "/coldchaind", arguments: ["--config", dir + "/coldchaind.json5"],
                                stdout: dir + "/daemon.log", stderr: dir + "/daemon.log", environment: env)
    }
}
