import ColdChain
import Control
import FoundationEssentials

extension CtlCommand {
    /// Every command, once: adding one is a case in `ControlCommand`, its handler in the daemon, and a row here
    /// with its renderer (Views/).
    static let table: [CtlSpec] = [
        CtlSpec(words: ["status"], summary: "the gateway, its ledger, its fridges, buses, alarms and uplink",
                run: remote(as: StatusReply.self) { _ throws(ExitCode) in .status } render: { s, _ in renderStatus(s) }),
        CtlSpec(words: ["fridges"], summary: "each fridge: state, last temperature, sensors, open alarms",
                run: remote(as: [FridgeStatus].self) { _ throws(ExitCode) in .fridges } render: { f, _ in renderFridges(f) }),
        CtlSpec(words: ["readings"], synopsis: "FRIDGE [--since 24h] [--every 15m] [--csv]",
                summary: "readings (or min/max/mean per bucket) with min, max, mean and\nmean kinetic temperature; any window, printed as it comes",
                options: ["--since", "--every"], flags: ["--csv"], positionals: 1...1, run: { a, ctx throws(ExitCode) in try readings(a, ctx) }),
        CtlSpec(words: ["excursions"], synopsis: "[--open] [--csv]", summary: "excursions with start, end, min, max, duration, degree-minutes, rule",
                flags: ["--open", "--csv"],
                run: remote(as: [ExcursionRow].self) { a throws(ExitCode) in .excursions(openOnly: a.has("--open")) } render: { renderExcursions($0, $1) }),
        CtlSpec(words: ["ack"], synopsis: "ALARM --note TEXT", summary: "acknowledge an alarm (silences the alarm output; the excursion stays open)",
                options: ["--note"], positionals: 1...1,
                run: remote(as: AckReply.self) { a throws(ExitCode) in
                    guard let id = Int(a.positional[0]) else { throw usageError("ack ALARM --note TEXT (ALARM is the number status shows)") }
                    guard let note = a.value("--note") else {
                        throw usageError("ack needs --note TEXT: say what was done (e.g. \"door closed, vaccines checked\")")
                    }
                    return .ack(alarm: id, note: note)
                } render: { r, _ in print("alarm \(r.acknowledged) acknowledged (ledger event \(r.seq))") }),
        CtlSpec(words: ["check"], synopsis: "FRIDGE --temp C --by NAME [--note TEXT]",
                summary: "record a manual check of the fridge's thermometer (for the record sheet);\nflagged when it differs from the probe by more than 1 °C",
                options: ["--temp", "--by", "--note"], positionals: 1...1,
                run: remote(as: CheckReply.self) { a throws(ExitCode) in
                    guard let text = a.value("--temp") else { throw usageError("check needs --temp C: what the thermometer shows") }
                    guard let by = a.value("--by") else { throw usageError("check needs --by NAME: who read the thermometer") }
                    return .check(fridge: a.positional[0], celsius: try celsius(text, key: "temp"), by: by, note: a.value("--note"))
                } render: { r, _ in renderCheck(r) }),
        CtlSpec(words: ["watch"], summary: "live stream of readings, excursions, alarms and scans (Ctrl-C to stop)",
                run: { _, ctx throws(ExitCode) in watch(ctx) }),
        CtlSpec(words: ["scans"], synopsis: "[--limit N] [--csv]", summary: "the latest scans with their verdicts", options: ["--limit"], flags: ["--csv"],
                run: remote(as: [ScanRow].self) { a throws(ExitCode) in
                    .scans(limit: try number(a.value("--limit") ?? "20", key: "limit", in: 1...10_000))
                } render: { renderScans($0, $1) }),
        CtlSpec(words: ["inventory"], synopsis: "[--fridge F] [--expiring 30d] [--csv]", summary: "doses in stock by product, lot and expiry, earliest first",
                options: ["--fridge", "--expiring"], flags: ["--csv"],
                run: remote(as: [StockGroup].self) { a throws(ExitCode) in
                    .inventory(fridge: a.value("--fridge"),
                               expiring: try a.value("--expiring").map { v throws(ExitCode) in try duration(v, key: "expiring", in: 0...ControlArguments.maxWindow) })
                } render: { renderInventory($0, $1) }),
        CtlSpec(words: ["lookup"], synopsis: "CODE", summary: "one dose's history: scans in and out, excursions it sat through, holds",
                positionals: 1...1,
                run: remote(as: DoseHistory.self) { a throws(ExitCode) in .lookup(code: withFNC1(a.positional[0])) } render: { r, _ in renderLookup(r) }),
        CtlSpec(words: ["hold", "add"], synopsis: "--gtin G [--lot L | --code C] --reason TEXT", summary: "(or --product P for a Chinese product id)",
                options: ["--gtin", "--product", "--lot", "--code", "--reason"],
                run: remote(as: Hold.self) { a throws(ExitCode) in
                    guard let reason = a.value("--reason") else { throw usageError("hold add needs --reason TEXT") }
                    return .holdAdd(.init(gtin: a.value("--gtin"), product: a.value("--product"), lot: a.value("--lot"), code: a.value("--code"),
                                          reason: reason))
                } render: { h, _ in print("hold \(h.id) added") }),
        CtlSpec(words: ["hold", "list"], summary: "holds in force, local and from the platform",
                run: remote(as: [Hold].self) { _ throws(ExitCode) in .holdList } render: { r, _ in renderHolds(r) }),
        CtlSpec(words: ["hold", "remove"], synopsis: "ID", summary: "lift a local hold", positionals: 1...1,
                run: remote(as: HoldRemovedReply.self) { a throws(ExitCode) in
                    guard let id = Int(a.positional[0]) else { throw usageError("hold remove ID") }
                    return .holdRemove(id: id)
                } render: { _, _ in print("hold removed") }),
        CtlSpec(words: ["outbox"], summary: "what waits for the platform: pending events, oldest, last success, last error, state",
                run: remote(as: UplinkStatus.self) { _ throws(ExitCode) in .outbox } render: { r, _ in renderOutbox(r) }),
        CtlSpec(words: ["uplink", "retry"], summary: "send again after the platform refused a batch",
                run: remote(as: RetryReply.self) { _ throws(ExitCode) in .uplinkRetry } render: { _, _ in print("the uplink will send again now") }),
        CtlSpec(words: ["backup", "now"], summary: "copy the ledger to the backup folder now (it also runs daily), checked",
                run: remote(as: BackupReply.self) { _ throws(ExitCode) in .backupNow } render: { r, _ in renderBackup(r) }),
        CtlSpec(words: ["report"], synopsis: "daily --month YYYY-MM [--fridge F] [--format text|csv|html] [--out FILE]",
                summary: "the temperature record sheet (冷链设备温度记录表): per fridge and day, the\nmorning and afternoon record beside the manual checks, min, max, mean,\nminutes out of range, excursions, alarms, gaps, the ledger head; html: A4 pages",
                options: ["--month", "--fridge", "--format", "--out"], positionals: 1...1, run: { a, ctx throws(ExitCode) in try report(a, ctx) }),
        CtlSpec(words: ["chart"], synopsis: "FRIDGE [--since 7d] [--out FILE.svg]",
                summary: "an SVG chart: the range band, each sensor, excursions, gaps, alarms, checks",
                options: ["--since", "--out"], positionals: 1...1, run: { a, ctx throws(ExitCode) in try chart(a, ctx) }),
        CtlSpec(words: ["alarms"], synopsis: "[--since 30d] [--csv]",
                summary: "alarms opened in the window: levels told, time to acknowledge and to close,\nand China CDC's buckets (<= 30 / <= 60 / <= 120 / > 120 min)",
                options: ["--since"], flags: ["--csv"],
                run: remote(as: AlarmsReply.self) { a throws(ExitCode) in
                    .alarms(since: try a.value("--since").map { v throws(ExitCode) in try duration(v, key: "since", in: 60...ControlArguments.maxWindow) })
                } render: { renderAlarms($0, $1) }),
        CtlSpec(words: ["notify", "test"], synopsis: "[--channel NAME]", summary: "send a test message through every notify channel (or one), now",
                options: ["--channel"],
                run: remote(as: [NotifyTestResult].self, { a throws(ExitCode) in .notifyTest(channel: a.value("--channel")) },
                            render: { r, _ in renderNotifyTest(r) }, outcome: { $0.allSatisfy(\.ok) ? .ok : .failure })),
        CtlSpec(words: ["decode"], synopsis: "CODE", summary: "how a scanned code parses (nothing is recorded; \\x1d or <GS> for FNC1)",
                positionals: 1...1, run: { a, ctx throws(ExitCode) in decode(a.positional[0], ctx) }),
        CtlSpec(words: ["cards"], summary: "the command barcodes to print and stick on each fridge", run: { _, ctx throws(ExitCode) in cards(ctx) }),
        CtlSpec(words: ["verify"], synopsis: "[--ledger FILE] [--anchor SEQ:HASH]...",
                summary: "check the hash chain (and the head the platform confirmed, and each anchor\ngiven: from a backup, a record sheet); names the first broken event.\nWith --ledger, a ledger file, without a running daemon",
                options: ["--anchor", "--ledger"], run: { a, ctx throws(ExitCode) in try verify(a, ctx) }),
        CtlSpec(words: ["help"], summary: "this text", run: { _, _ throws(ExitCode) in print(usage); return .ok }),
    ]

