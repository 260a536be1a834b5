import ColdChain
import Control
import FoundationEssentials

extension Commands.Status: Typed {
    static let form = remote { s, _ in CtlCommand.renderStatus(s) }
}

extension Commands.Fridges: Typed {
    static let form = remote { f, _ in CtlCommand.renderFridges(f) }
}

extension Commands.Readings: Typed {
    static let form = CLIForm(options: ["--since", "--every"], flags: ["--csv"], positionals: 1...1) { a, ctx throws(ExitCode) in
        try CtlCommand.readings(a, ctx)
    }
}

extension Commands.Excursions: Typed {
    static let form = remote(flags: ["--open", "--csv"], { a throws(ExitCode) in .init(openOnly: a.has("--open")) },
                             render: { CtlCommand.renderExcursions($0, $1) })
}

extension Commands.Ack: Typed {
    static let form = remote(options: ["--note", "--by"], positionals: 1...1, { a throws(ExitCode) in
        guard let id = Int(a.positional[0]) else { throw CtlCommand.usageError("ack ALARM --by NAME --note TEXT (ALARM is the number status shows)") }
        guard let note = a.value("--note") else {
            throw CtlCommand.usageError("ack needs --note TEXT: say what was done (e.g. \"door closed, vaccines checked\")")
        }
        // The record sheet names who acknowledged: a person, not the account coldchainctl runs as (it named uid 0).
        guard let by = a.value("--by") else { throw CtlCommand.usageError("ack needs --by NAME: who acknowledges (the record sheet names them)") }
        return .init(alarm: id, note: note, by: by)
    }, render: { r, _ in CtlCommand.print("alarm \(r.acknowledged) acknowledged (ledger event \(r.seq))") })
}

extension Commands.Check: Typed {
    static let form = remote(options: ["--temp", "--by", "--note"], positionals: 1...1, { a throws(ExitCode) in
        guard let text = a.value("--temp") else { throw CtlCommand.usageError("check needs --temp C: what the thermometer shows") }
        guard let by = a.value("--by") else { throw CtlCommand.usageError("check needs --by NAME: who read the thermometer") }
        return .init(fridge: a.positional[0], celsius: try CtlCommand.celsius(text, key: "temp"), by: by, note: a.value("--note"))
    }, render: { r, _ in CtlCommand.renderCheck(r) })
}

extension Commands.Watch: Typed {
    static let form = CLIForm { _, ctx throws(ExitCode) in CtlCommand.watch(ctx) }
}

extension Commands.Scans: Typed {
    static let form = remote(options: ["--limit"], flags: ["--csv"], { a throws(ExitCode) in
        .init(limit: try CtlCommand.number(a.value("--limit") ?? "20", key: "limit", in: limits))
    }, render: { CtlCommand.renderScans($0, $1) })
}

extension Commands.Inventory: Typed {
    static let form = remote(options: ["--fridge", "--expiring"], flags: ["--csv"], { a throws(ExitCode) in
        .init(fridge: a.value("--fridge"),
              expiring: try a.value("--expiring").map { v throws(ExitCode) in
                  try CtlCommand.duration(v, key: "expiring", in: 0...ControlArguments.maxWindow)
              })
    }, render: { CtlCommand.renderInventory($0, $1) })
}

extension Commands.Lookup: Typed {
    static let form = remote(positionals: 1...1, { a throws(ExitCode) in .init(code: CtlCommand.withFNC1(a.positional[0])) },
                             render: { r, _ in CtlCommand.renderLookup(r) })
}

extension Commands.HoldAdd: Typed {
    static let form = remote(options: ["--gtin", "--product", "--lot", "--code", "--reason"], { a throws(ExitCode) in
        guard let reason = a.value("--reason") else { throw CtlCommand.usageError("hold add needs --reason TEXT") }
        return .init(gtin: a.value("--gtin"), product: a.value("--product"), lot: a.value("--lot"), code: a.value("--code"), reason: reason)
    }, render: { h, _ in CtlCommand.print("hold \(h.id) added") })
}

extension Commands.HoldList: Typed {
    static let form = remote { r, _ in CtlCommand.renderHolds(r) }
}

extension Commands.HoldRemove: Typed {
    static let form = remote(positionals: 1...1, { a throws(ExitCode) in
        guard let id = Int(a.positional[0]) else { throw CtlCommand.usageError("hold remove ID") }
        return .init(id: id)
    }, render: { _, _ in CtlCommand.print("hold removed") })
}

extension Commands.Outbox: Typed {
    static let form = remote { r, _ in CtlCommand.renderOutbox(r) }
}

extension Commands.UplinkRetry: Typed {
    static let form = remote { _, _ in CtlCommand.print("the uplink will send again now") }
}

extension Commands.BackupNow: Typed {
    static let form = remote { r, _ in CtlCommand.renderBackup(r) }
}

extension Commands.Report: Typed {
    static let form = CLIForm(options: ["--month", "--fridge", "--format", "--out"], positionals: 1...1) { a, ctx throws(ExitCode) in
        try CtlCommand.report(a, ctx)
    }
}

extension Commands.Chart: Typed {
    static let form = CLIForm(options: ["--since", "--out"], positionals: 1...1) { a, ctx throws(ExitCode) in try CtlCommand.chart(a, ctx) }
}

extension Commands.Alarms: Typed {
    static let form = remote(options: ["--since"], flags: ["--csv"], { a throws(ExitCode) in
        .init(since: try a.value("--since").map { v throws(ExitCode) in try CtlCommand.duration(v, key: "since", in: 60...ControlArguments.maxWindow) })
    }, render: { CtlCommand.renderAlarms($0, $1) })
}

