/// The validated configuration of one gateway: everything `coldchaind` needs before it starts anything.
public struct GatewayConfig: Sendable {
    public struct Identity: Sendable, Equatable { public var id: String; public var site: String }

    public struct Storage: Sendable, Equatable {
        public var path: String
        /// How often the running daemon records that it is alive; a restart after more than twice this is a gap.
        public var heartbeat: Double
        public var backup: Backup?
    }

    /// The daily backup (GSP appendix 3, 按日备份): a verified copy of the ledger in `dir`, extended each day.
    public struct Backup: Sendable, Equatable {
        public var dir: String
        /// Copies kept after they were replaced by a new full copy (a copy that no longer matches the ledger).
        public var keep: Int
        /// Local time of day it runs, minutes after midnight.
        public var at: Int
        public init(dir: String, keep: Int, at: Int) { self.dir = dir; self.keep = keep; self.at = at }
    }

    /// The temperature record sheet: the local times of its morning and afternoon records, minutes after midnight.
    public struct Report: Sendable, Equatable {
        public var am: Int
        public var pm: Int
        public static let standard = Report(am: 8 * 60 + 30, pm: 16 * 60 + 30)
        /// GSP's two daily records are at least 6 hours apart.
        public static let minimumApart = 6 * 60
    }

    public struct Control: Sendable, Equatable { public var socket: String; public var group: String? }

    public struct Bus: Sendable, Equatable {
        public enum Transport: Sendable, Equatable {
            case rtu(device: String, baud: Int, parity: Parity, dataBits: Int, stopBits: Int)
            case tcp(host: String, port: Int)
        }
        public var id: String
        public var transport: Transport
        public var timeout: Double
        /// Silence kept between two transactions on this bus.
        public var gap: Double
    }

    public struct Sensor: Sendable, Equatable {
        public var id: String
        public var bus: String
        public var unit: Int
        public var profile: String
        public var poll: Double
    }

    /// A coil that drives a buzzer or light: a fridge's alarm output, or a scanner's own (the desk's buzzer).
    public struct AlarmOutput: Sendable, Equatable {
        public var bus: String
        public var unit: Int
        public var coil: Int
        /// Signal a refused scan's pattern, so the nurse hears it.
        public var pulseOnRefusal: Bool
        /// Chirp on an accepted scan (off by default: a fridge's alarm sounder chirping all day is noise; a desk
        /// buzzer the nurse listens to wants it).
        public var chirpOnAccept: Bool = false
        /// The pattern of each class of verdict (`patterns`), the defaults where not given.
        public var patterns: [SignalClass: SignalPattern] = [:]

        public init(bus: String, unit: Int, coil: Int, pulseOnRefusal: Bool, chirpOnAccept: Bool = false, patterns: [SignalClass: SignalPattern] = [:]) {
            self.bus = bus; self.unit = unit; self.coil = coil; self.pulseOnRefusal = pulseOnRefusal; self.chirpOnAccept = chirpOnAccept
            self.patterns = patterns
        }

        /// Which coil: two outputs naming the same one are one buzzer.
        public var key: String { "\(bus)/\(unit)/\(coil)" }

        /// The pattern this output signals for a verdict, or nil when it stays quiet for it.
        public func pattern(for c: SignalClass) -> SignalPattern? {
            if c == .accepted ? !chirpOnAccept : !pulseOnRefusal { return nil }
            return patterns[c] ?? c.defaultPattern
        }
    }

