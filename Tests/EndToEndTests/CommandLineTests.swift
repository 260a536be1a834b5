import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct CommandLineTests {
    @Test func checkConfigAcceptsTheShippedExample() throws {
        let r = try run("coldchaind", ["--check-config", "--config", packageRoot() + "/Config/coldchaind.json5"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains(": OK"))
        #expect(r.out.contains("fridges   2"))
        #expect(r.out.contains("platform  none: nothing is forwarded"))
        #expect(r.out.split(separator: "\n").count <= 25, "one screen")
    }

    @Test func checkConfigPrintsEveryProblemAndExits78() throws {
        let dir = TempDir("cc-cli")
        let config = dir.write("bad.json5", """
            { gateway: { id: "gw", site: "x", colour: "red" },
              storage: { path: "l.sqlite", heartbeat: "often" }, devices_dir: ".",
              fridges: [ { id: "F1", sensors: [ { id: "s", bus: "nobus", profile: "nothing" } ] } ] }
            """)
        let r = try run("coldchaind", ["--check-config", "--config", config])
        #expect(r.status == 78)
        let lines = r.err.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(config): gateway.colour: unknown key 'colour'"))
        #expect(lines.contains { $0.hasPrefix("\(config): storage.heartbeat: 'often' is not a duration") })
        #expect(lines.contains { $0.hasPrefix("\(config): fridges[0].sensors[0].bus: no bus 'nobus'") })
        #expect(lines.contains { $0.hasPrefix("\(config): fridges[0].sensors[0].profile: no device profile 'nothing'") })
    }

    @Test func syntaxErrorNamesLineAndColumn() throws {
        let dir = TempDir("cc-cli")
        let config = dir.write("bad.json5", "{\n  gateway: { id: \"gw\" site: \"x\" },\n}")
        let r = try run("coldchaind", ["--check-config", "--config", config])
        #expect(r.status == 78)
        #expect(r.err.hasPrefix("\(config):2:23: expected ',' or '}' after a value, found 's'"), "\(r.err)")
    }

    @Test func daemonRefusesABadConfigWithoutStarting() throws {
        let r = try run("coldchaind", ["--config", "/nonexistent.json5"])
        #expect(r.status == 78)
        #expect(r.err.contains("/nonexistent.json5: no such file"))
        #expect(r.err.contains("not started"))
    }

    @Test func usageErrorsExit64() throws {
        #expect(try run("coldchaind", ["--frobnicate"]).status == 64)
        #expect(try run("coldchainctl", []).status == 64)
        #expect(try run("coldchainctl", ["explode"]).status == 64)
        #expect(try run("coldchainctl", ["--socket"]).status == 64)
    }

    @Test func ctlSaysWhichSocketItTriedWhenTheDaemonIsDown() throws {
        let r = try run("coldchainctl", ["--socket", "/tmp/no-such-dir/control.sock", "status"])
        #expect(r.status == 69)
        #expect(r.err.contains("cannot reach coldchaind at /tmp/no-such-dir/control.sock"))
        #expect(r.err.contains("is coldchaind running?"))
        let env = try run("coldchainctl", ["status"], environment: ["COLDCHAIN_SOCKET": "/tmp/other.sock"])
        #expect(env.status == 69 && env.err.contains("/tmp/other.sock"))
        // A socket file nobody listens on: refused, still exit 69.
        let dir = TempDir("cc-cli")
        let stale = dir.file("stale.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: Array(stale.utf8) + [0]) }
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        let refused = try run("coldchainctl", ["--socket", stale, "status"])
        #expect(refused.status == 69 && refused.err.contains("nothing is listening"))
    }
}
