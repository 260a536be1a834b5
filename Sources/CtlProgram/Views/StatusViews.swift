import ColdChain
import Control
import FoundationEssentials

extension CtlCommand {
    static func renderStatus(_ s: StatusReply) {
        // In 80 columns: a long value goes on under its key, not past the edge (the storage line was 96).
        for p in s.problems { print(hanging("!! ", p)) }
        if !s.problems.isEmpty { print("") }
        field("gateway", "\(s.gateway.id) — \(s.gateway.site)")
        field("version", "\(s.version) (pid \(s.pid)), up \(DurationText.describe(s.uptimeSeconds)) since \(PeopleTime.local(s.startedAt)) (\(PeopleTime.calendar.zoneName(at: PeopleTime.now)))")
        field("ledger", "\(s.ledger.path): \(s.ledger.headSeq) events, \(ByteSize.text(Double(s.ledger.sizeBytes)))")
        if let c = s.clock {
            field("clock", "\(c.summary)" + (c.behind ? ": system \(PeopleTime.local(c.system)), record \(PeopleTime.local(c.recorded))" : ""))
        }
        if let o = s.ledger.outlook {
            field("storage", "\(ByteSize.text(o.bytesPerDay)) a day (\(o.measured ? "measured" : "estimated from the sensors")), "
                  + "\(ByteSize.text(Double(o.freeBytes))) free" + (o.daysUntilFull.map { days in
                      // From the daemon's answer: checked before Int() (NaN or a huge value would trap).
                      !(days.isFinite && days >= 0) ? "" : days > 36_500 ? ": more than 100 years"
                          : ": full in about \(Int(days)) days (\((days / 365 * 10).rounded() / 10) years)"
                  } ?? ""))
        }
        if s.platform.configured {
            let u = s.uplink
            field("platform", "\(s.platform.url ?? "?") (\(s.platform.format ?? "?")): \(u.state.rawValue), \(u.pending ?? 0) pending"
                  + (u.lastError.map { ", last error: \($0)" } ?? ""))
        } else {
            field("platform", s.platform.state ?? "not configured")
        }
        if let b = s.backup { field("backup", backupLine(b)) }
        for p in s.power ?? [] { field("power", powerLine(p)) }
        for d in s.doors ?? [] {
            field("door", "\(d.input) of \(d.fridge): " + (d.open.map { $0 ? "OPEN" : "closed" } ?? "not read yet")
                  + (d.since.map { " since \(PeopleTime.local($0))" } ?? ""))
        }
        print("")
        printFridgeTable(s.fridges)
        var b = Table(["BUS", "ENDPOINT", "LINK", "ERRORS", "BACKED OFF", "LAST ERROR"], wrap: ["LAST ERROR", "ENDPOINT", "BACKED OFF"])
        for bus in s.buses {
            b.add([bus.id, bus.endpoint, bus.connected ? "up" : "down", String(bus.errors), bus.backedOff.joined(separator: ","), bus.lastError ?? ""])
        }
        if !b.rows.isEmpty { print(""); print(b.text) }
        if let scanners = s.scannerStates, !scanners.isEmpty { print(""); print(scannerTable(scanners)) }
        print("")
        print(s.alarms.isEmpty ? "no open alarms" : hanging("open alarms: ", s.alarms.map { a in
            "\(a.id) (\(a.fridge == "*" ? "all fridges" : a.fridge) \(a.cause.rawValue)\(a.acknowledged ? ", acknowledged" : ""))"
        }.joined(separator: "; ")))
        if let r = s.recent { print(recentLines(r)) }
        print(PeopleTime.zoneLine)
    }

    /// Scanners: mode and fridge now, the link, the last scan since the daemon started.
    static func scannerTable(_ scanners: [ScannerStatus]) -> String {
        var t = Table(["SCANNER", "MODE", "FRIDGE", "LINK", "LAST SCAN"], wrap: ["LAST SCAN", "LINK"])
        for x in scanners {
            let link = x.up ? "up" : "DOWN" + (x.error.map { ": \($0)" } ?? "")
            let last = x.lastScan.map { "\(PeopleTime.brief($0.at)) \($0.refused ? "REFUSED " : "")\($0.verdict)" } ?? "none since start"
            t.add([x.id, x.mode.rawValue, x.fridge, link, last])
        }
        return t.text
    }