    public struct Fridge: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Make and model, and where it stands: printed on the record sheet for the inspector.
        public var model: String? = nil
        public var location: String? = nil
        public var alarm: AlarmRules
        public var sensors: [Sensor]
        public var alarmOutput: AlarmOutput?
    }

    public struct Scanner: Sendable, Equatable {
        public var id: String
        public var device: String
        public var baud: Int
        public var fridge: String
        public var mode: ScannerMode
        /// Inter-character silence that ends a code, for scanners that send no terminator.
        public var silence: Double
        /// Its own buzzer (at the vaccination desk), signalled instead of the fridge's alarm output.
        public var output: AlarmOutput? = nil
    }

    /// How the uplink writes batches: the native JSON of `POST /v1/events`, or EPCIS 2.0 documents to `/capture`.
    public enum UplinkFormat: String, Sendable, CaseIterable { case native, epcis }

    public struct Platform: Sendable, Equatable {
        public var url: String
        public var format: UplinkFormat
        public var tokenFile: String?
        public var batchEvents: Int
        public var batchBytes: Int
        public var timeout: Double
        public var holdsInterval: Double
        /// A CA (PEM) trusted besides the system's, for a provincial platform's private CA.
        public var caFile: String?
        /// Mutual TLS: the client certificate and key (PEM). The key may instead come as the systemd credential
        /// `platform-client-key`.
        public var clientCert: String?
        public var clientKey: String?
        /// An HTTP(S) or SOCKS proxy; none: libcurl's `https_proxy` / `no_proxy` environment applies.
        public var proxy: String?
        /// The events go to an MQTT broker instead (`platform.mqtt`); then `url` is empty and nothing is sent over HTTP.
        public var mqtt: MQTT?

        /// Where the events go, as status and `gateway.started` say it.
        public var address: String { mqtt.map { "\($0.tls ? "mqtts" : "mqtt")://\($0.host):\($0.port)" } ?? url }
    }

    /// What an MQTT uplink publishes: each event's JSON, EPCIS 2.0 documents, or ThingsBoard's gateway API.
    public enum MQTTFormat: String, Sendable, CaseIterable { case native, epcis, thingsboard }

    /// `platform.mqtt`: a broker (mqtt:// on a loopback address only, as plain HTTP; mqtts:// anywhere), who the
    /// gateway is to it, and where it publishes.
    public struct MQTT: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var tls: Bool
        public var clientID: String
        public var username: String?
        /// The password, read from this file or the systemd credential `platform-mqtt-password`; never logged.
        public var passwordFile: String?
        public var caFile: String?
        public var clientCert: String?
        public var clientKey: String?
        public var topicPrefix: String
        public var format: MQTTFormat
        public var qos: Int
        public var keepalive: Double
        /// QoS 1 messages in flight (published, not yet acknowledged) at most.
        public var inflight: Int

        public init(host: String, port: Int, tls: Bool = false, clientID: String, username: String? = nil, passwordFile: String? = nil,
                    caFile: String? = nil, clientCert: String? = nil, clientKey: String? = nil, topicPrefix: String = "coldchain",
                    format: MQTTFormat = .native, qos: Int = 1, keepalive: Double = 30, inflight: Int = 50) {
            self.host = host; self.port = port; self.tls = tls; self.clientID = clientID; self.username = username
            self.passwordFile = passwordFile; self.caFile = caFile; self.clientCert = clientCert; self.clientKey = clientKey
            self.topicPrefix = topicPrefix; self.format = format; self.qos = qos; self.keepalive = keepalive; self.inflight = inflight
        }

        /// Where each event's message goes: `{prefix}/{gateway}/events` (native), `{prefix}/{gateway}/epcis`, or
        /// ThingsBoard's gateway telemetry topic (events of no fridge go to the gateway device's own).
        public func eventsTopic(gateway: String) -> String {
            switch format {
            case .native: "\(topicPrefix)/\(gateway)/events"
            case .epcis: "\(topicPrefix)/\(gateway)/epcis"
            case .thingsboard: Self.thingsBoardTelemetry
            }
        }
        /// ThingsBoard's gateway API topic for its devices' telemetry.
        public static let thingsBoardTelemetry = "v1/gateway/telemetry"

        /// The retained holds list the gateway subscribes to.
        public func holdsTopic(gateway: String) -> String { "\(topicPrefix)/\(gateway)/holds" }

    }

    /// Mains power from a UPS through NUT's upsd (`power.nut`), and the alarm delay for every power source.
    public struct Power: Sendable, Equatable {
        public struct NUT: Sendable, Equatable {
            public var ups: String
            public var host: String
            public var port: Int
            public var user: String?
            public var passwordFile: String?
            /// The name its events give the source.
            public var source: String { "ups:" + ups }
        }
        public var nut: NUT?
        public var poll: Double
        /// How long mains power may be off before the power alarm (0: at once).
        public var alarmAfter: Double
        /// A UPS's change between mains and battery is reported once it holds (toward battery: read again this long
        /// after it first read so; back to mains: this long without a break). A upsd flapping OL/OB every 2 s gave
        /// 15 alarms and 90 SMS a minute before this.
        public var debounce: Double = 10
        public static let standard = Power(nut: nil, poll: 5, alarmAfter: 0)
    }

    /// A digital input on a Modbus I/O module: a door switch or a mains-present relay.
    public struct Input: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable { case door, mains }
        /// Where the bit is: a discrete input or coil (one bit), or an input or holding register (non-zero is on).
        public enum Table: String, Sendable, CaseIterable { case discrete, coil, input, holding }
        public var id: String
        public var bus: String
        public var unit: Int
        public var table: Table
        public var address: Int
        public var kind: Kind
        /// The fridge a door belongs to (required) or a mains input feeds (nil: every fridge).
        public var fridge: String?
        /// True where the contact reads 0 for open (a door) or on (mains).
        public var invert: Bool
        public var debounce: Double
        public var poll: Double
        /// The name a mains input's power events give it.
        public var powerSource: String { "input:" + id }
    }

    public var file: String
    public var gateway: Identity
    public var storage: Storage
    public var control: Control
    public var devicesDir: String
    public var buses: [Bus]
    public var fridges: [Fridge]
    public var scanners: [Scanner]
    public var platform: Platform?
    public var alarmCommand: String?
    public var profiles: [String: DeviceProfile]
    public var report: Report = .standard
    public var power: Power = .standard
    public var inputs: [Input] = []
    /// Escalation to people through WeChat Work, DingTalk, SMS and the command; nil: alarm_command as before.
    public var notify: NotifyPlan?
    /// When a forward step of the system clock is followed (`clock: { max_step, confirm_after }`).
    public var clock = RecordClock.Policy()
    /// The product catalogue's file (`catalogue`), and what it holds once the loader has read it.
    public var catalogueFile: String?
    public var catalogue = Catalogue()

    public static let defaultPath = "/etc/coldchaind/coldchaind.json5"
    public static let defaultSocket = "/run/coldchaind/control.sock"
    public static let defaultDevicesDir = "/usr/share/coldchaind/devices"
    static let topKeys = ["gateway", "storage", "control", "devices_dir", "buses", "fridges", "scanners", "platform",
                          "alarm_command", "report", "power", "inputs", "notify", "clock", "catalogue"]
}

