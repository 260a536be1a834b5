import ColdChain
import FoundationEssentials
import Glibc
import POSIX
import Fieldbus
import Storage

/// Reads a configuration file and the device profiles it uses, and validates all of it before anything starts.
public enum ConfigLoader {
    /// The config, or every problem found (syntax errors with line and column, the rest with key paths).
    /// Warnings of a valid config come back beside it.
    public static func load(path: String) -> Result<(GatewayConfig, warnings: [ConfigProblem]), ConfigError> {
        let problems = ConfigProblems(file: path)
        guard let bytes = ConfigFile.read(path, problems: problems, key: "") else { return .failure(ConfigError(problems.list)) }
        guard let root = ConfigFile.parseJSON5(bytes, file: path, problems: problems) else { return .failure(ConfigError(problems.list)) }
        let configDir = path.parentFolder

        let devicesDir = GatewayConfig.devicesDir(in: root, configDir: configDir)
        var profiles: [String: DeviceProfile] = [:]
        var broken = Set<String>()
        var profileProblems: [ConfigProblem] = []
        let referenced = GatewayConfig.referencedProfiles(in: root)
        if !referenced.isEmpty && !ConfigFile.isDirectory(devicesDir) {
            problems.add("devices_dir", "cannot read device profiles: '\(devicesDir)' is not a readable folder")
            broken = referenced  // reported once here, not again at every sensor
        } else {
            for name in referenced.sorted() where GatewayConfig.isProfileName(name) {
                let file = devicesDir + "/" + name + ".json5"
                guard access(file, F_OK) == 0 else { continue }  // reported by decode as an unknown profile
                switch ConfigFile.loadProfile(file: file, expectedID: name) {
                case .success(let p): profiles[name] = p
                case .failure(let e): broken.insert(name); profileProblems += e.problems
                }
            }
        }
        let config = GatewayConfig.decode(root, file: path, configDir: configDir, problems: problems,
                                          profiles: profiles, brokenProfiles: broken)
        var loaded = config
        if let config {
            checkFiles(config, problems: problems)
            if let file = config.catalogueFile { loaded?.catalogue = loadCatalogue(file, problems: problems) }
        }
        let all = profileProblems + problems.list
        guard let loaded, !all.contains(where: { !$0.isWarning }) else { return .failure(ConfigError(all)) }
        return .success((loaded, all))
    }

    /// The catalogue file's products. A file that cannot be read or whose header is wrong is an error (a typo must
    /// not quietly leave every dose nameless); a bad row is a warning naming the row, and the other rows load.
    static func loadCatalogue(_ file: String, problems: ConfigProblems) -> Catalogue {
        let bytes: [UInt8]
        do {
            guard let read = try readRegularFile(file, limit: Catalogue.maxBytes) else {
                problems.add("catalogue", "'\(file)' is larger than \(Catalogue.maxBytes >> 20) MiB; a catalogue holds at most \(Catalogue.maxProducts) products")
                return Catalogue()
            }
            bytes = read
        } catch {
            problems.add("catalogue", "cannot read '\(file)': \(error)")
            return Catalogue()
        }
        switch Catalogue.parse(csv: bytes) {
        case .failure(let e):
            problems.add("catalogue", "\(file): \(e.description)")
            return Catalogue()
        case .success(let (catalogue, refusals)):
            for r in refusals.prefix(20) { problems.add("catalogue", "\(file) \(r.description); that product is left out", warning: true) }
            if refusals.count > 20 { problems.add("catalogue", "\(file): \(refusals.count - 20) more rows refused", warning: true) }
            return catalogue
        }
    }

    /// Each file given (key path, path) must be readable; with `exposedBits`, one whose mode has any of them set (a
    /// secret others can read) is warned of in `exposed`'s words.
    static func readable(_ files: [(String, String?)], problems: ConfigProblems, exposedBits: mode_t = 0,
                         exposed: (String, mode_t) -> String = { _, _ in "" }) {
        for (key, path) in files {
            guard let path else { continue }
            guard access(path, R_OK) == 0 else { problems.add(key, "cannot read '\(path)' (\(String(cString: strerror(errno))))"); continue }
            var st = stat()
            if exposedBits != 0, stat(path, &st) == 0, st.st_mode & exposedBits != 0 { problems.add(key, exposed(path, st.st_mode), warning: true) }
        }
    }