    /// The last day's excursions and alarms, closed ones too.
    static func recentLines(_ r: RecentHistory) -> String {
        guard !r.excursions.isEmpty || !r.alarms.isEmpty else { return "no excursions or alarms in the last \(r.hours) hours" }
        var t = Table(["LAST \(r.hours) H", "FRIDGE", "WHAT", "FROM", "TO", "DETAIL"], wrap: ["DETAIL", "WHAT"])
        for x in r.excursions {
            let e = x.excursion
            t.add(["excursion \(e.id)", e.fridge, "\(e.side.rawValue) \(e.side == .high ? e.maxC : e.minC) °C", PeopleTime.brief(RFC3339.format(e.start)),
                   x.end.map(PeopleTime.brief) ?? "open", DurationText.describe(x.durationSeconds) + (e.cause.map { ", cause \($0.rawValue)" } ?? "")])
        }
        for a in r.alarms {
            let handled = a.acknowledgedAt.map { "acknowledged " + PeopleTime.brief($0) + (a.note.map { ": \($0)" } ?? "") } ?? "NOT ACKNOWLEDGED"
            t.add(["alarm \(a.id)", a.fridge == "*" ? "all" : a.fridge, a.cause.rawValue, PeopleTime.brief(a.openedAt),
                   a.closedAt.map(PeopleTime.brief) ?? "open", handled])
        }
        return "\n" + t.text
    }

    /// `key` padded to 10 columns and `value` wrapped to the rest of 80, its further lines under the value.
    static func field(_ key: String, _ value: String) {
        print(hanging(key.padded(toColumns: 10), value))
    }

    /// `lead` then `text` wrapped at spaces to 80 display columns, further lines indented by the lead's width.
    static func hanging(_ lead: String, _ text: String) -> String {
        let indent = lead.displayWidth
        let lines = Table.wrap(text, width: 80 - indent)
        return ([lead + lines[0]] + lines.dropFirst().map { String(repeating: " ", count: indent) + $0 }).joined(separator: "\n")
    }

    static func powerLine(_ p: PowerStatus) -> String {
        let state = switch p.state {
        case .online: "on mains"
        case .onBattery: "ON BATTERY" + (p.batteryLow ? ", BATTERY LOW" : "")
        case .unknown: "UNKNOWN (\((p.error ?? "?").escapedForTerminal))"
        }
        var details: [String] = []
        if let c = p.charge, c.isFinite, (0...100).contains(c) { details.append("charge \(Int(c.rounded())) %") }
        if let r = p.runtimeSeconds, r.isFinite, r >= 0 { details.append("runtime \(DurationText.describe(r))") }
        return "\(p.source.escapedForTerminal): \(state)" + (p.since.map { " since \(PeopleTime.local($0))" } ?? "")
            + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
    }

    static func backupLine(_ b: BackupStatus) -> String {
        var parts = ["\(b.dir.escapedForTerminal):"]
        if b.running { parts.append("running now;") }
        parts.append(b.lastCompletedAt.map { "newest copy \(PeopleTime.local($0)) (to event \(b.lastHeadSeq ?? 0))" } ?? "no copy yet")
        if let at = b.lastFailedAt { parts.append("; FAILED \(PeopleTime.local(at)): \((b.lastError ?? "").escapedForTerminal)") }
        if let next = b.nextAt { parts.append("; next \(PeopleTime.local(next))") }
        return parts.joined(separator: " ")
    }

    static func printFridgeTable(_ fridges: [FridgeStatus]) {
        var t = Table(["FRIDGE", "NAME", "STATE", "TEMP", "AT", "RULE", "ALARMS"], wrap: ["NAME", "RULE", "ALARMS"], optional: ["RULE"])
        for f in fridges {
            t.add([f.id, f.name, f.shownState, f.celsius.map { "\($0) °C" } ?? "-", f.at.map(PeopleTime.brief) ?? "-", f.alarmRule,
                   f.alarms.map { String($0.id) }.joined(separator: ",")])
        }
        print(t.rows.isEmpty ? "no fridges configured" : t.text)
    }

    static func renderFridges(_ fridges: [FridgeStatus]) {
        printFridgeTable(fridges)
        var s = Table(["SENSOR", "FRIDGE", "STATE", "TEMP", "HUMIDITY", "AT", "BUS/UNIT", "FAULT"], wrap: ["FAULT"], optional: ["HUMIDITY"])
        for f in fridges {
            for x in f.sensors {
                s.add([x.id, f.id, x.shownState, x.celsius.map { "\($0) °C" } ?? "-", x.humidity.map { "\($0) %" } ?? "-", x.at.map(PeopleTime.brief) ?? "-",
                       "\(x.bus)/\(x.unit)", x.fault ?? ""])
            }
        }
        if !s.rows.isEmpty { print(""); print(s.text) }
        print(PeopleTime.zoneLine)
    }
}
