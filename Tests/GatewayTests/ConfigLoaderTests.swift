import ColdChain
import Foundation
@testable import Gateway
import Glibc
import Testing
import TestSupport

/// A valid configuration that each bad case changes in one place.
let validConfig = """
    {
      gateway: { id: "gw-test-01", site: "Test clinic" },
      storage: { path: "ledger.sqlite" },
      control: { socket: "control.sock" },
      devices_dir: "devices",
      buses: [
        { id: "lan", tcp: { host: "127.0.0.1", port: 1502 }, timeout: "500ms" },
        { id: "rs485", rtu: { device: "/dev/null", baud: 9600 } },
      ],
      fridges: [
        { id: "F1", name: "Fridge 1", alarm: { preset: "gsp" },
          sensors: [ { id: "F1-air", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "60s" } ],
          alarm_output: { bus: "rs485", unit: 9, coil: 0 } },
      ],
      scanners: [ { id: "desk", device: "/dev/null", fridge: "F1", mode: "in" } ],
    }
    """

let genericProfile = """
    { id: "generic-int16-x10", vendor: "any", model: "int16 x10",
      registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } },
      invalid_raw: [-32768, 32767] }
    """

/// Writes a config (and the generic profile) into a fresh folder and loads it.
func loadConfig(_ text: String, profile: String = genericProfile, extra: (TempDir) -> Void = { _ in })
    -> (Result<(GatewayConfig, warnings: [ConfigProblem]), ConfigError>, TempDir)
{
    let dir = TempDir()
    dir.write("devices/generic-int16-x10.json5", profile)
    extra(dir)
    let path = dir.write("coldchaind.json5", text)
    return (ConfigLoader.load(path: path), dir)
}