extension GatewayConfig {
    /// `path` made absolute against the folder of the configuration file.
    public static func resolve(_ path: String, against configDir: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = configDir.isEmpty ? "." : configDir
        return dir.hasSuffix("/") ? dir + path : dir + "/" + path
    }

    /// The `devices_dir` a document names (resolved), so its profiles can be loaded before validation.
    public static func devicesDir(in root: JSONValue, configDir: String) -> String {
        resolve(root["devices_dir"]?.stringValue ?? defaultDevicesDir, against: configDir)
    }

    /// Profile names that sensors refer to.
    public static func referencedProfiles(in root: JSONValue) -> Set<String> {
        var names = Set<String>()
        for f in root["fridges"]?.arrayValue ?? [] {
            for s in f["sensors"]?.arrayValue ?? [] { if let p = s["profile"]?.stringValue { names.insert(p) } }
        }
        return names
    }

    /// Validates a decoded document. `profiles` holds the profiles that loaded; `brokenProfiles` the names whose
    /// files had problems already reported, so a sensor that uses one is not reported twice.
    public static func decode(_ root: JSONValue, file: String, configDir: String, problems: ConfigProblems,
                              profiles: [String: DeviceProfile], brokenProfiles: Set<String> = []) -> GatewayConfig? {
        let node = ConfigNode(value: root, path: "", problems: problems)
        guard let top = node.object(allowed: topKeys) else { return nil }

        var identity: Identity?
        if let g = top.object("gateway", allowed: ["id", "site"]) {
            let id = g.string("id")
            if let id, !isIdentifier(id) { g.child("id")!.problem("'\(id)' may use only letters, digits, '.', '_' and '-' (at most 64)") }
            let site = g.string("site")
            if let id, let site { identity = Identity(id: id, site: site) }
        }
        var storage: Storage?
        if let s = top.object("storage", allowed: ["path", "heartbeat", "backup"]) {
            let path = s.string("path", maxLength: ConfigObject.maxPath)
            let hb = s.duration("heartbeat", in: 1...600, default: 30)
            var backup: Backup?
            if let b = s.object("backup", allowed: ["dir", "keep", "at"], required: false) {
                let dir = b.string("dir", maxLength: ConfigObject.maxPath)
                let keep = b.integer("keep", in: 0...1000, default: 30)
                let at = b.timeOfDay("at", default: 2 * 60 + 30)
                if let dir, let keep, let at { backup = Backup(dir: resolve(dir, against: configDir), keep: keep, at: at) }
                if let dir, let path, resolve(dir, against: configDir) == resolve(path, against: configDir).parentFolder {
                    b.child("dir")!.problem("the backup folder is the ledger's own folder: a backup belongs on another disk (a USB stick, a share)")
                }
            }
            if let path, let hb { storage = Storage(path: resolve(path, against: configDir), heartbeat: hb, backup: backup) }
        }
        var clockPolicy = RecordClock.Policy()
        if let c = top.object("clock", allowed: ["max_step", "confirm_after"], required: false) {
            if let v = c.duration("max_step", in: 60...(366 * 86_400), default: clockPolicy.maxStep) { clockPolicy.maxStep = v }
            if let v = c.duration("confirm_after", in: 1...(7 * 86_400), default: clockPolicy.confirmAfter) { clockPolicy.confirmAfter = v }
            clockPolicy.confirmSynchronised = min(clockPolicy.confirmSynchronised, clockPolicy.confirmAfter)
        }
        var report = Report.standard
        if let r = top.object("report", allowed: ["am", "pm"], required: false) {
            let am = r.timeOfDay("am", default: Report.standard.am), pm = r.timeOfDay("pm", default: Report.standard.pm)
            if let am, let pm {
                if pm - am < Report.minimumApart {
                    r.node.problem("the afternoon record (pm) must be at least 6 h after the morning one (am): GSP asks for two records a day at least 6 h apart")
                } else {
                    report = Report(am: am, pm: pm)
                }
            }
        }
        var control = Control(socket: defaultSocket, group: nil)
        if let c = top.object("control", allowed: ["socket", "group"], required: false) {
            if let s = c.string("socket", required: false) {
                control.socket = resolve(s, against: configDir)
                // sockaddr_un holds 108 bytes with the terminating NUL.
                if control.socket.utf8.count > 107 {
                    c.child("socket")!.problem("'\(control.socket)' is \(control.socket.utf8.count) bytes; a Unix socket path holds at most 107")
                }
            }
            control.group = c.string("group", required: false)
        }
        let devicesDir = resolve(top.string("devices_dir", required: false, maxLength: ConfigObject.maxPath) ?? defaultDevicesDir, against: configDir)

        let buses = decodeBuses(top)
        // References are checked against every id declared, valid or not, so one bad bus is reported once,
        // not again at each sensor that uses it.
        let busIDs = declaredIDs(top, "buses")
        let fridges = decodeFridges(top, busIDs: busIDs, profiles: profiles, brokenProfiles: brokenProfiles, buses: buses)
        let scanners = decodeScanners(top, fridgeIDs: declaredIDs(top, "fridges"), busIDs: busIDs)
        let platform = decodePlatform(top, gatewayID: identity?.id ?? "gateway", configDir: configDir)
        let alarmCommand = top.string("alarm_command", required: false, maxLength: ConfigObject.maxPath).map { resolve($0, against: configDir) }
        let catalogueFile = top.string("catalogue", required: false, maxLength: ConfigObject.maxPath).map { resolve($0, against: configDir) }
        let power = decodePower(top, configDir: configDir)
        let inputs = decodeInputs(top, busIDs: busIDs, fridgeIDs: declaredIDs(top, "fridges"), sensorIDs: Set(fridges.flatMap(\.sensors).map(\.id)))
        let notify = top.object("notify", allowed: NotifyPlan.keys, required: false).flatMap { NotifyPlan.decode($0, configDir: configDir) }
        if let notify, alarmCommand == nil, let c = notify.channels.values.sorted(by: { $0.name < $1.name }).first(where: { $0.kind == .command }) {
            top.child("notify")!.problem("channel '\(c.name)' runs alarm_command, which is not set")
        }

        guard !problems.hasErrors, let identity, let storage, let power else { return nil }
        var used: [String: DeviceProfile] = [:]
        for f in fridges { for s in f.sensors { used[s.profile] = profiles[s.profile] } }
        var config = GatewayConfig(file: file, gateway: identity, storage: storage, control: control, devicesDir: devicesDir,
                                   buses: buses, fridges: fridges, scanners: scanners, platform: platform,
                                   alarmCommand: alarmCommand, profiles: used, report: report, power: power, inputs: inputs, notify: notify)
        config.clock = clockPolicy
        config.catalogueFile = catalogueFile
        return config
    }