    /// The spec the words at the start of `args` name (the longest match), and the arguments after them.
    static func find(_ args: [String]) -> (CtlSpec, [String])? {
        let matches = table.filter { $0.words.count <= args.count && Array(args.prefix($0.words.count)) == $0.words }
        guard let spec = matches.max(by: { $0.words.count < $1.words.count }) else { return nil }
        return (spec, Array(args.dropFirst(spec.words.count)))
    }

    static var usage: String {
        var lines = ["usage: coldchainctl [--socket PATH] [--json] COMMAND [ARGS]"]
        for spec in table {
            let left = "  " + spec.usageLine
            let parts = spec.summary.split(separator: "\n").map(String.init)
            lines.append((left.count < 26 ? left.padding(26) : left + "   ") + parts[0])
            lines += parts.dropFirst().map { String(repeating: " ", count: 26) + $0 }
        }
        lines.append("Socket: --socket PATH, else $COLDCHAIN_SOCKET, else \(GatewayConfig.defaultSocket).")
        lines.append("Exit status: 0 ok, 1 the command reported a failure, 64 usage, 69 daemon unreachable.")
        return lines.joined(separator: "\n")
    }

    /// A command the daemon answers: `build` makes the request from the arguments, `render` shows the typed reply
    /// (with `--json`, the reply is printed as the daemon sent it).
    /// `outcome`: the exit status the answer means (a test message that failed is a failure, in JSON too).
    static func remote<R: Decodable>(as: R.Type, _ build: @escaping @Sendable (CtlArgs) throws(ExitCode) -> ControlCommand,
                                     render: @escaping @Sendable (R, CtlArgs) -> Void,
                                     outcome: @escaping @Sendable (R) -> ExitStatus = { _ in .ok }) -> @Sendable (CtlArgs, CtlContext) throws(ExitCode) -> ExitStatus {
        { args, ctx throws(ExitCode) in
            let value = try reply(ctx, try build(args))
            let decoded = try decode(value, as: R.self)
            if ctx.json { print(value.serialized) } else { render(decoded, args) }
            return outcome(decoded)
        }
    }
}