extension Commands.NotifyTest: Typed {
    static let form = remote(options: ["--channel"], { a throws(ExitCode) in .init(channel: a.value("--channel")) },
                             render: { r, _ in CtlCommand.renderNotifyTest(r) }, outcome: { $0.allSatisfy(\.ok) ? .ok : .failure })
}

extension Commands.Verify: Typed {
    static let form = CLIForm(options: ["--anchor", "--ledger"]) { a, ctx throws(ExitCode) in try CtlCommand.verify(a, ctx) }
}

extension Commands.Version: Typed {
    static let form = remote { r, _ in CtlCommand.renderVersion(r) }
}

extension Commands.Help: Typed {
    /// `help`, or `help COMMAND` (its usage line and what it does).
    static let form = CLIForm(positionals: 0...2) { a, _ throws(ExitCode) in
        guard !a.positional.isEmpty else { CtlCommand.print(CtlCommand.usage); return .ok }
        let specs = CtlCommand.table.filter { Array($0.words.prefix(a.positional.count)) == a.positional }
        guard !specs.isEmpty else { throw CtlCommand.usageError("no command '\(a.positional.joined(separator: " "))'") }
        CtlCommand.print(specs.map { CtlCommand.usageRows($0).joined(separator: "\n") }.joined(separator: "\n"))
        return .ok
    }
}

extension CtlCommand {
    /// The spec the words at the start of `args` name (the longest match), and the arguments after them.
    static func find(_ args: [String]) -> (CtlSpec, [String])? {
        let matches = table.filter { $0.words.count <= args.count && Array(args.prefix($0.words.count)) == $0.words }
        guard let spec = matches.max(by: { $0.words.count < $1.words.count }) else { return nil }
        return (spec, Array(args.dropFirst(spec.words.count)))
    }

    /// A command's rows of the help, in 80 columns: its usage line, then what it does (beside it when the usage is
    /// short, under it otherwise), wrapped at spaces.
    static func usageRows(_ spec: CtlSpec) -> [String] {
        let left = "  " + spec.usageLine
        let text = spec.summary.split(separator: "\n").joined(separator: " ")
        let indent = left.displayWidth < 25 ? 26 : 8
        let lines = Table.wrap(text, width: 80 - indent)
        let pad = String(repeating: " ", count: indent)
        if left.displayWidth < 25 { return [left.padded(toColumns: indent) + lines[0]] + lines.dropFirst().map { pad + $0 } }
        return Table.wrap(spec.usageLine, width: 78).enumerated().map { "  " + ($0.offset > 0 ? "    " : "") + $0.element } + lines.map { pad + $0 }
    }

    static var usage: String {
        var lines = ["usage: coldchainctl [--socket PATH] [--json] [--wide] COMMAND [ARGS]",
                     "(tables fit 80 columns; --wide shows every column in full)"]
        for spec in table { lines += usageRows(spec) }
        lines.append("Socket: --socket PATH, else $COLDCHAIN_SOCKET, else")
        lines.append("        \(GatewayConfig.defaultSocket).")
        lines.append("Exit status: 0 ok, 1 the command reported a failure, 64 usage,")
        lines.append("             69 daemon unreachable.")
        lines.append("coldchainctl help COMMAND: one command's usage.")
        return lines.joined(separator: "\n")
    }
}

extension Commands.ReceiveImport: Typed {
    static let form = CLIForm(positionals: 1...1) { a, ctx throws(ExitCode) in try CtlCommand.receiveImport(a.positional[0], ctx) }
}

extension Commands.ReceiveStatus: Typed {
    static let form = remote(positionals: 0...1, { a throws(ExitCode) in .init(bill: a.positional.first) },
                             render: { r, _ in CtlCommand.renderBillStatus(r) })
}

extension Commands.ReceiveClose: Typed {
    static let form = remote(options: ["--by", "--note"], positionals: 1...1, { a throws(ExitCode) in
        guard let by = a.value("--by") else { throw CtlCommand.usageError("receive close needs --by NAME: who checked the delivery") }
        return .init(bill: a.positional[0], by: by, note: a.value("--note"))
    }, render: { r, _ in CtlCommand.renderBillClosed(r) })
}

extension Commands.Assess: Typed {
    static let form = remote(options: ["--dose", "--by", "--note"], flags: ["--release", "--discard"], positionals: 1...1, { a throws(ExitCode) in
        guard let id = Int(a.positional[0]) else { throw CtlCommand.usageError("assess EXCURSION (the number excursions shows) --release|--discard ...") }
        guard a.has("--release") != a.has("--discard") else { throw CtlCommand.usageError("assess needs --release or --discard (one of them)") }
        guard let by = a.value("--by") else { throw CtlCommand.usageError("assess needs --by NAME: who decided") }
        guard let note = a.value("--note") else { throw CtlCommand.usageError("assess needs --note TEXT: the assessment's reason") }
        return .init(excursion: id, decision: a.has("--release") ? .release : .discard, doses: a.all("--dose").map(CtlCommand.withFNC1), by: by, note: note)
    }, render: { r, _ in
        let b = r.body
        CtlCommand.print("excursion \(b.excursion): \(b.doses.count) dose(s) " + (b.decision == .release ? "released for use" : "to be discarded: scan them in discard mode")
                         + " (ledger event \(r.seq))")
    })
}
