import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import Storage

/// `coldchainctl`: the technician's command line over the daemon's control socket.
enum CtlCommand {
    static let usage = """
        usage: coldchainctl [--socket PATH] [--json] COMMAND [ARGS]
          status                  the gateway, its ledger, its fridges and its uplink
          verify                  check the ledger's hash chain; names the first broken event
          verify --ledger FILE    the same on a ledger file directly, without a running daemon
        Socket: --socket PATH, else $COLDCHAIN_SOCKET, else \(defaultSocket).
        Exit status: 0 ok, 1 the command reported a failure, 64 usage, 69 daemon unreachable.
        """
    static let defaultSocket = "/run/coldchaind/control.sock"

    enum Exit {
        static let ok: Int32 = 0, failure: Int32 = 1, usage: Int32 = 64, unavailable: Int32 = 69
    }

    struct Options {
        var socket: String
        var json = false
        var command = ""
        var rest: [String] = []
    }

    static func main(_ arguments: [String]) -> Int32 {
        var o = Options(socket: ProcessInfo.processInfo.environment["COLDCHAIN_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultSocket)
        var args = arguments[...]
        while let a = args.first, a.hasPrefix("-") {
            args.removeFirst()
            switch a {
            case "--socket":
                guard let v = args.popFirst() else { return usageError("--socket needs a path") }
                o.socket = v
            case "--json": o.json = true
            case "--help", "-h": print(usage); return Exit.ok
            case "--version": print("coldchainctl \(Version.current)"); return Exit.ok
            default: return usageError("unknown option '\(a)'")
            }
        }
        guard let command = args.popFirst() else { return usageError("no command given") }
        o.command = command
        // Options may also follow the command (coldchainctl status --json).
        for a in args {
            if a == "--json" { o.json = true } else { o.rest.append(a) }
        }
        switch command {
        case "status": return o.rest.isEmpty ? status(o) : usageError("status takes no arguments")
        case "verify": return verify(o)
        case "help": print(usage); return Exit.ok
        default: return usageError("unknown command '\(command)'")
        }
    }

    static func usageError(_ message: String) -> Int32 {
        printError("coldchainctl: \(message)\n\(usage)")
        return Exit.usage
    }

    /// Sends one request; prints why when the daemon cannot be reached.
    static func call(_ o: Options, _ request: ControlRequest) -> Result<JSONValue, ExitCode> {
        let client: ControlClient
        do {
            client = try ControlClient(path: o.socket)
        } catch let e as Errno {
            var hint: String
            switch e.code {
            case ENOENT: hint = "no socket there: is coldchaind running? (systemctl status coldchaind)"
            case ECONNREFUSED: hint = "nothing is listening: coldchaind is not running (systemctl status coldchaind)"
            case EACCES: hint = "permission denied: add your user to the control group (e.g. coldchain) or use sudo"
            default: hint = e.message
            }
            hint += ". Another socket: --socket PATH or COLDCHAIN_SOCKET."
            printError("coldchainctl: cannot reach coldchaind at \(o.socket): \(hint)")
            return .failure(ExitCode(Exit.unavailable))
        } catch {
            printError("coldchainctl: cannot reach coldchaind at \(o.socket): \(error)")
            return .failure(ExitCode(Exit.unavailable))
        }
        do {
            switch try client.call(request) {
            case .ok(let v): return .success(v)
            case .failure(let f):
                if o.json { print(ControlReply.failure(f).line, terminator: "") }
                else { printError("coldchainctl: \(request.cmd): \(f.message) (\(f.code.rawValue))") }
                return .failure(ExitCode(f.code == .unknownCommand || f.code == .invalidArgument ? Exit.usage : Exit.failure))
            }
        } catch {
            printError("coldchainctl: lost the connection to coldchaind at \(o.socket): \(error)")
            return .failure(ExitCode(Exit.unavailable))
        }
    }

    static func status(_ o: Options) -> Int32 {
        let s: JSONValue
        switch call(o, ControlRequest(cmd: "status")) {
        case .success(let v): s = v
        case .failure(let e): return e.code
        }
        if o.json { print(s.serialized); return Exit.ok }
        let ledger = s["ledger"]
        print("gateway   \(s["gateway"]?["id"]?.stringValue ?? "?") — \(s["gateway"]?["site"]?.stringValue ?? "")")
        print("version   \(s["version"]?.stringValue ?? "?") (pid \(s["pid"]?.intValue ?? 0)), up \(DurationText.describe(s["uptime_s"]?.doubleValue ?? 0)) since \(s["started_at"]?.stringValue ?? "?")")
        print("ledger    \(ledger?["path"]?.stringValue ?? "?"): \(ledger?["head_seq"]?.intValue ?? 0) events, \(bytes(ledger?["size_bytes"]?.doubleValue ?? 0))")
        let platform = s["platform"]
        if platform?["configured"]?.boolValue == true {
            print("platform  \(platform?["url"]?.stringValue ?? "?") (\(platform?["format"]?.stringValue ?? "?"))")
        } else {
            print("platform  \(platform?["state"]?.stringValue ?? "not configured")")
        }
        var t = Table(["FRIDGE", "NAME", "STATE", "SENSORS", "RULE"])
        for f in s["fridges"]?.arrayValue ?? [] {
            t.add([f["id"]?.stringValue ?? "", f["name"]?.stringValue ?? "", f["state"]?.stringValue ?? "",
                   String(f["sensors"]?.intValue ?? 0), f["alarm_rule"]?.stringValue ?? ""])
        }
        print("")
        print(t.rows.isEmpty ? "no fridges configured" : t.text)
        return Exit.ok
    }

    static func verify(_ o: Options) -> Int32 {
        var report: JSONValue
        if o.rest.first == "--ledger" {
            guard o.rest.count == 2 else { return usageError("verify --ledger needs one file") }
            do {
                let reader = try LedgerReader(path: o.rest[1])
                defer { reader.close() }
                report = try reader.verify().json
            } catch {
                printError("coldchainctl: cannot read the ledger \(o.rest[1]): \(error)")
                return Exit.failure
            }
        } else {
            guard o.rest.isEmpty else { return usageError("verify takes no arguments (or --ledger FILE)") }
            switch call(o, ControlRequest(cmd: "verify")) {
            case .success(let v): report = v
            case .failure(let e): return e.code
            }
        }
        let ok = report["ok"]?.boolValue == true
        if o.json {
            print(report.serialized)
        } else if ok {
            print("ledger OK: \(report["checked"]?.intValue ?? 0) events, hash chain intact up to event \(report["head_seq"]?.intValue ?? 0)")
        } else {
            print("ledger BROKEN at event \(report["broken_at"]?.intValue ?? 0): \(report["reason"]?.stringValue ?? "")")
            print("\(report["checked"]?.intValue ?? 0) events before it verify.")
        }
        return ok ? Exit.ok : Exit.failure
    }

    static func bytes(_ n: Double) -> String {
        if n < 1024 { return "\(Int(n)) B" }
        if n < 1024 * 1024 { return "\(Int((n / 1024).rounded())) KiB" }
        return "\((n / 1048576 * 10).rounded() / 10) MiB"
    }

    static func printError(_ s: String) {
        var line = s.hasSuffix("\n") ? s : s + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// A process exit status carried as an error through `Result`.
struct ExitCode: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}
