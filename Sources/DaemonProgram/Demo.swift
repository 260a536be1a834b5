import ColdChain
import Gateway
import FoundationEssentials
import Glibc
import POSIX

/// `coldchaind --demo`: the real daemon on Config/demo.json5, with its state in a folder of its own.
enum Demo {
    /// Where Config/demo.json5 is: `$COLDCHAIN_DEMO_CONFIG`, the current folder, beside the source tree the
    /// binary was built in, or the installed copy.
    static func configPath() -> String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["COLDCHAIN_DEMO_CONFIG"] { candidates.append(env) }
        candidates.append("Config/demo.json5")
        if let exe = executableDirectory() {
            candidates.append(exe + "/../../Config/demo.json5")          // .build/debug/coldchaind
            candidates.append(exe + "/../../../Config/demo.json5")       // .build/x86_64-unknown-linux-gnu/debug
            candidates.append(exe + "/../share/coldchaind/demo.json5")   // /usr/bin → /usr/share
        }
        candidates.append("/usr/share/coldchaind/demo.json5")
        return candidates.first { access($0, R_OK) == 0 }
    }

    /// Starts coldchain-sim on the demo's scenario (Config/demo-scenario.json5 beside demo.json5), so the
    /// daemon has fridges to poll. Its output goes to STATE/sim.log.
    static func startSimulator(_ config: GatewayConfig, stateDir: String) throws -> ChildProcess {
        let configDir = config.file.parentFolder
        let scenario = configDir + "/demo-scenario.json5"
        guard let exe = executableDirectory(), access(exe + "/coldchain-sim", X_OK) == 0 else {
            throw Errno("coldchain-sim is not beside coldchaind", code: ENOENT)
        }
        guard access(scenario, R_OK) == 0 else { throw Errno("cannot read \(scenario)", code: ENOENT) }
        var endpoint = "127.0.0.1:15020"
        if let bus = config.buses.first, case .tcp(let host, let port) = bus.transport { endpoint = "\(host):\(port)" }
        let sim = try ChildProcess(path: exe + "/coldchain-sim",
                                   arguments: ["--scenario", scenario, "--devices", config.devicesDir, "--tcp", endpoint],
                                   stdout: stateDir + "/sim.log")
        usleep(300_000)  // let it bind before the daemon's first poll
        print("  simulator  coldchain-sim on \(endpoint) (pid \(sim.pid)), scenario \(scenario)")
        fflush(nil)
        return sim
    }

    /// Points the ledger and the control socket into `stateDir` and tells the user how to reach the daemon.
    static func prepare(_ config: GatewayConfig, stateDir: String) throws -> GatewayConfig {
        if mkdir(stateDir, 0o755) != 0 && errno != EEXIST {
            throw Errno("cannot create \(stateDir)")
        }
        var dir = stateDir
        if !dir.hasPrefix("/") { dir = FileManager.default.currentDirectoryPath + "/" + dir }
        var c = config
        c.storage.path = dir + "/ledger.sqlite"
        c.control.socket = dir + "/control.sock"
        c.control.group = nil
        let ctl = executableDirectory().map { $0 + "/coldchainctl" } ?? "coldchainctl"
        print("""
            coldchain gateway demo — \(c.gateway.site)
              config  \(config.file)
              ledger  \(c.storage.path)
            Fridge 2's door is left open (its door switch says so): it warms past 8 °C and an excursion opens with
            cause "door" and an alarm; after a minute open the door alarm sounds too; the door is shut at about
            three minutes. In another terminal, try:
              \(ctl) --socket \(c.control.socket) status
              \(ctl) --socket \(c.control.socket) watch
              \(ctl) --socket \(c.control.socket) excursions
              \(ctl) --socket \(c.control.socket) ack 1 --by 王丽 --note "door closed, vaccines quarantined"
              \(ctl) --socket \(c.control.socket) readings F2 --since 10m
              \(ctl) --socket \(c.control.socket) verify
            Stop with Ctrl-C; run again and the ledger carries on (with a gap event for the time it was down).
            """)
        fflush(nil)
        return c
    }
}
