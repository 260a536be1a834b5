import ColdChain
import Gateway
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// `coldchaind`'s command line: `--config FILE`, `--check-config`, `--demo [--state-dir DIR]`.
public enum DaemonCommand {
    public static let usage = """
        usage: coldchaind [--config FILE] [--check-config] [--log-level LEVEL]
               coldchaind --demo [--state-dir DIR]
          --config FILE     configuration (default \(GatewayConfig.defaultPath))
          --check-config    validate the configuration and the device profiles it uses, print a summary, exit
                            (0 valid, 78 invalid: every problem is printed as FILE: key.path: message)
          --demo            run against simulated fridges on loopback with Config/demo.json5
          --state-dir DIR   with --demo: where the demo's ledger and control socket go (default ./demo-state)
          --log-level L     error, warning, notice, info (default) or debug
          --version         print the version
        """


    struct Options {
        var configPath = GatewayConfig.defaultPath
        var checkOnly = false
        var demo = false
        var stateDir = "demo-state"
        var level = Log.Level.info
    }

    /// Parses `arguments` (without the program name) and runs; returns the exit status. Blocks the calling thread.
    public static func main(_ arguments: [String]) -> Int32 {
        var o = Options()
        var args = arguments[...]
        func value(_ flag: String) -> String? {
            guard let v = args.popFirst() else { printError("\(flag) needs a value\n\(usage)"); return nil }
            return v
        }
        while let a = args.popFirst() {
            switch a {
            case "--config", "-c": guard let v = value(a) else { return ExitStatus.usage.rawValue }; o.configPath = v
            case "--check-config": o.checkOnly = true
            case "--demo": o.demo = true
            case "--state-dir": guard let v = value(a) else { return ExitStatus.usage.rawValue }; o.stateDir = v
            case "--log-level":
                guard let v = value(a) else { return ExitStatus.usage.rawValue }
                let levels: [String: Log.Level] = ["error": .error, "warning": .warning, "notice": .notice, "info": .info, "debug": .debug]
                guard let l = levels[v] else { printError("unknown log level '\(v)'\n\(usage)"); return ExitStatus.usage.rawValue }
                o.level = l
            case "--version": print("coldchaind \(Version.current)"); return ExitStatus.ok.rawValue
            case "--help", "-h": print(usage); return ExitStatus.ok.rawValue
            default: printError("unknown argument '\(a)'\n\(usage)"); return ExitStatus.usage.rawValue
            }
        }
        let log = Log(minimum: o.level)
        // Every write to a peer that may have gone (control clients, the platform) handles EPIPE itself; the
        // default action of SIGPIPE would end the daemon without a word.
        signal(SIGPIPE, SIG_IGN)
        // What the daemon creates (ledger, lock, backups) is for its user and group, as under systemd's UMask=0027.
        umask(0o027)
        if o.demo {
            guard let found = Demo.configPath() else {
                printError("coldchaind --demo: cannot find Config/demo.json5 (run from the source folder, or set COLDCHAIN_DEMO_CONFIG)")
                return ExitStatus.config.rawValue
            }
            o.configPath = found
        }
        let config: GatewayConfig
        switch ConfigLoader.load(path: o.configPath) {
        case .failure(let e):
            guard !o.checkOnly else { printError(e.description); return ExitStatus.config.rawValue }
            // Under systemd each line is an entry at error priority (a bare line would land at info).
            for line in e.description.split(separator: "\n") { log.error(String(line)) }
            log.error("not started: fix the configuration (coldchaind --check-config --config \(o.configPath))")
            return ExitStatus.config.rawValue
        case .success(let (c, warnings)):
            config = c
            for w in warnings {
                if o.checkOnly { printError(w.description) } else { log.warning(w.description) }
            }
        }
        if o.checkOnly {
            print(config.summary)
            return ExitStatus.ok.rawValue
        }
        // What this start runs with, once, at info: `journalctl -u coldchaind -p notice` leaves it out.
        for line in config.summary.split(separator: "\n") { log.info(String(line)) }
        var running = config
        var simulator: ChildProcess?
        if o.demo {
            do {
                running = try Demo.prepare(config, stateDir: o.stateDir)
                simulator = try Demo.startSimulator(running, stateDir: running.storage.path.parentFolder)
            } catch {
                printError("coldchaind --demo: \(error)")
                return ExitStatus.failure.rawValue
            }
        }
        let daemon = GatewayDaemon(config: running, log: log)
        let status = runBlocking { await daemon.run(signals: SignalSequence.make()) }
        simulator?.signal(SIGTERM)
        simulator?.wait()
        return status
    }

    /// Runs async work from a plain thread (the process's main thread) and waits for its result, so nothing of
    /// the daemon is main-actor isolated (see DESIGN.md's pitfalls).
    public static func runBlocking(_ body: @escaping @Sendable () async -> Int32) -> Int32 {
        let result = Mutex<Int32>(0)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let r = await body()
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }
}

func printError(_ s: String) {
    var line = s.hasSuffix("\n") ? s : s + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
