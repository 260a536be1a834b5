import Control
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
        #expect(r.out.contains("storage   about 1.2 MiB a day for 2 sensor(s): 451.1 MiB a year, 2.2 GiB over 5 years"), "\(r.out)")
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

    /// The CLI is a table of argument specs: its usage lists every command the daemon knows, and each command's
    /// arguments are checked against its spec before anything is sent (exit 64 with that command's usage line).
    @Test func everyCommandHasASpecAndItsArgumentsAreCheckedBeforeSending() throws {
        let help = try run("coldchainctl", ["help"])
        #expect(help.status == 0)
        for name in Commands.names where Commands.all.contains(where: { $0.wire.cmd == name && $0.forPeople }) {
            #expect(help.out.contains("\n  \(name)"), "usage lacks \(name)")
        }
        // Every registered command is typed as its words say (the CLI's table is derived from the registry).
        for c in Commands.all where c.forPeople {
            #expect(help.out.contains("\n  " + c.words.joined(separator: " ")), "usage lacks \(c.words)")
        }
        let socket = ["--socket", "/tmp/no-such-dir/control.sock"]
        let cases: [([String], String)] = [
            (["readings"], "coldchainctl: readings FRIDGE [--since 24h]"),
            (["readings", "F1", "F2"], "coldchainctl: readings FRIDGE [--since 24h]"),
            (["readings", "F1", "--since"], "--since needs a value"),
            (["excursions", "--bogus"], "excursions: unknown option '--bogus'"),
            (["hold"], "coldchainctl: hold add|list|remove"),
            (["hold", "remove", "x"], "hold remove ID"),
            (["uplink"], "coldchainctl: uplink retry"),
            (["ack", "1"], "ack needs --note TEXT"),
            (["ack", "1", "--note", "door shut"], "ack needs --by NAME"),
            (["scans", "--limit", "lots"], "limit: 'lots' is not a whole number from 1 to 10000"),
            (["scans", "--limit", "0"], "limit: '0' is not a whole number from 1 to 10000"),
            (["readings", "F1", "--since", "800000d"], "since: 800000d is out of range"),
            (["verify", "--anchor", "12:zz"], "--anchor SEQ:HASH"),
            (["check", "F1", "--by", "x"], "check needs --temp C"),
            (["check", "F1", "--temp", "4"], "check needs --by NAME"),
            (["check", "F1", "--temp", "warm", "--by", "x"], "temp: 'warm' is not a temperature from -90 to 60"),
        ]
        for (args, message) in cases {
            let r = try run("coldchainctl", socket + args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.err)")
            #expect(r.err.contains(message), "\(args): \(r.err)")
        }
        // Well-formed: it gets as far as the socket.
        #expect(try run("coldchainctl", socket + ["scans", "--limit", "5"]).status == 69)
        #expect(try run("coldchainctl", socket + ["hold", "list", "--json"]).status == 69)
    }

    /// The help fits an 80-column terminal (East Asian wide characters counted as two), `help COMMAND` gives one
    /// command's rows, and a usage error gives the command's one usage line, not the whole help (35 lines before).
    @Test func helpFitsEightyColumnsAndAUsageErrorIsItsCommandsLine() throws {
        let help = try run("coldchainctl", ["help"])
        for line in help.out.split(separator: "\n") { #expect(String(line).displayWidth <= 80, "\(line)") }
        let one = try run("coldchainctl", ["help", "receive"])
        #expect(one.status == 0 && one.out.contains("receive import FILE") && one.out.contains("receive close BILL") && !one.out.contains("status  "))
        let r = try run("coldchainctl", ["--socket", "/tmp/no-such-dir/control.sock", "ack", "1"])
        #expect(r.status == 64 && r.err.contains("usage: coldchainctl ack ALARM --by NAME --note TEXT") && r.err.contains("coldchainctl help ack"), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 3, "\(r.err)")
    }

    /// The simulator is its own module: it links neither the daemon's library nor FoundationNetworking.
    /// The platform is reached over libcurl: no executable links FoundationNetworking (it tripled the static daemon).
    @Test func nothingLinksFoundationNetworkingAndTheDaemonLinksLibcurl() throws {
        for name in ["coldchaind", "coldchainctl", "coldchain-bench"] {
            let r = shell("ldd \(binaryPath(name))")
            #expect(r.status == 0 && r.output.contains("libc.so"), "the check reads the real list: \(r.output)")
            #expect(!r.output.contains("FoundationNetworking"), "\(name): \(r.output)")
            if name == "coldchaind" { #expect(r.output.contains("libcurl"), "\(r.output)") }
        }
    }

    @Test func theSimulatorLinksNoNetworking() throws {
        let r = shell("ldd \(binaryPath("coldchain-sim"))")
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("libmodbus"), "the check reads the real list: \(r.output)")
        #expect(!r.output.contains("FoundationNetworking") && !r.output.contains("libcurl"), "\(r.output)")
    }
}