    /// Checks what can only be checked on this machine: readable token, executable alarm command, writable state.
    static func checkFiles(_ config: GatewayConfig, problems: ConfigProblems) {
        if let b = config.storage.backup {
            // Where the folder leads is an error; a link, an owner or a planted file is said as the daemon will find it
            // (check-config may run as another user than the service, so those are warnings).
            if let place = BackupTarget.placeProblem(dir: b.dir, ledgerPath: config.storage.path) {
                problems.add("storage.backup.dir", place)
            } else if access(b.dir, F_OK) == 0, let p = BackupTarget.problem(dir: b.dir, name: config.gateway.id, ledgerPath: config.storage.path) {
                problems.add("storage.backup.dir", p, warning: true)
            }
            if let p = BackupTarget.unitProblem(dir: b.dir) { problems.add("storage.backup.dir", p, warning: true) }
        }
        readable([("power.nut.password_file", config.power.nut?.passwordFile)], problems: problems)
        for c in (config.notify?.channels.values.sorted { $0.name < $1.name }) ?? [] {
            readable([("notify.channels.\(c.name).url_file", c.urlFile), ("notify.channels.\(c.name).secret_file", c.secretFile)], problems: problems)
        }
        let p = config.platform
        readable([("platform.token_file", p?.tokenFile), ("platform.ca_file", p?.caFile), ("platform.client_cert", p?.clientCert)], problems: problems)
        readable([("platform.client_key", p?.clientKey)], problems: problems, exposedBits: 0o077) { path, mode in
            "'\(path)' is readable by \(mode & 0o007 != 0 ? "everyone" : "its group") (mode \(String(mode & 0o777, radix: 8))): "
                + "chmod 600 it, or give it as the systemd credential platform-client-key"
        }
        // The MQTT broker's files, as the HTTP platform's: a password or key others can read is warned of.
        if let m = p?.mqtt {
            let everyone = { (path: String, mode: mode_t) in "'\(path)' is readable by everyone (mode \(String(mode & 0o777, radix: 8))): chmod 640 it" }
            readable([("platform.mqtt.password_file", m.passwordFile)], problems: problems, exposedBits: 0o007, exposed: everyone)
            readable([("platform.mqtt.ca_file", m.caFile), ("platform.mqtt.client_cert", m.clientCert)], problems: problems)
            readable([("platform.mqtt.client_key", m.clientKey)], problems: problems, exposedBits: 0o007, exposed: everyone)
        }
        if let p = config.platform, let cert = p.clientCert, access(cert, R_OK) == 0, PlatformClient.clientKey(p) == nil, fileSize(at: cert) < 1 << 20,
           !((try? String(contentsOfFile: cert, encoding: .utf8))?.contains("PRIVATE KEY-----") ?? false) {
            // libcurl would look for the key in the certificate's file, find none and fail every request.
            problems.add("platform.client_cert", "no key for it: set platform.client_key, put the key in the same file, or give it as the systemd "
                         + "credential platform-client-key (not visible here: CREDENTIALS_DIRECTORY is only set for the service)", warning: true)
        }
        if let group = config.control.group, (try? Groups.id(named: group)) == nil {
            problems.add("control.group", "no group '\(group)' on this machine: the daemon will refuse to start until it exists (systemd/coldchaind.sysusers creates it)", warning: true)
        }
        if let cmd = config.alarmCommand, access(cmd, X_OK) != 0 {
            problems.add("alarm_command", "'\(cmd)' is not an executable file (\(String(cString: strerror(errno))))")
        }
        let ledgerDir = config.storage.path.parentFolder
        if !ledgerDir.isEmpty && !ConfigFile.isDirectory(ledgerDir) {
            problems.add("storage.path", "folder '\(ledgerDir)' does not exist (systemd's StateDirectory= creates /var/lib/coldchaind)", warning: true)
        }
        // A device that is there but refused (the unit's device policy, a missing group) is said as such, not as absent.
        // Presence by stat(2), not access(2): the kernel asks the unit's device filter even for access(F_OK), and a
        // blocked node answered EPERM, which read as "not present now" under systemd.
        func checkDevice(_ key: String, _ path: String) {
            var st = stat()
            if stat(path, &st) != 0 {
                problems.add(key, "'\(path)' is not present now; it will be opened when it appears", warning: true)
            } else if let refused = DeviceAccess.problem(path) {
                problems.add(key, "'\(path)' is present but cannot be opened: \(refused)", warning: true)
            }
        }
        for (i, s) in config.scanners.enumerated() { checkDevice("scanners[\(i)].device", s.device) }
        for (i, b) in config.buses.enumerated() {
            if case .rtu(let device, _, _, _, _) = b.transport { checkDevice("buses[\(i)].rtu.device", device) }
        }
    }
}

extension GatewayConfig {
    /// A profile name that is safe to use as a file name under devices_dir.
    static func isProfileName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && !s.contains("/") && s.utf8.count <= 100
    }
}
