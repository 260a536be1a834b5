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
          status                  the gateway, its ledger, its fridges, buses, alarms and uplink
          fridges                 each fridge: state, last temperature, sensors, open alarms
          readings FRIDGE [--since 24h]   readings with min, max, mean and mean kinetic temperature
          excursions [--open]     excursions with start, end, min, max, duration, degree-minutes, rule
          ack ALARM --note TEXT   acknowledge an alarm (silences the alarm output; the excursion stays open)
          watch                   live stream of readings, excursions, alarms and scans (Ctrl-C to stop)
          scans [--limit N]       the latest scans with their verdicts
          inventory [--fridge F] [--expiring 30d]   doses in stock by product, lot and expiry, earliest first
          lookup CODE             one dose's history: scans in and out, excursions it sat through, holds
          hold add --gtin G [--lot L | --code C] --reason TEXT   (or --product P for a Chinese product id)
          hold list | hold remove ID
          outbox                  what waits for the platform: pending events, oldest, last success, last error, state
          uplink retry            send again after the platform refused a batch
          decode CODE             how a scanned code parses (nothing is recorded; \\x1d or <GS> for FNC1)
          cards                   the command barcodes to print and stick on each fridge
          verify [--anchor SEQ:HASH]...   check the hash chain (and the head the platform confirmed, and each anchor
                                  given: from a backup, a record sheet); names the first broken event
          verify --ledger FILE [--anchor SEQ:HASH]...   the same on a ledger file, without a running daemon
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
        do {
            switch command {
            case "status": return o.rest.isEmpty ? try status(o) : usageError("status takes no arguments")
            case "verify": return verify(o)
            case "fridges": return o.rest.isEmpty ? try fridges(o) : usageError("fridges takes no arguments")
            case "readings": return try readings(o)
            case "excursions": return try excursions(o)
            case "ack": return acknowledge(o)
            case "watch": return watch(o)
            case "decode": return decode(o)
            case "scans": return try scans(o)
            case "inventory": return try inventory(o)
            case "lookup": return try lookup(o)
            case "hold": return try hold(o)
            case "outbox": return try outbox(o)
            case "uplink":
                guard o.rest == ["retry"] else { return usageError("uplink retry") }
                _ = try reply(o, .uplinkRetry)
                print("the uplink will send again now")
                return Exit.ok
            case "cards": return cards(o)
            case "help": print(usage); return Exit.ok
            default: return usageError("unknown command '\(command)'")
            }
        } catch {
            return error.code
        }
    }

    static func usageError(_ message: String) -> Int32 {
        printError("coldchainctl: \(message)\n\(usage)")
        return Exit.usage
    }

    /// The result of one request, or the exit status to leave with (the reason already printed).
    static func reply(_ o: Options, _ command: ControlCommand) throws(ExitCode) -> JSONValue {
        try call(o, command).get()
    }

    /// A duration the person typed, checked here with the daemon's bounds and words (exit 64 when out of range).
    static func duration(_ text: String?, key: String, in range: ClosedRange<Double>) throws(ExitCode) -> DurationArgument? {
        guard let text else { return nil }
        do { return try DurationArgument(text, key: key, in: range) } catch {
            printError("coldchainctl: \(error.message) (invalid_argument)")
            throw ExitCode(Exit.usage)
        }
    }

    /// Sends one request; prints why when the daemon cannot be reached.
    static func call(_ o: Options, _ command: ControlCommand) -> Result<JSONValue, ExitCode> {
        let request = command.request
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

    static func status(_ o: Options) throws(ExitCode) -> Int32 {
        let s = try reply(o, .status)
        if o.json { print(s.serialized); return Exit.ok }
        let ledger = s["ledger"]
        for p in s["problems"]?.arrayValue ?? [] { print("!! \(p.stringValue ?? "")") }
        if !(s["problems"]?.arrayValue ?? []).isEmpty { print("") }
        print("gateway   \(s["gateway"]?["id"]?.stringValue ?? "?") — \(s["gateway"]?["site"]?.stringValue ?? "")")
        print("version   \(s["version"]?.stringValue ?? "?") (pid \(s["pid"]?.intValue ?? 0)), up \(DurationText.describe(s["uptime_s"]?.doubleValue ?? 0)) since \(s["started_at"]?.stringValue ?? "?")")
        print("ledger    \(ledger?["path"]?.stringValue ?? "?"): \(ledger?["head_seq"]?.intValue ?? 0) events, \(bytes(ledger?["size_bytes"]?.doubleValue ?? 0))")
        let platform = s["platform"]
        if platform?["configured"]?.boolValue == true {
            let u = s["uplink"]
            print("platform  \(platform?["url"]?.stringValue ?? "?") (\(platform?["format"]?.stringValue ?? "?")): \(u?["state"]?.stringValue ?? "?"), \(u?["pending"]?.intValue ?? 0) pending" + (u?["last_error"]?.stringValue.map { ", last error: \($0)" } ?? ""))
        } else {
            print("platform  \(platform?["state"]?.stringValue ?? "not configured")")
        }
        print("")
        printFridges(s["fridges"]?.arrayValue ?? [])
        var b = Table(["BUS", "ENDPOINT", "LINK", "ERRORS", "BACKED OFF", "LAST ERROR"])
        for bus in s["buses"]?.arrayValue ?? [] {
            b.add([bus["id"]?.stringValue ?? "", bus["endpoint"]?.stringValue ?? "", bus["connected"]?.boolValue == true ? "up" : "down",
                   String(bus["errors"]?.intValue ?? 0), (bus["backed_off"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ","),
                   bus["last_error"]?.stringValue ?? ""])
        }
        if !b.rows.isEmpty { print(""); print(b.text) }
        let alarms = s["alarms"]?.arrayValue ?? []
        print("")
        print(alarms.isEmpty ? "no open alarms" : "open alarms: " + alarms.map { a in
            "\(a["id"]?.intValue ?? 0) (\(a["fridge"]?.stringValue ?? "") \(a["cause"]?.stringValue ?? "")\(a["acknowledged"]?.boolValue == true ? ", acknowledged" : ""))"
        }.joined(separator: "; "))
        return Exit.ok
    }

    static func printFridges(_ fridges: [JSONValue]) {
        var t = Table(["FRIDGE", "NAME", "STATE", "TEMP", "AT", "RULE", "ALARMS"])
        for f in fridges {
            t.add([f["id"]?.stringValue ?? "", f["name"]?.stringValue ?? "", f["state"]?.stringValue ?? "",
                   f["c"]?.doubleValue.map { "\($0) °C" } ?? "-", f["at"]?.stringValue ?? "-", f["alarm_rule"]?.stringValue ?? "",
                   (f["alarms"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue.map(String.init) }.joined(separator: ",")])
        }
        print(t.rows.isEmpty ? "no fridges configured" : t.text)
    }

    static func fridges(_ o: Options) throws(ExitCode) -> Int32 {
        let list = try reply(o, .fridges)
        if o.json { print(list.serialized); return Exit.ok }
        printFridges(list.arrayValue ?? [])
        var s = Table(["SENSOR", "FRIDGE", "STATE", "TEMP", "HUMIDITY", "AT", "BUS/UNIT", "FAULT"])
        for f in list.arrayValue ?? [] {
            for x in f["sensors"]?.arrayValue ?? [] {
                s.add([x["id"]?.stringValue ?? "", f["id"]?.stringValue ?? "", x["state"]?.stringValue ?? "",
                       x["c"]?.doubleValue.map { "\($0) °C" } ?? "-", x["h"]?.doubleValue.map { "\($0) %" } ?? "-",
                       x["at"]?.stringValue ?? "-", "\(x["bus"]?.stringValue ?? "")/\(x["unit"]?.intValue ?? 0)", x["fault"]?.stringValue ?? ""])
            }
        }
        if !s.rows.isEmpty { print(""); print(s.text) }
        return Exit.ok
    }

    /// Reads `--name VALUE` from the arguments after the command.
    static func option(_ o: Options, _ name: String) -> String? {
        guard let i = o.rest.firstIndex(of: name), i + 1 < o.rest.count else { return nil }
        return o.rest[i + 1]
    }

    static func positional(_ o: Options, known: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < o.rest.count {
            if known.contains(o.rest[i]) { i += 2; continue }
            if o.rest[i] == "--open" { i += 1; continue }
            if o.rest[i].hasPrefix("--") && !known.contains(o.rest[i]) { out.append(o.rest[i]); i += 1; continue }
            out.append(o.rest[i]); i += 1
        }
        return out
    }

    static func readings(_ o: Options) throws(ExitCode) -> Int32 {
        let args = positional(o, known: ["--since"])
        guard args.count == 1 else { return usageError("readings FRIDGE [--since 24h]") }
        let since = try duration(option(o, "--since") ?? "24h", key: "since", in: 1...ControlArguments.maxWindow)
        let r = try reply(o, .readings(fridge: args[0], since: since))
        if o.json { print(r.serialized); return Exit.ok }
        var t = Table(["TIME", "SENSOR", "TEMP", "HUMIDITY"])
        for x in r["readings"]?.arrayValue ?? [] {
            t.add([x["at"]?.stringValue ?? "", x["sensor"]?.stringValue ?? "", x["c"]?.doubleValue.map { "\($0) °C" } ?? "",
                   x["h"]?.doubleValue.map { "\($0) %" } ?? ""])
        }
        print(t.rows.isEmpty ? "no readings since \(r["since"]?.stringValue ?? "")" : t.text)
        let s = r["summary"]
        if let n = s?["count"]?.intValue, n > 0 {
            print("")
            print("\(n) readings since \(r["since"]?.stringValue ?? ""): min \(s?["min_c"]?.doubleValue ?? 0) °C, max \(s?["max_c"]?.doubleValue ?? 0) °C, mean \(s?["mean_c"]?.doubleValue ?? 0) °C, MKT \(s?["mkt_c"]?.doubleValue ?? 0) °C")
        }
        return Exit.ok
    }

    static func excursions(_ o: Options) throws(ExitCode) -> Int32 {
        guard positional(o, known: []).isEmpty else { return usageError("excursions [--open]") }
        let r = try reply(o, .excursions(openOnly: o.rest.contains("--open")))
        if o.json { print(r.serialized); return Exit.ok }
        var t = Table(["ID", "FRIDGE", "SENSOR", "SIDE", "STATE", "START", "END", "MIN", "MAX", "DURATION", "°C·MIN", "RULE"])
        for x in r.arrayValue ?? [] {
            t.add([String(x["id"]?.intValue ?? 0), x["fridge"]?.stringValue ?? "", x["sensor"]?.stringValue ?? "", x["side"]?.stringValue ?? "",
                   x["state"]?.stringValue ?? "", x["start"]?.stringValue ?? "", x["end"]?.stringValue ?? "-",
                   "\(x["min_c"]?.doubleValue ?? 0)", "\(x["max_c"]?.doubleValue ?? 0)", DurationText.describe(x["duration_s"]?.doubleValue ?? 0),
                   "\(x["degree_minutes"]?.doubleValue ?? 0)", x["rule"]?.stringValue ?? ""])
        }
        print(t.rows.isEmpty ? "no excursions" : t.text)
        return Exit.ok
    }

    static func acknowledge(_ o: Options) -> Int32 {
        let args = positional(o, known: ["--note"])
        guard args.count == 1, let id = Int(args[0]) else { return usageError("ack ALARM --note TEXT (ALARM is the number status shows)") }
        guard let note = option(o, "--note") else { return usageError("ack needs --note TEXT: say what was done (e.g. \"door closed, vaccines checked\")") }
        switch call(o, .ack(alarm: id, note: note)) {
        case .success(let v):
            if o.json { print(v.serialized) } else { print("alarm \(id) acknowledged (ledger event \(v["seq"]?.intValue ?? 0))") }
            return Exit.ok
        case .failure(let e): return e.code
        }
    }

    static func watch(_ o: Options) -> Int32 {
        let client: ControlClient
        do { client = try ControlClient(path: o.socket) } catch {
            _ = call(o, .watch)  // prints why, with the socket path
            return Exit.unavailable
        }
        do {
            guard case .ok = try client.call(ControlCommand.watch.request) else { return Exit.failure }
            if !o.json { print("watching \(o.socket) (Ctrl-C to stop)") }
            fflush(nil)
            while let line = try client.readLine() {
                if o.json { print(String(decoding: line, as: UTF8.self)); fflush(nil); continue }
                guard let v = try? JSONValue.parse(Data(line)), let e = v["event"] else { continue }
                print(describe(e))
                fflush(nil)
            }
            printError("coldchainctl: the daemon closed the stream")
            return Exit.unavailable
        } catch {
            printError("coldchainctl: lost the connection to coldchaind at \(o.socket): \(error)")
            return Exit.unavailable
        }
    }

    static func outbox(_ o: Options) throws(ExitCode) -> Int32 {
        let r = try reply(o, .outbox)
        if o.json { print(r.serialized); return Exit.ok }
        print("state         \(r["state"]?.stringValue ?? "?")")
        print("pending       \(r["pending"]?.intValue ?? 0) events" + (r["oldest_pending_at"]?.stringValue.map { ", oldest from \($0)" } ?? ""))
        print("last success  \(r["last_success"]?.stringValue ?? "never")")
        if let e = r["last_error"]?.stringValue { print("last error    \(e)") }
        if let t = r["next_attempt"]?.stringValue { print("next attempt  \(t)") }
        if r["state"] == "rejected" { print("The platform refused a batch: fix the cause, then `coldchainctl uplink retry`.") }
        return Exit.ok
    }

    static func scans(_ o: Options) throws(ExitCode) -> Int32 {
        guard positional(o, known: ["--limit"]).isEmpty else { return usageError("scans [--limit N]") }
        let limit = option(o, "--limit").flatMap(Int.init) ?? 20
        let r = try reply(o, .scans(limit: limit))
        if o.json { print(r.serialized); return Exit.ok }
        var t = Table(["TIME", "SCANNER", "FRIDGE", "MODE", "VERDICT", "DOSE / CODE"])
        for s in r.arrayValue ?? [] {
            t.add([s["at"]?.stringValue ?? "", s["scanner"]?.stringValue ?? "", s["fridge"]?.stringValue ?? "", s["mode"]?.stringValue ?? "",
                   s["verdict"]?.stringValue ?? "", s["dose"]?.stringValue ?? s["code"]?["raw"]?.stringValue ?? ""])
        }
        print(t.rows.isEmpty ? "no scans yet" : t.text)
        return Exit.ok
    }

    static func inventory(_ o: Options) throws(ExitCode) -> Int32 {
        guard positional(o, known: ["--fridge", "--expiring"]).isEmpty else { return usageError("inventory [--fridge F] [--expiring 30d]") }
        let expiring = try duration(option(o, "--expiring"), key: "expiring", in: 0...ControlArguments.maxWindow)
        let r = try reply(o, .inventory(fridge: option(o, "--fridge"), expiring: expiring))
        if o.json { print(r.serialized); return Exit.ok }
        var t = Table(["EXPIRY", "FRIDGE", "PRODUCT", "LOT", "DOSES"])
        for g in r.arrayValue ?? [] {
            t.add([g["expiry"]?.stringValue ?? "-", g["fridge"]?.stringValue ?? "", g["product"]?.stringValue ?? "", g["lot"]?.stringValue ?? "-",
                   String(g["count"]?.intValue ?? 0)])
        }
        print(t.rows.isEmpty ? "no doses in stock" : t.text)
        return Exit.ok
    }

    static func lookup(_ o: Options) throws(ExitCode) -> Int32 {
        let args = positional(o, known: [])
        guard args.count == 1 else { return usageError("lookup CODE") }
        let code = args[0].replacingAll("<GS>", with: "\u{1D}").replacingAll("\\x1d", with: "\u{1D}")
        let r = try reply(o, .lookup(code: code))
        if o.json { print(r.serialized); return Exit.ok }
        print("dose      \(r["dose"]?.stringValue ?? "")")
        print("status    \(r["status"]?.stringValue ?? "")" + (r["fridge"]?.stringValue.map { " (fridge \($0))" } ?? ""))
        if let e = r["expiry"]?.stringValue { print("expiry    \(e)") }
        for s in r["scans"]?.arrayValue ?? [] {
            print("scan      \(s["at"]?.stringValue ?? "") \(s["mode"]?.stringValue ?? "") fridge \(s["fridge"]?.stringValue ?? "") → \(s["verdict"]?.stringValue ?? "")")
        }
        for x in r["exposures"]?.arrayValue ?? [] {
            print("EXPOSED   excursion \(x["excursion"]?.intValue ?? 0) in \(x["fridge"]?.stringValue ?? ""): peak \(x["peak_c"]?.doubleValue ?? 0) °C for \(DurationText.describe(x["duration_s"]?.doubleValue ?? 0)) from \(x["start"]?.stringValue ?? "")")
        }
        for h in r["holds"]?.arrayValue ?? [] { print("HELD      hold \(h["id"]?.intValue ?? 0): \(h["reason"]?.stringValue ?? "") (\(h["source"]?.stringValue ?? ""))") }
        return Exit.ok
    }

    static func hold(_ o: Options) throws(ExitCode) -> Int32 {
        guard let action = o.rest.first else { return usageError("hold add|list|remove") }
        let command: ControlCommand
        switch action {
        case "list": command = .holdList
        case "add":
            guard let reason = option(o, "--reason") else { return usageError("hold add needs --reason TEXT") }
            command = .holdAdd(.init(gtin: option(o, "--gtin"), product: option(o, "--product"), lot: option(o, "--lot"),
                                     code: option(o, "--code"), reason: reason))
        case "remove":
            guard o.rest.count == 2, let id = Int(o.rest[1]) else { return usageError("hold remove ID") }
            command = .holdRemove(id: id)
        default: return usageError("hold add|list|remove")
        }
        let r = try reply(o, command)
        if o.json { print(r.serialized); return Exit.ok }
        switch action {
        case "list":
            var t = Table(["ID", "PRODUCT", "LOT", "CODE", "SOURCE", "REASON"])
            for h in r.arrayValue ?? [] {
                t.add([String(h["id"]?.intValue ?? 0), h["product"]?.stringValue ?? "", h["lot"]?.stringValue ?? "-", h["code"]?.stringValue ?? "-",
                       h["source"]?.stringValue ?? "", h["reason"]?.stringValue ?? ""])
            }
            print(t.rows.isEmpty ? "no holds" : t.text)
        case "add": print("hold \(r["id"]?.intValue ?? 0) added")
        default: print("hold removed")
        }
        return Exit.ok
    }

    /// Parses locally: a technician tests a scanner even when the daemon is down.
    static func decode(_ o: Options) -> Int32 {
        guard o.rest.count == 1 else { return usageError("decode CODE (quote it; write FNC1 as \\x1d or <GS>)") }
        let text = o.rest[0].replacingAll("<GS>", with: "\u{1D}").replacingAll("\\x1d", with: "\u{1D}").replacingAll("\\x1D", with: "\u{1D}")
        // The clinic's year, as the daemon judges it (the century of a two-digit expiry year depends on it).
        let year = ClinicCalendar(offset: LocalTime.utcOffset).day(at: Date()).year
        let scan = TraceCodeParser.parse(Array(text.utf8), currentYear: year)
        if o.json { print(scan.json.serialized) } else { scan.description.forEach { print($0) } }
        if case .unrecognised = scan.code { return Exit.failure }
        return Exit.ok
    }

    /// The command cards: their barcode content, for printing as Code 128 and sticking on the fridge.
    static func cards(_ o: Options) -> Int32 {
        var fridges: [String] = []
        if case .success(let list) = call(o, .fridges) {
            fridges = (list.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        } else {
            printError("coldchainctl: (listing mode cards only; fridge cards need the daemon)")
        }
        let cards = ScannerMode.allCases.map { ScannerCommand.mode($0) } + fridges.map { ScannerCommand.fridge($0) }
        if o.json { print(JSONValue.array(cards.map { .string($0.text) }).serialized); return Exit.ok }
        print("Print each as a Code 128 barcode (content in the first column) and stick it where the nurse scans:")
        for c in cards {
            let meaning: String
            switch c {
            case .mode(let m): meaning = m.meaning
            case .fridge(let f): meaning = "this scanner now works on fridge \(f)"
            }
            print("  " + c.text.padding(24) + meaning)
        }
        return Exit.ok
    }

    /// One line per event for a person watching.
    static func describe(_ e: JSONValue) -> String {
        let b = e["body"] ?? .null
        let at = e["at"]?.stringValue ?? ""
        let type = e["type"]?.stringValue ?? ""
        var text: String
        func excursion(_ x: ExcursionState) -> String {
            "excursion \(x.id) \(x.fridge)/\(x.sensor) \(x.side.rawValue): min \(x.minC) max \(x.maxC) °C since \(RFC3339.format(x.start))"
        }
        switch (try? TypedEvent(type: type, body: b)) ?? nil {
        case .reading(let r)?: text = "\(r.sensor) \(r.celsius) °C" + (r.humidity.map { " \($0) %" } ?? "")
        case .excursionOpened(let x)?: text = excursion(x.excursion)
        case .excursionPeak(let x)?: text = excursion(x.excursion)
        case .excursionClosed(let x)?: text = excursion(x.excursion)
        case .alarmOpened(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.cause.rawValue)"
        case .alarmAcknowledged(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.note)"
        case .alarmClosed(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.reason)"
        default: text = b.serialized
        }
        if e["recorded"] == false {
            text = "NOT RECORDED (\(e["error"]?.stringValue ?? "ledger error")): " + text
        }
        return "\(at)  \(type.padding(18))  \(text)"
    }

    static func verify(_ o: Options) -> Int32 {
        var report: JSONValue
        var rest = o.rest[...]
        var file: String?
        var anchors: [LedgerAnchor] = []
        while let a = rest.popFirst() {
            switch a {
            case "--ledger":
                guard let f = rest.popFirst() else { return usageError("verify --ledger needs one file") }
                file = f
            case "--anchor":
                guard let text = rest.popFirst(), let anchor = LedgerAnchor.parse(text) else {
                    return usageError("--anchor SEQ:HASH (the event's sequence number and its 64-digit hash, e.g. from a record sheet)")
                }
                anchors.append(anchor)
            default: return usageError("verify [--ledger FILE] [--anchor SEQ:HASH]...")
            }
        }
        if let file {
            do {
                let reader = try LedgerReader(path: file)
                defer { reader.close() }
                report = try reader.verify(anchors: anchors).json
            } catch {
                printError("coldchainctl: cannot read the ledger \(file): \(error)")
                return Exit.failure
            }
        } else {
            switch call(o, .verify(anchors: anchors.map { "\($0.seq):\($0.hash)" })) {
            case .success(let v): report = v
            case .failure(let e): return e.code
            }
        }
        let ok = report["ok"]?.boolValue == true
        if o.json {
            print(report.serialized)
            return ok ? Exit.ok : Exit.failure
        }
        if let broken = report["broken_at"]?.intValue {
            print("ledger BROKEN at event \(broken): \(report["reason"]?.stringValue ?? "")")
            print("\(report["checked"]?.intValue ?? 0) events before it verify.")
        } else {
            print("internally consistent: \(report["checked"]?.intValue ?? 0) events, head \(report["head_seq"]?.intValue ?? 0) \(report["head_hash"]?.stringValue ?? "")")
        }
        for a in report["anchors"]?.arrayValue ?? [] {
            let where_ = "anchor \(a["seq"]?.intValue ?? 0) (\(a["source"]?.stringValue ?? "?"))"
            switch a["result"]?.stringValue {
            case "matches": print("\(where_): matches")
            case "differs": print("\(where_): DIFFERS: the ledger holds \(a["actual"]?.stringValue ?? "?") there, not \(a["hash"]?.stringValue ?? "?"): the record was rewritten after that head was taken")
            case "missing": print("\(where_): MISSING: the ledger ends at \(report["head_seq"]?.intValue ?? 0): events were cut off its end")
            default: print("\(where_): not checked (the chain breaks before it)")
            }
        }
        if let proves = report["proves"]?.stringValue, report["broken_at"] == nil { print("proves: \(proves)") }
        return ok ? Exit.ok : Exit.failure
    }

    static func bytes(_ n: Double) -> String {
        if n < 1024 { return "\(Int(n)) B" }
        if n < 1024 * 1024 { return "\(Int((n / 1024).rounded())) KiB" }
        return "\((n / 1048576 * 10).rounded() / 10) MiB"
    }

    /// Everything this program prints goes through here: control characters in what the daemon sent (a scanned
    /// code, a platform's error text) are shown escaped, lines stay lines. `--json` output has none to escape
    /// (the JSON writer escapes them), so it passes unchanged.
    static func print(_ s: String, terminator: String = "\n") {
        Swift.print(visible(s), terminator: terminator)
    }

    static func visible(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).escapedForTerminal }.joined(separator: "\n")
    }

    static func printError(_ s: String) {
        let text = visible(s)
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// A process exit status carried as an error through `Result`.
struct ExitCode: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
