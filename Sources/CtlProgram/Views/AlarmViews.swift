import ColdChain
import Control
import FoundationEssentials

extension CtlCommand {
    static func renderAlarms(_ r: AlarmsReply, _ a: CtlArgs) {
        let csv = a.has("--csv")
        func cells(_ x: AlarmRecord, time: (String) -> String) -> [String] {
            func span(_ s: Double?) -> String { s.map { csv ? "\($0)" : DurationText.describe($0) } ?? (csv ? "" : "-") }
            let sent: String = csv || x.folded == 0 ? "\(x.attempts)" : "\(x.attempts) +\(x.folded) folded"
            var row: [String] = [String(x.id), x.fridge == "*" ? (csv ? "*" : "all") : x.fridge, x.sensor, x.cause.rawValue, time(x.openedAt),
                                 span(x.acknowledgeSeconds), span(x.closeSeconds), x.bucket?.rawValue ?? (csv ? "" : "not acknowledged"),
                                 x.levels.map(String.init).joined(separator: csv ? " " : ","), sent, "\(x.failed)"]
            if csv { row.append("\(x.folded)") }
            if !csv { row.append((x.acknowledgedBy ?? "").escapedForTerminal) }
            row.append((x.note ?? "").escapedForTerminal)
            if csv { row.append(x.acknowledgedBy ?? "") }
            return row
        }
        if csv {
            printCSV(["id", "fridge", "sensor", "cause", "opened_at", "acknowledge_s", "close_s", "bucket", "levels", "attempts", "failed", "folded", "note", "acknowledged_by"],
                     r.alarms.map { cells($0) { $0 } })
            return
        }
        var t = Table(["ID", "FRIDGE", "SOURCE", "CAUSE", "OPENED", "TO ACK", "TO CLOSE", "HANDLED", "LEVELS", "SENT", "FAILED", "BY", "NOTE"],
                      wrap: ["NOTE", "CAUSE", "BY"], optional: ["LEVELS", "SENT", "FAILED", "HANDLED"])
        for x in r.alarms { t.add(cells(x, time: PeopleTime.brief)) }
        print(t.rows.isEmpty ? "no alarms since \(PeopleTime.local(r.since))" : t.text)
        let order = HandlingBucket.allCases.map { "\($0.rawValue): \(r.buckets[$0.rawValue] ?? 0)" }
        print(hanging("handled (acknowledged) ", order.joined(separator: ", ") + "; not acknowledged: \(r.unacknowledged)"))
        print(PeopleTime.zoneLine)
    }

    static func renderNotifyTest(_ results: [NotifyTestResult]) {
        var t = Table(["CHANNEL", "TYPE", "RECIPIENT", "RESULT"], wrap: ["RESULT", "RECIPIENT"])
        for x in results { t.add([x.channel, x.kind, x.recipient, x.ok ? "sent" : "FAILED: " + (x.error ?? "?").escapedForTerminal]) }
        print(t.rows.isEmpty ? "no channels" : t.text)
    }
}