    static func declaredIDs(_ top: ConfigObject, _ key: String) -> Set<String> {
        Set((top.fields[key]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
    }

    static func isIdentifier(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    /// Reads an `id` and reports it when it is malformed or already used by a sibling.
    static func uniqueID(_ o: ConfigObject, seen: inout [String: String], what: String) -> String? {
        guard let id = o.string("id") else { return nil }
        if !isIdentifier(id) {
            o.child("id")!.problem("'\(id)' may use only letters, digits, '.', '_' and '-' (at most 64)")
            return nil
        }
        if let first = seen[id] {
            o.child("id")!.problem("duplicate \(what) id '\(id)' (already used at \(first))")
            return nil
        }
        seen[id] = o.node.path
        return id
    }

    static func decodeBuses(_ top: ConfigObject) -> [Bus] {
        var seen: [String: String] = [:]
        var buses: [Bus] = []
        for n in top.array("buses") {
            guard let b = n.object(allowed: ["id", "rtu", "tcp", "timeout", "gap"]) else { continue }
            let id = uniqueID(b, seen: &seen, what: "bus")
            var transport: Bus.Transport?
            switch (b.has("rtu"), b.has("tcp")) {
            case (true, true): b.node.problem("a bus is either rtu or tcp, not both")
            case (false, false): b.node.problem("a bus needs rtu: { device, baud, ... } or tcp: { host, port }")
            case (true, false):
                if let r = b.object("rtu", allowed: ["device", "baud", "parity", "data_bits", "stop_bits"]) {
                    let device = r.string("device", maxLength: ConfigObject.maxPath)
                    let baud = baudRate(r)
                    let parity: Parity? = r.choice("parity", default: Parity.none)
                    let dataBits = r.integer("data_bits", in: 7...8, default: 8)
                    let stopBits = r.integer("stop_bits", in: 1...2, default: 1)
                    if let device, let baud, let parity, let dataBits, let stopBits {
                        transport = .rtu(device: device, baud: baud, parity: parity, dataBits: dataBits, stopBits: stopBits)
                    }
                }
            case (false, true):
                if let t = b.object("tcp", allowed: ["host", "port"]) {
                    let host = t.string("host")
                    let port = t.integer("port", in: 1...65535, default: 502)
                    if let host, let port { transport = .tcp(host: host, port: port) }
                }
            }
            let timeout = b.duration("timeout", in: 0.01...30, default: 0.5)
            let gap = b.duration("gap", in: 0...5, default: 0.02)
            if let id, let transport, let timeout, let gap {
                buses.append(Bus(id: id, transport: transport, timeout: timeout, gap: gap))
            }
        }
        return buses
    }

    /// A serial line's `baud`: one of the rates the serial port can be set to (buses and scanners alike).
    static func baudRate(_ o: ConfigObject) -> Int? {
        guard let baud = o.integer("baud", in: 300...230_400, default: 9600) else { return nil }
        guard SerialBaud.rates.contains(baud) else {
            o.child("baud")!.problem("\(baud) is not a standard baud rate (\(SerialBaud.rates.map(String.init).joined(separator: ", ")))")
            return nil
        }
        return baud
    }

    static func reference(_ o: ConfigObject, _ key: String, to ids: Set<String>, what: String) -> String? {
        guard let ref = o.string(key) else { return nil }
        guard ids.contains(ref) else {
            let hint = closest(to: ref, in: ids.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
            let known = ids.isEmpty ? "none are configured" : "known: \(ids.sorted().joined(separator: ", "))"
            o.child(key)!.problem("no \(what) '\(ref)'\(hint); \(known)")
            return nil
        }
        return ref
    }

    static func decodeFridges(_ top: ConfigObject, busIDs: Set<String>, profiles: [String: DeviceProfile],
                              brokenProfiles: Set<String>, buses: [Bus]) -> [Fridge] {
        var seenFridges: [String: String] = [:]
        var seenSensors: [String: String] = [:]
        var fridges: [Fridge] = []
        for n in top.array("fridges") {
            guard let f = n.object(allowed: ["id", "name", "model", "location", "alarm", "sensors", "alarm_output"]) else { continue }
            let id = uniqueID(f, seen: &seenFridges, what: "fridge")
            let name = f.string("name", required: false) ?? id
            var rules: AlarmRules?
            if let a = f.object("alarm", allowed: AlarmRules.keys, required: false) { rules = AlarmRules.decode(a) }
            else { rules = .gsp }
            var sensors: [Sensor] = []
            let sensorNodes = f.array("sensors")
            if sensorNodes.isEmpty && f.has("sensors") { f.child("sensors")!.warning("this fridge has no sensors: it is not monitored") }
            for sn in sensorNodes {
                guard let s = sn.object(allowed: ["id", "bus", "unit", "profile", "poll"]) else { continue }
                let sid = uniqueID(s, seen: &seenSensors, what: "sensor")
                let bus = reference(s, "bus", to: busIDs, what: "bus")
                let unit = s.integer("unit", in: 0...247, default: 1)
                var profile: String?
                if let p = s.string("profile") {
                    if profiles[p] != nil { profile = p }
                    else if !brokenProfiles.contains(p) {
                        s.child("profile")!.problem("no device profile '\(p)' (looked for \(p).json5 in devices_dir)")
                    }
                }
                let poll = s.duration("poll", in: 1...3600, default: 60)
                if let poll, poll > 60 {
                    s.child("poll")!.warning("GSP appendix 3 art. 5 expects a reading at least every minute")
                }
                if let sid, let bus, let unit, let profile, let poll {
                    sensors.append(Sensor(id: sid, bus: bus, unit: unit, profile: profile, poll: poll))
                    warnSerialMismatch(s, bus: buses.first { $0.id == bus }, profile: profiles[profile]!)
                }
            }
            let output = decodeOutput(f, "alarm_output", busIDs: busIDs)
            if let id, let name, let rules {
                fridges.append(Fridge(id: id, name: name, model: f.string("model", required: false), location: f.string("location", required: false),
                                      alarm: rules, sensors: sensors, alarmOutput: output))
            }
        }
        return fridges
    }

    static func warnSerialMismatch(_ s: ConfigObject, bus: Bus?, profile: DeviceProfile) {
        guard let d = profile.serial, let bus, case .rtu(_, let baud, let parity, let dataBits, let stopBits) = bus.transport else { return }
        var diffs: [String] = []
        if let b = d.baud, b != baud { diffs.append("baud \(b)") }
        if let p = d.parity, p != parity { diffs.append("parity \(p.rawValue)") }
        if let b = d.dataBits, b != dataBits { diffs.append("data_bits \(b)") }
        if let b = d.stopBits, b != stopBits { diffs.append("stop_bits \(b)") }
        if !diffs.isEmpty {
            s.node.warning("bus '\(bus.id)' differs from the factory settings of \(profile.model) (\(diffs.joined(separator: ", "))); fine if the probe was reconfigured")
        }
    }

    /// An output coil and how it signals scans: a fridge's `alarm_output`, a scanner's `output`.
    static func decodeOutput(_ parent: ConfigObject, _ key: String, busIDs: Set<String>) -> AlarmOutput? {
        guard let o = parent.object(key, allowed: ["bus", "unit", "coil", "pulse_on_refusal", "chirp_on_accept", "patterns"], required: false) else {
            return nil
        }
        let bus = reference(o, "bus", to: busIDs, what: "bus")
        let unit = o.integer("unit", in: 0...247, default: 1)
        let coil = o.integer("coil", in: 0...65535, default: 0)
        let pulse = o.bool("pulse_on_refusal", default: true)
        let chirp = o.bool("chirp_on_accept", default: false)
        var patterns: [SignalClass: SignalPattern] = [:]
        if let p = o.object("patterns", allowed: SignalClass.allCases.map(\.rawValue), required: false) {
            for c in SignalClass.allCases {
                guard let text = p.string(c.rawValue, required: false, maxLength: 100), let node = p.child(c.rawValue) else { continue }
                switch SignalPattern.parse(text) {
                case .success(let pattern): patterns[c] = pattern
                case .failure(let e): node.problem(e.message)
                }
            }
        }
        guard let bus, let unit, let coil else { return nil }
        return AlarmOutput(bus: bus, unit: unit, coil: coil, pulseOnRefusal: pulse, chirpOnAccept: chirp, patterns: patterns)
    }

    static func decodeScanners(_ top: ConfigObject, fridgeIDs: Set<String>, busIDs: Set<String>) -> [Scanner] {
        var seen: [String: String] = [:]
        var scanners: [Scanner] = []
        for n in top.array("scanners") {
            guard let s = n.object(allowed: ["id", "device", "baud", "fridge", "mode", "silence", "output"]) else { continue }
            let id = uniqueID(s, seen: &seen, what: "scanner")
            let device = s.string("device", maxLength: ConfigObject.maxPath)
            let baud = baudRate(s)
            let fridge = reference(s, "fridge", to: fridgeIDs, what: "fridge")
            let mode: ScannerMode? = s.choice("mode", default: ScannerMode.in)
            let silence = s.duration("silence", in: 0.005...5, default: 0.05)
            let output = decodeOutput(s, "output", busIDs: busIDs)
            if let id, let device, let baud, let fridge, let mode, let silence {
                scanners.append(Scanner(id: id, device: device, baud: baud, fridge: fridge, mode: mode, silence: silence, output: output))
            }
        }
        return scanners
    }

    static func decodePlatform(_ top: ConfigObject, gatewayID: String, configDir: String) -> Platform? {
        guard let p = top.object("platform", allowed: ["url", "format", "token_file", "batch_events", "batch_bytes",
                                                       "timeout", "holds_interval", "ca_file", "client_cert", "client_key", "proxy", "mqtt"],
                                 required: false) else { return nil }
        if p.has("mqtt") {
            guard let mqtt = decodeMQTT(p, gateway: gatewayID, configDir: configDir) else { return nil }
            if p.has("url") { p.child("url")!.problem("give url (HTTP) or mqtt, not both: the events go to one platform") }
            return Platform(url: "", format: .native, tokenFile: nil, batchEvents: 500, batchBytes: 1 << 20, timeout: 30, holdsInterval: 300,
                            caFile: nil, clientCert: nil, clientKey: nil, proxy: nil, mqtt: mqtt)
        }
        var url = p.string("url", maxLength: 2048)
        if let u = url {
            switch PlatformURL.check(u) {
            case .ok(let normalized): url = normalized
            case .problem(let message): p.child("url")!.problem(message); url = nil
            }
        }
        let format: UplinkFormat? = p.choice("format", default: UplinkFormat.native)
        let token = p.string("token_file", required: false, maxLength: ConfigObject.maxPath).map { resolve($0, against: configDir) }
        let batchEvents = p.integer("batch_events", in: 1...10_000, default: 500)
        let batchBytes = p.integer("batch_bytes", in: 4096...(16 << 20), default: 1 << 20)
        let timeout = p.duration("timeout", in: 1...300, default: 30)
        let holds = p.duration("holds_interval", in: 10...86400, default: 300)
        let file = { (k: String) in p.string(k, required: false, maxLength: ConfigObject.maxPath).map { resolve($0, against: configDir) } }
        let (ca, cert, key) = (file("ca_file"), file("client_cert"), file("client_key"))
        if key != nil && cert == nil { p.child("client_key")!.problem("a client key needs its certificate (client_cert)") }
        let proxy = p.string("proxy", required: false, maxLength: 2048)
        if let proxy, !["http://", "https://", "socks5://", "socks5h://"].contains(where: { proxy.lowercased().hasPrefix($0) }) {
            p.child("proxy")!.problem("'\(proxy.truncated(80))' is not a proxy URL (http://host:port, https://…, socks5://…)")
        }
        guard let url, let format, let batchEvents, let batchBytes, let timeout, let holds else { return nil }
        return Platform(url: url, format: format, tokenFile: token, batchEvents: batchEvents, batchBytes: batchBytes,
                        timeout: timeout, holdsInterval: holds, caFile: ca, clientCert: cert, clientKey: key, proxy: proxy)
    }

    /// `platform.mqtt`, each key checked where it stands (url's scheme, host and port; the topic prefix's characters).
    static func decodeMQTT(_ p: ConfigObject, gateway: String, configDir: String) -> MQTT? {
        guard let m = p.object("mqtt", allowed: ["url", "client_id", "username", "password_file", "ca_file", "client_cert", "client_key",
                                                 "topic_prefix", "format", "qos", "keepalive", "inflight"]) else { return nil }
        let before = m.node.problems.list.count
        var host = "", port = 0, tls = false
        if let url = m.string("url", maxLength: 300) {
            let lower = url.lowercased()
            tls = lower.hasPrefix("mqtts://")
            guard tls || lower.hasPrefix("mqtt://") else {
                m.child("url")!.problem("'\(url.truncated(80).escapedForTerminal)' is not mqtt://HOST:PORT or mqtts://HOST:PORT")
                return nil
            }
            let rest = url.dropFirst(tls ? 8 : 7)
            let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            // Not echoed: it may hold a password.
            guard !authority.contains("@") else {
                m.child("url")!.problem("the URL carries a user name or password: give them as username and password_file (the URL is shown in status and the log)")
                return nil
            }
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                host = String(authority[..<colon])
                port = Int(authority[authority.index(after: colon)...]) ?? -1
            } else {
                host = authority
                port = tls ? 8883 : 1883
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host.isEmpty || host.unicodeScalars.contains(where: { String.needsEscape($0) || $0 == " " }) {
                m.child("url")!.problem("'\(url.truncated(80).escapedForTerminal)' names no host (mqtt://HOST:PORT; no user in the URL: username, password_file)")
            } else if !(1...65535).contains(port) {
                m.child("url")!.problem("the port of '\(url.truncated(80).escapedForTerminal)' is not 1 to 65535")
            } else if !tls && !(host == "localhost" || host == "::1" || host.hasPrefix("127.")) {
                m.child("url")!.problem("mqtt:// is plain text: only to a loopback broker (127.0.0.1); anywhere else use mqtts://")
            }
        }
        let clientID = m.string("client_id", required: false, maxLength: 64) ?? gateway
        let username = m.string("username", required: false, maxLength: 128)
        let file = { (k: String) in m.string(k, required: false, maxLength: ConfigObject.maxPath).map { resolve($0, against: configDir) } }
        let (password, ca, cert, key) = (file("password_file"), file("ca_file"), file("client_cert"), file("client_key"))
        if key != nil && cert == nil { m.child("client_key")!.problem("a client key needs its certificate (client_cert)") }
        if !tls && (ca != nil || cert != nil) { m.node.problem("ca_file and client_cert are for mqtts://") }
        let prefix = m.string("topic_prefix", required: false, maxLength: 64) ?? "coldchain"
        if prefix.isEmpty || prefix.contains(where: { "+#".contains($0) }) || prefix.unicodeScalars.contains(where: { String.needsEscape($0) }) {
            m.child("topic_prefix")!.problem("a topic prefix has no '+', '#' or control characters, and is not empty")
        }
        let format: MQTTFormat? = m.choice("format", default: MQTTFormat.native)
        let qos = m.integer("qos", in: 1...1, default: 1)
        let keepalive = m.duration("keepalive", in: 5...3600, default: 30)
        let inflight = m.integer("inflight", in: 1...1000, default: 50)
        guard m.node.problems.list.count == before, let format, let qos, let keepalive, let inflight, !host.isEmpty else { return nil }
        return MQTT(host: host, port: port, tls: tls, clientID: clientID, username: username, passwordFile: password, caFile: ca,
                    clientCert: cert, clientKey: key, topicPrefix: prefix, format: format, qos: qos, keepalive: keepalive, inflight: inflight)
    }
}

extension GatewayConfig {
    static func decodePower(_ top: ConfigObject, configDir: String) -> Power? {
        guard let p = top.object("power", allowed: ["nut", "poll", "alarm_after", "debounce"], required: false) else {
            return top.has("power") ? nil : .standard
        }
        var nut: Power.NUT?
        var ok = true
        if let n = p.object("nut", allowed: ["ups", "host", "port", "user", "password_file"], required: false) {
            let before = n.node.problems.list.count
            let ups = n.string("ups", maxLength: 64)
            if let ups, !isIdentifier(ups) { n.child("ups")!.problem("'\(ups)' may use only letters, digits, '.', '_' and '-' (at most 64): it is sent to upsd as is") }
            let host = n.string("host", required: false, maxLength: 253) ?? "127.0.0.1"
            if host.contains(where: { $0.isWhitespace || $0.isNewline }) || host.unicodeScalars.contains(where: String.needsEscape) {
                n.child("host")!.problem("'\(host.escapedForTerminal)' is not a host name or address")
            }
            let port = n.integer("port", in: 1...65535, default: 3493)
            let user = n.string("user", required: false, maxLength: 64)
            if let user, user.unicodeScalars.contains(where: { String.needsEscape($0) || $0 == " " }) {
                n.child("user")!.problem("a NUT user name has no spaces or control characters")
            }
            let password = n.string("password_file", required: false, maxLength: ConfigObject.maxPath).map { resolve($0, against: configDir) }
            if password != nil && user == nil { n.child("password_file")!.problem("a password needs its user") }
            if let ups, let port, n.node.problems.list.count == before {
                nut = Power.NUT(ups: ups, host: host, port: port, user: user, passwordFile: password)
            } else { ok = false }
        }
        let poll = p.duration("poll", in: 1...300, default: 5)
        let after = p.duration("alarm_after", in: 0...86400, default: 0)
        let debounce = p.duration("debounce", in: 0...3600, default: 10)
        guard ok, let poll, let after, let debounce else { return nil }
        if nut == nil && !p.has("nut") { p.node.warning("no nut: { ups: ... }: only mains inputs (inputs[].kind \"mains\") report power") }
        var power = Power(nut: nut, poll: poll, alarmAfter: after)
        power.debounce = debounce
        return power
    }

    static func decodeInputs(_ top: ConfigObject, busIDs: Set<String>, fridgeIDs: Set<String>, sensorIDs: Set<String>) -> [Input] {
        var seen: [String: String] = [:]
        var inputs: [Input] = []
        for n in top.array("inputs") {
            guard let o = n.object(allowed: ["id", "bus", "unit", "table", "address", "kind", "fridge", "invert", "debounce", "poll"]) else { continue }
            let id = uniqueID(o, seen: &seen, what: "input")
            if let id, sensorIDs.contains(id) { o.child("id")!.problem("'\(id)' is already a sensor's id: alarms name an input or a sensor by its id, so they must differ") }
            let bus = reference(o, "bus", to: busIDs, what: "bus")
            let unit = o.integer("unit", in: 0...247, default: 1)
            let table: Input.Table? = o.choice("table", default: Input.Table.discrete)
            let address = o.integer("address", in: 0...65535)
            let kind: Input.Kind? = o.choice("kind")
            var fridge: String?
            var fridgeOK = true
            if o.has("fridge") {
                fridge = reference(o, "fridge", to: fridgeIDs, what: "fridge")
                fridgeOK = fridge != nil
            } else if kind == .door {
                o.node.problem("a door input needs the fridge it belongs to (fridge: \"F1\")")
                fridgeOK = false
            }
            let invert = o.bool("invert", default: false)
            let debounce = o.duration("debounce", in: 0...60, default: 1)
            let poll = o.duration("poll", in: 0.1...60, default: 1)
            if let id, let bus, let unit, let table, let address, let kind, fridgeOK, let debounce, let poll {
                inputs.append(Input(id: id, bus: bus, unit: unit, table: table, address: address, kind: kind, fridge: fridge, invert: invert,
                                    debounce: debounce, poll: poll))
            }
        }
        return inputs
    }
}

/// The platform URL rule: `https://` anywhere, `http://` only to a loopback host.
public enum PlatformURL {
    public enum Verdict: Equatable { case ok(String), problem(String) }

    public static func check(_ text: String) -> Verdict {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") { scheme = "https" } else if lower.hasPrefix("http://") { scheme = "http" } else {
            return .problem("'\(text)' is not an http(s) URL")
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var host = String(authority.split(separator: "@").last ?? "")
        if host.hasPrefix("[") { host = String(host.dropFirst().prefix { $0 != "]" }) }
        else if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard let p = Int(port), (1...65535).contains(p) else { return .problem("'\(text)' has a bad port") }
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { return .problem("'\(text)' has no host") }
        if scheme == "http" && !isLoopback(host) {
            return .problem("plain http is accepted only for a loopback host; use https:// for '\(host)'")
        }
        var normalized = text
        while normalized.hasSuffix("/") { normalized.removeLast() }
        return .ok(normalized)
    }

    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

extension String {
    /// The folder part of a path: "/etc/coldchaind" for "/etc/coldchaind/coldchaind.json5", "." for a bare name.
    public var parentFolder: String {
        guard let slash = lastIndex(of: "/") else { return "." }
        return slash == startIndex ? "/" : String(self[..<slash])
    }
}
