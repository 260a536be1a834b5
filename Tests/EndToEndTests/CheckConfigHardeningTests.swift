import Foundation
import Glibc
import Testing
import TestSupport

/// `coldchaind --check-config` on numbers and strings no config should hold: a clear problem and exit 78, never a
/// trap (it once exited 132, SIGILL, while formatting its own "out of range" message; 132 is not in the unit's
/// RestartPreventExitStatus, so systemd restarted it for ever).
@Suite struct CheckConfigHardeningTests {
    static func config(_ storage: String, sensor: String = "", gateway: String = #"id: "gw", site: "x""#) -> String {
        """
        { gateway: { \(gateway) }, storage: { path: "l.sqlite", \(storage) }, devices_dir: "\(packageRoot())/Devices",
          buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: 1502 } } ],
          fridges: [ { id: "F1", sensors: [ { id: "s", bus: "lan", profile: "generic-int16-x10"\(sensor) } ] } ] }
        """
    }

    @Test(arguments: [
        (config("heartbeat: 1e308"), "storage.heartbeat: 1e+308s is out of range 1s...10m"),
        (config("heartbeat: \"99999999999999999999s\""), "storage.heartbeat: 1e+20s is out of range 1s...10m"),
        (config("heartbeat: -1e308"), "storage.heartbeat: expected a duration such as \"10s\", found -1e+308"),
        (config("", sensor: ", poll: 1e19"), "fridges[0].sensors[0].poll: 1e+19s is out of range 1s...1h"),
        (config("", sensor: ", unit: 1e19"), "fridges[0].sensors[0].unit: 1e+19 is out of range 0...247"),
        (config("", sensor: ", unit: -1e300"), "fridges[0].sensors[0].unit: -1e+300 is out of range 0...247"),
        (config("heartbeat: \"1e400s\""), "storage.heartbeat: '1e400s' is not a duration"),
        (config("", gateway: "id: \"gw\", site: \"\(String(repeating: "s", count: 1_000_000))\""), "gateway.site: is 1000000 characters long; at most 256"),
        (config("", gateway: "id: \"gw\", site: \"a\\u001b]0;PWNED\\u0007\""), "gateway.site: contains a control character (\\x1b) in 'a\\x1b]0;PWNED\\x07'"),
    ])
    func hugeNumbersAreProblemsNotCrashes(_ text: String, _ expected: String) throws {
        let dir = TempDir("cc-cfg-huge")
        let path = dir.write("c.json5", text)
        let r = try run("coldchaind", ["--check-config", "--config", path])
        #expect(r.status == 78, "exit \(r.status): \(r.err.prefix(300))")
        #expect(r.err.contains("\(path): \(expected)"), "\(r.err.prefix(400))")
        #expect(!r.err.unicodeScalars.contains { $0.value == 0x1b }, "no raw escape reaches the terminal")
    }
}
