import ColdChain
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

    static func executableDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : nil
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
            In another terminal, try:
              \(ctl) --socket \(c.control.socket) status
              \(ctl) --socket \(c.control.socket) verify
            Stop with Ctrl-C; run again and the ledger carries on (with a gap event for the time it was down).
            """)
        fflush(nil)
        return c
    }
}