@Suite struct ConfigLoaderTests {
    @Test func powerAndInputsLoadWithTheirDefaults() throws {
        let text = validConfig.replacingOccurrences(of: #"alarm: { preset: "gsp" }"#, with: #"alarm: { preset: "gsp", door_open_after: false }"#)
            .replacingOccurrences(of: "scanners: [", with: """
                power: { nut: { ups: "fridgeups", user: "monitor", password_file: "nut.pw" }, alarm_after: "1m" },
                inputs: [ { id: "F1-door", bus: "lan", unit: 5, address: 0, kind: "door", fridge: "F1" },
                          { id: "mains", bus: "lan", unit: 5, table: "holding", address: 7, kind: "mains", invert: true, debounce: "0s", poll: "2s" } ],
                scanners: [
                """)
        let (result, dir) = loadConfig(text) { $0.write("nut.pw", "secret\n") }
        let (config, _) = try result.get()
        let nut = try #require(config.power.nut)
        #expect(nut.ups == "fridgeups" && nut.host == "127.0.0.1" && nut.port == 3493 && nut.user == "monitor" && nut.passwordFile == dir.file("nut.pw"))
        #expect(config.power.poll == 5 && config.power.alarmAfter == 60 && nut.source == "ups:fridgeups")
        let (door, mains) = (config.inputs[0], config.inputs[1])
        #expect(config.inputs.count == 2)
        #expect(door.id == "F1-door" && door.unit == 5 && door.table == .discrete && door.kind == .door && door.fridge == "F1" && !door.invert
                && door.debounce == 1 && door.poll == 1)
        #expect(mains.table == .holding && mains.address == 7 && mains.kind == .mains && mains.fridge == nil && mains.invert && mains.debounce == 0
                && mains.poll == 2 && mains.powerSource == "input:mains")
        #expect(config.fridges[0].alarm.doorOpenAfter == nil, "false: no door alarm")
        #expect(try loadConfig(validConfig).0.get().0.fridges[0].alarm.doorOpenAfter == 300, "five minutes by default")
        #expect(try loadConfig(validConfig).0.get().0.power == .standard)
    }

    @Test func validConfigLoads() throws {
        let (result, dir) = loadConfig(validConfig)
        let (config, warnings) = try result.get()
        #expect(config.gateway.id == "gw-test-01")
        #expect(config.storage.path == dir.path + "/ledger.sqlite")   // resolved against the config's folder
        #expect(config.storage.heartbeat == 30)
        #expect(config.buses.map(\.id) == ["lan", "rs485"])
        #expect(config.buses[0].timeout == 0.5)
        #expect(config.fridges[0].alarm == .gsp)
        #expect(config.fridges[0].sensors[0].poll == 60)
        #expect(config.profiles["generic-int16-x10"]?.temperature.scale == 0.1)
        #expect(config.platform == nil)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(config.summary.contains("F1-air: lan unit 1, generic-int16-x10, every 1m"))
    }

    /// Each bad config: the change, then the key path and a fragment of the message the technician must see.
    static let badConfigs: [(String, String, String, String)] = [
        ("unknown key (typo)", #"storage: { path: "ledger.sqlite" },"#, #"storage: { path: "ledger.sqlite", hearbeat: "30s" },"#, "storage.hearbeat: unknown key 'hearbeat' (did you mean 'heartbeat'?)"),
        ("unknown top-level key", #"devices_dir: "devices","#, #"devices_dir: "devices", fridge: [],"#, ": fridge: unknown key 'fridge' (did you mean 'fridges'?)"),
        ("missing required field", #"gateway: { id: "gw-test-01", site: "Test clinic" },"#, #"gateway: { site: "Test clinic" },"#, "gateway.id: required key is missing"),
        ("missing section", #"storage: { path: "ledger.sqlite" },"#, "", ": storage: required key is missing"),
        ("bad duration", #"timeout: "500ms" }"#, #"timeout: "500 millis" }"#, "buses[0].timeout: '500 millis' is not a duration"),
        ("duration out of range", #"poll: "60s""#, #"poll: "2h""#, "fridges[0].sensors[0].poll: 2h is out of range 1s...1h"),
        ("dangling bus reference", #"bus: "lan", unit: 1"#, #"bus: "lna", unit: 1"#, "fridges[0].sensors[0].bus: no bus 'lna' (did you mean 'lan'?)"),
        ("dangling profile reference", #"profile: "generic-int16-x10""#, #"profile: "acme-9000""#, "fridges[0].sensors[0].profile: no device profile 'acme-9000'"),
        ("dangling fridge reference", #"fridge: "F1", mode"#, #"fridge: "F9", mode"#, "scanners[0].fridge: no fridge 'F9'"),
        ("duplicate fridge id", "fridges: [", #"fridges: [ { id: "F1", name: "Again" },"#, "fridges[1].id: duplicate fridge id 'F1' (already used at fridges[0])"),
        ("duplicate bus id", #"{ id: "rs485", rtu"#, #"{ id: "lan", rtu"#, "buses[1].id: duplicate bus id 'lan' (already used at buses[0])"),
        ("port out of range", "port: 1502", "port: 70000", "buses[0].tcp.port: 70000 is out of range 1...65535"),
        ("not a whole number", "unit: 1,", "unit: 1.5,", "fridges[0].sensors[0].unit: expected a whole number, found 1.5"),
        ("wrong type", #"site: "Test clinic""#, "site: 42", "gateway.site: expected a string, found number"),
        ("bad enum", #"mode: "in""#, #"mode: "inn""#, "scanners[0].mode: 'inn' is not one of: in, out, transfer, discard"),
        ("bad preset", #"preset: "gsp""#, #"preset: "gps""#, "fridges[0].alarm.preset: 'gps' is not one of: gsp, who-pqs"),
        ("inverted limits", #"alarm: { preset: "gsp" }"#, "alarm: { low_c: 8, high_c: 2 }", "fridges[0].alarm: low_c 8 must be below high_c 2"),
        ("rtu and tcp", #"tcp: { host: "127.0.0.1", port: 1502 },"#, #"tcp: { host: "127.0.0.1", port: 1502 }, rtu: { device: "/dev/null" },"#, "buses[0]: a bus is either rtu or tcp, not both"),
        ("non-standard baud", "baud: 9600 }", "baud: 9601 }", "buses[1].rtu.baud: 9601 is not a standard baud rate"),
        // 14400 has no termios constant: it was accepted and quietly run at 9600.
        ("14400 on a bus", "baud: 9600 }", "baud: 14400 }", "buses[1].rtu.baud: 14400 is not a standard baud rate"),
        ("14400 on a scanner", #"mode: "in" } ]"#, #"mode: "in", baud: 14400 } ]"#, "scanners[0].baud: 14400 is not a standard baud rate"),
        ("plain http to a remote host", #"scanners: ["#, #"platform: { url: "http://platform.example/api" }, scanners: ["#, "platform.url: plain http is accepted only for a loopback host"),
        ("unreadable token file", #"scanners: ["#, #"platform: { url: "https://platform.example/api", token_file: "/nonexistent/token" }, scanners: ["#, "platform.token_file: cannot read '/nonexistent/token'"),
        ("mqtt in clear to a remote broker", #"scanners: ["#, #"platform: { mqtt: { url: "mqtt://broker.example:1883" } }, scanners: ["#, "platform.mqtt.url: mqtt:// is plain text: only to a loopback broker"),
        ("mqtt url scheme", #"scanners: ["#, #"platform: { mqtt: { url: "http://127.0.0.1:1883" } }, scanners: ["#, "platform.mqtt.url: 'http://127.0.0.1:1883' is not mqtt://HOST:PORT"),
        ("mqtt port", #"scanners: ["#, #"platform: { mqtt: { url: "mqtts://broker.example:70000" } }, scanners: ["#, "platform.mqtt.url: the port of 'mqtts://broker.example:70000' is not 1 to 65535"),
        ("mqtt user in the url", #"scanners: ["#, #"platform: { mqtt: { url: "mqtts://gw:secret@broker.example" } }, scanners: ["#, "platform.mqtt.url: the URL carries a user name or password: give them as username and password_file"),
        ("mqtt topic wildcard", #"scanners: ["#, #"platform: { mqtt: { url: "mqtt://127.0.0.1", topic_prefix: "a/#" } }, scanners: ["#, "platform.mqtt.topic_prefix: a topic prefix has no '+', '#'"),
        ("mqtt and http both", #"scanners: ["#, #"platform: { url: "https://p.example", mqtt: { url: "mqtt://127.0.0.1" } }, scanners: ["#, "platform.url: give url (HTTP) or mqtt, not both"),
        ("mqtt format unknown", #"scanners: ["#, #"platform: { mqtt: { url: "mqtt://127.0.0.1", format: "alink" } }, scanners: ["#, "platform.mqtt.format:"),
        ("mqtt unreadable password", #"scanners: ["#, #"platform: { mqtt: { url: "mqtt://127.0.0.1", username: "gw", password_file: "/nonexistent/pw" } }, scanners: ["#, "platform.mqtt.password_file: cannot read '/nonexistent/pw'"),
        ("mqtt qos 2", #"scanners: ["#, #"platform: { mqtt: { url: "mqtt://127.0.0.1", qos: 2 } }, scanners: ["#, "platform.mqtt.qos: 2 is out of range 1...1"),
        ("bad gateway id", #"id: "gw-test-01""#, #"id: "gw test/01""#, "gateway.id: 'gw test/01' may use only letters"),
        ("UPS name with a space", #"scanners: ["#, #"power: { nut: { ups: "fridge ups" } }, scanners: ["#, "power.nut.ups: 'fridge ups' may use only letters"),
        ("NUT password without user", #"scanners: ["#, #"power: { nut: { ups: "u", password_file: "pw" } }, scanners: ["#, "power.nut.password_file: a password needs its user"),
        ("unreadable NUT password", #"scanners: ["#, #"power: { nut: { ups: "u", user: "mon", password_file: "/nonexistent/pw" } }, scanners: ["#, "power.nut.password_file: cannot read '/nonexistent/pw'"),
        ("NUT port out of range", #"scanners: ["#, #"power: { nut: { ups: "u", port: 0 } }, scanners: ["#, "power.nut.port: 0 is out of range 1...65535"),
        ("power alarm delay too long", #"scanners: ["#, #"power: { alarm_after: "2d" }, scanners: ["#, "power.alarm_after: 2d is out of range"),
        ("door without fridge", #"scanners: ["#, #"inputs: [ { id: "d", bus: "lan", address: 0, kind: "door" } ], scanners: ["#, "inputs[0]: a door input needs the fridge"),
        ("input named like a sensor", #"scanners: ["#, #"inputs: [ { id: "F1-air", bus: "lan", address: 0, kind: "mains" } ], scanners: ["#, "inputs[0].id: 'F1-air' is already a sensor's id"),
        ("input on an unknown bus", #"scanners: ["#, #"inputs: [ { id: "d", bus: "can", address: 0, kind: "door", fridge: "F1" } ], scanners: ["#, "inputs[0].bus: no bus 'can'"),
        ("input table", #"scanners: ["#, #"inputs: [ { id: "d", bus: "lan", table: "coils", address: 0, kind: "door", fridge: "F1" } ], scanners: ["#, "inputs[0].table: 'coils' is not one of: discrete, coil, input, holding"),
        ("input address", #"scanners: ["#, #"inputs: [ { id: "d", bus: "lan", address: 65536, kind: "door", fridge: "F1" } ], scanners: ["#, "inputs[0].address: 65536 is out of range 0...65535"),
        ("input kind", #"scanners: ["#, #"inputs: [ { id: "d", bus: "lan", address: 1, kind: "window", fridge: "F1" } ], scanners: ["#, "inputs[0].kind: 'window' is not one of: door, mains"),
        ("duplicate input", #"scanners: ["#, #"inputs: [ { id: "d", bus: "lan", address: 1, kind: "mains" }, { id: "d", bus: "lan", address: 2, kind: "mains" } ], scanners: ["#, "inputs[1].id: duplicate input id 'd'"),
        ("door delay", #"alarm: { preset: "gsp" }"#, #"alarm: { preset: "gsp", door_open_after: "forever" }"#, "fridges[0].alarm.door_open_after: 'forever' is not a duration"),
        ("notify level to an unknown channel", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["dut"] } ], channels: { duty: { type: "wecom", url_file: "u" } } }, scanners: ["#, "notify.levels[0].to[0]: no channel 'dut'"),
        ("notify without channels", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["duty"] } ] }, scanners: ["#, "notify.channels: required key is missing"),
        ("notify levels out of order", #"scanners: ["#, #"notify: { levels: [ { after: "30m", to: ["d"] }, { after: "0s", to: ["d"] } ], channels: { d: { type: "wecom" } } }, scanners: ["#, "notify.levels[1]: levels must be in order of their delay"),
        ("notify channel type", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["d"] } ], channels: { d: { type: "telegram" } } }, scanners: ["#, "notify.channels.d.type: 'telegram' is not one of: wecom, dingtalk, sms, command"),
        ("notify sms without numbers", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["d"] } ], channels: { d: { type: "sms" } } }, scanners: ["#, "notify.channels.d: an sms channel needs numbers"),
        ("notify bad phone", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["d"] } ], channels: { d: { type: "sms", numbers: ["138-0000-0000"] } } }, scanners: ["#, "notify.channels.d.numbers[0]: '138-0000-0000' is not a phone number"),
        ("notify key for another type", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["d"] } ], channels: { d: { type: "wecom", numbers: ["13800000000"] } } }, scanners: ["#, "notify.channels.d.numbers: not used by a wecom channel"),
        ("notify command without alarm_command", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["c"] } ], channels: { c: { type: "command" } } }, scanners: ["#, "notify: channel 'c' runs alarm_command, which is not set"),
        ("notify url file", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["d"] } ], channels: { d: { type: "wecom", url_file: "/nonexistent/u" } } }, scanners: ["#, "notify.channels.d.url_file: cannot read '/nonexistent/u'"),
        ("notify cause", #"scanners: ["#, #"notify: { levels: [ { after: "0s", to: ["d"] } ], causes: { fire: [] }, channels: { d: { type: "wecom" } } }, scanners: ["#, "notify.causes.fire: unknown key 'fire'"),
        ("buzzer pattern step", "coil: 0 } },", #"coil: 0, patterns: { exposed: "600 10 600" } } },"#, "fridges[0].alarm_output.patterns.exposed: '10' is not a whole number of milliseconds from 20 to 5000"),
        ("buzzer pattern too long", "coil: 0 } },", #"coil: 0, patterns: { other: "5000 1000 5000" } } },"#, "fridges[0].alarm_output.patterns.other: lasts 11.0 s; at most 10 s"),
        ("buzzer pattern class", "coil: 0 } },", #"coil: 0, patterns: { refused: "100" } } },"#, "fridges[0].alarm_output.patterns.refused: unknown key 'refused'"),
        ("scanner output bus", #"mode: "in" } ]"#, #"mode: "in", output: { bus: "can", coil: 1 } } ]"#, "scanners[0].output.bus: no bus 'can'"),
        ("list expected", #"scanners: [ { id: "desk", device: "/dev/null", fridge: "F1", mode: "in" } ],"#, #"scanners: { id: "desk" },"#, "scanners: expected a list"),
    ]

    @Test(arguments: badConfigs)
    func badConfigIsReportedWithItsKeyPath(name: String, find: String, replace: String, expected: String) throws {
        #expect(validConfig.contains(find), "test case '\(name)' does not apply")
        let text = validConfig.replacingOccurrences(of: find, with: replace)
        let (result, dir) = loadConfig(text)
        guard case .failure(let error) = result else { Issue.record("\(name): accepted"); return }
        let lines = error.problems.map(\.description)
        let file = dir.file("coldchaind.json5")
        #expect(lines.contains { $0.hasPrefix(file + ": ") && $0.contains(expected) }, "\(name): \(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix(file) }, "every problem names the file")
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let text = validConfig
            .replacingOccurrences(of: "port: 1502", with: "port: 0")
            .replacingOccurrences(of: #"mode: "in""#, with: #"mode: "sideways""#)
            .replacingOccurrences(of: #"poll: "60s""#, with: #"poll: "soon""#)
        let (result, _) = loadConfig(text)
        guard case .failure(let e) = result else { Issue.record("accepted"); return }
        let paths = Set(e.problems.filter { !$0.isWarning }.map(\.path))
        #expect(paths == ["buses[0].tcp.port", "scanners[0].mode", "fridges[0].sensors[0].poll"])
    }

    @Test func syntaxErrorHasLineAndColumn() {
        let text = validConfig.replacingOccurrences(of: #"storage: { path: "ledger.sqlite" },"#, with: #"storage: { path: "ledger.sqlite" }"#)
        let (result, dir) = loadConfig(text)
        guard case .failure(let e) = result else { Issue.record("accepted"); return }
        #expect(e.problems.count == 1)
        #expect(e.problems[0].description == dir.file("coldchaind.json5") + ":4: 3: expected ',' or '}' after a value, found 'c'"
                || e.problems[0].description.hasPrefix(dir.file("coldchaind.json5") + ":4:3: expected ',' or '}'"), "\(e.problems)")
    }

    @Test(arguments: [
        ("garbage", "\u{7f}ELF\u{1}\u{1}\u{1}binary", "unexpected"),
        ("empty", "", "the file is empty"),
        ("array at top", "[1, 2]", "must hold one JSON5 object"),
        ("NUL byte", "{ gateway: {} }\u{0}junk", "NUL byte"),
    ])
    func garbageIsAClearError(name: String, text: String, fragment: String) {
        let (result, _) = loadConfig(text)
        guard case .failure(let e) = result else { Issue.record("\(name): accepted"); return }
        #expect(e.problems.contains { $0.message.contains(fragment) }, "\(name): \(e.problems)")
    }

    @Test func missingAndUnreadableFiles() throws {
        guard case .failure(let e) = ConfigLoader.load(path: "/nonexistent/coldchaind.json5") else { Issue.record("accepted"); return }
        #expect(e.description == "/nonexistent/coldchaind.json5: no such file")
        let dir = TempDir()
        guard case .failure(let e2) = ConfigLoader.load(path: dir.path) else { Issue.record("accepted"); return }
        #expect(e2.description.contains("is a folder, not a file"))
        if getuid() != 0 {  // root reads any file; the mode test means something only for the daemon's own user
            let p = dir.write("secret.json5", validConfig)
            chmod(p, 0)
            guard case .failure(let e3) = ConfigLoader.load(path: p) else { Issue.record("accepted"); return }
            #expect(e3.description.contains("cannot read it"))
        }
    }

    @Test func brokenProfileIsReportedInItsOwnFile() throws {
        let profile = genericProfile.replacingOccurrences(of: #"type: "int16""#, with: #"type: "int17""#)
        let (result, dir) = loadConfig(validConfig, profile: profile)
        guard case .failure(let e) = result else { Issue.record("accepted"); return }
        let lines = e.problems.map(\.description)
        #expect(lines == [dir.file("devices/generic-int16-x10.json5") + ": registers.temperature_c.type: 'int17' is not one of: int16, uint16, int32, uint32, float32"], "\(lines)")
    }

    @Test func profileIdMustMatchItsFile() throws {
        let profile = genericProfile.replacingOccurrences(of: #"id: "generic-int16-x10""#, with: #"id: "other""#)
        let (result, _) = loadConfig(validConfig, profile: profile)
        guard case .failure(let e) = result else { Issue.record("accepted"); return }
        #expect(e.problems.contains { $0.path == "id" && $0.message.contains("does not match its file name") })
    }

    @Test func warningsDoNotStopAValidConfig() throws {
        let text = validConfig.replacingOccurrences(of: "/dev/null\", fridge", with: "/dev/serial/by-id/not-plugged-in\", fridge")
        let (result, _) = loadConfig(text)
        let (_, warnings) = try result.get()
        #expect(warnings.contains { $0.path == "scanners[0].device" && $0.isWarning && $0.message.contains("not present now") })
    }

    /// The platform's TLS material and proxy: files readable, a key that others can read warned about, a key
    /// without its certificate refused, a proxy that is not a proxy URL refused; the records keys too.
    @Test func platformTLSProxyBackupAndReportKeys() throws {
        let platform = #"platform: { url: "https://platform.example", ca_file: "ca.pem", client_cert: "client.pem", client_key: "client.key", proxy: "http://127.0.0.1:8888" }, scanners: ["#
        let (ok, _) = loadConfig(validConfig.replacingOccurrences(of: "scanners: [", with: platform)) { dir in
            for f in ["ca.pem", "client.pem", "client.key"] { chmod(dir.write(f, "x"), 0o644) }
        }
        let (config, warnings) = try ok.get()
        #expect(config.platform?.caFile?.hasSuffix("/ca.pem") == true && config.platform?.proxy == "http://127.0.0.1:8888")
        #expect(warnings.contains { $0.path == "platform.client_key" && $0.isWarning && $0.message.contains("is readable by everyone (mode 644)") },
                "\(warnings)")
        let bad = #"platform: { url: "https://platform.example", client_key: "k.pem", proxy: "ftp://x" }, scanners: ["#
        let (refused, _) = loadConfig(validConfig.replacingOccurrences(of: "scanners: [", with: bad)) { dir in chmod(dir.write("k.pem", "x"), 0o600) }
        guard case .failure(let e) = refused else { Issue.record("accepted"); return }
        let lines = e.problems.map(\.description).joined(separator: "\n")
        #expect(lines.contains("platform.client_key: a client key needs its certificate (client_cert)"), "\(lines)")
        #expect(lines.contains("platform.proxy: 'ftp://x' is not a proxy URL"), "\(lines)")
        let missing = #"platform: { url: "https://platform.example", ca_file: "missing.pem" }, scanners: ["#
        guard case .failure(let e3) = loadConfig(validConfig.replacingOccurrences(of: "scanners: [", with: missing)).0 else { Issue.record("accepted"); return }
        #expect(e3.problems.contains { $0.path == "platform.ca_file" && $0.message.hasPrefix("cannot read") }, "\(e3.problems)")

        // Backup and report: the backup folder may not be the ledger's own; the two records at least 6 h apart.
        let records = validConfig.replacingOccurrences(of: #"storage: { path: "ledger.sqlite" }"#,
                                                        with: #"storage: { path: "ledger.sqlite", backup: { dir: ".", at: "25:00" } }, report: { am: "09:00", pm: "14:00" }"#)
        let (r, _) = loadConfig(records)
        guard case .failure(let e2) = r else { Issue.record("accepted"); return }
        let l2 = e2.problems.map(\.description).joined(separator: "\n")
        #expect(l2.contains("storage.backup.at: expected a local time of day such as \"08:30\", found '25:00'"), "\(l2)")
        #expect(l2.contains("report: the afternoon record (pm) must be at least 6 h after the morning one (am)"), "\(l2)")
    }

    @Test func presetsAndOverrides() throws {
        let text = validConfig.replacingOccurrences(of: #"alarm: { preset: "gsp" }"#,
                                                    with: #"alarm: { preset: "who-pqs", high_delay: "2h", cumulative: [{ above_c: 8, total: "1h", window: "24h" }] }"#)
        let (result, _) = loadConfig(text)
        let rules = try result.get().0.fridges[0].alarm
        #expect(rules.name == "who-pqs+overrides")
        #expect(rules.high == .init(limitC: 8, inclusive: false, delay: 7200))
        #expect(rules.low == .init(limitC: -0.5, inclusive: true, delay: 3600))
        #expect(rules.cumulative == [.init(aboveC: 8, total: 3600, window: 86400)])
    }

    @Test func shippedConfigsPass() throws {
        let root = packageRoot()
        for name in ["Config/coldchaind.json5", "Config/demo.json5"] {
            let result = ConfigLoader.load(path: root + "/" + name)
            if case .failure(let e) = result { Issue.record("\(name): \(e)") }
        }
        let devices = try FileManager.default.contentsOfDirectory(atPath: root + "/Devices").filter { $0.hasSuffix(".json5") }
        #expect(!devices.isEmpty)
        for d in devices {
            if case .failure(let e) = ConfigFile.loadProfile(file: root + "/Devices/" + d, expectedID: String(d.dropLast(6))) {
                Issue.record("\(d): \(e)")
            }
        }
    }
}
