import ColdChain
import Control
import FoundationEssentials
import Glibc

extension CtlCommand {
    /// `readings`: printed part by part as the daemon sends them, as a table, CSV or the one JSON object it always
    /// was (written as it arrives, keys in the serializer's order), holding one part at a time.
    static func readings(_ a: CtlArgs, _ ctx: CtlContext) throws(ExitCode) -> ExitStatus {
        let since = try duration(a.value("--since") ?? "24h", key: "since", in: 1...ControlArguments.maxWindow)
        let every = try a.value("--every").map { v throws(ExitCode) in try duration(v, key: "every", in: ControlArguments.bucketRange) }
        let csv = a.has("--csv")
        let request = Commands.Readings.request(.init(fridge: a.positional[0], since: since, every: every))
        let client = try connect(ctx).get()
        var header: ReadingsHeader?
        var rows = 0
        let list = every == nil ? "readings" : "buckets"
        func begin(_ h: ReadingsHeader) {
            if ctx.json {
                // Keys sorted as the serializer sorts them: `fridge` < `readings` < `since` < `summary`, and
                // `buckets` first of all.
                let opening = every != nil ? "{" : String(JSONValue.object(["fridge": .string(h.fridge)]).serialized.dropLast()) + ","
                raw(opening + "\"\(list)\":[", terminator: "")
            } else if csv {
                raw(CSV.byteOrderMark + CSV.line(every == nil ? ["at", "sensor", "c", "h"] : ["from", "sensor", "count", "min_c", "max_c", "mean_c"]))
            } else {
                print(every == nil ? "TIME                 SENSOR          TEMP           HUMIDITY" : "FROM                 SENSOR          N      MIN       MAX       MEAN")
            }
        }
        do {
            let (reply, end) = try client.callInParts(request, as: ReadingsPart.self, header: { value in
                let h = try value.decode(ReadingsHeader.self)
                header = h
                begin(h)
            }, part: { part in
                for r in part.readings ?? [] {
                    if ctx.json { raw((rows == 0 ? "" : ",") + (try JSONValue(encoding: r)).serialized, terminator: "") }
                    else if csv { print(CSV.line([r.at, r.sensor, CSV.number(r.celsius), CSV.number(r.humidity)])) }
                    else {
                        // Outside 2–8 °C is marked, so a night at 11 °C stands out of a screen of readings.
                        let mark = r.celsius > 8 ? " HIGH" : r.celsius < 2 ? " LOW" : ""
                        print(PeopleTime.local(r.at) + "  " + r.sensor.padding(14) + "  " + "\(r.celsius) °C\(mark)".padding(13) + "  " + (r.humidity.map { "\($0) %" } ?? ""))
                    }
                    rows += 1
                }
                for b in part.buckets ?? [] {
                    if ctx.json { raw((rows == 0 ? "" : ",") + (try JSONValue(encoding: b)).serialized, terminator: "") }
                    else if csv { print(CSV.line([b.from, b.sensor, String(b.count), CSV.number(b.minC), CSV.number(b.maxC), CSV.number(b.meanC)])) }
                    else {
                        print(PeopleTime.local(b.from) + "  " + b.sensor.padding(14) + "  " + String(b.count).padding(5) + "  " + "\(b.minC) °C".padding(8)
                              + "  " + "\(b.maxC) °C".padding(8) + "  \(b.meanC) °C")
                    }
                    rows += 1
                }
            })
            guard case .ok = reply else {
                if case .failure(let f) = reply { throw refused(f, request, ctx) }
                return .failure
            }
            let summary = try (end ?? .null).decode(ReadingsEnd.self).summary
            guard let h = header else { return .failure }
            if ctx.json {
                var rest: [String: JSONValue] = ["since": .string(h.since), "summary": try JSONValue(encoding: summary)]
                if let e = h.every { rest["every"] = .string(e); rest["fridge"] = .string(h.fridge) }
                raw("]," + String(JSONValue.object(rest).serialized.dropFirst()))
            } else if !csv {
                if rows == 0 { print("no readings since \(PeopleTime.local(h.since))") }
                if summary.count > 0 {
                    print("")
                    print(hanging("", "\(summary.count) readings since \(PeopleTime.local(h.since)): min \(summary.minC ?? 0) °C, max \(summary.maxC ?? 0) °C, mean \(summary.meanC ?? 0) °C, MKT \(summary.mktC ?? 0) °C"))
                }
                print(PeopleTime.zoneLine)
            }
            return .ok
        } catch let e as ExitCode {
            throw e
        } catch let f as ControlFailure {
            throw refused(f, request, ctx)
        } catch {
            throw lostConnection(ctx, error)
        }
    }

    static func renderExcursions(_ rows: [ExcursionRow], _ a: CtlArgs) {
        let header = ["ID", "FRIDGE", "SENSOR", "SIDE", "STATE", "START", "END", "MIN", "MAX", "DURATION", "°C·MIN", "RULE", "CAUSE"]
        func cells(_ r: ExcursionRow, time: (String) -> String) -> [String] {
            let x = r.excursion
            return [String(x.id), x.fridge, x.sensor, x.side.rawValue, r.open ? "open" : "closed", time(RFC3339.format(x.start)),
                    r.end.map(time) ?? (a.has("--csv") ? "" : "-"), "\(x.minC)", "\(x.maxC)",
                    a.has("--csv") ? "\(r.durationSeconds)" : DurationText.describe(r.durationSeconds), "\(x.degreeMinutes)", x.rule,
                    x.cause?.rawValue ?? (a.has("--csv") ? "" : "-")]
        }
        if a.has("--csv") {
            printCSV(["id", "fridge", "sensor", "side", "state", "start", "end", "min_c", "max_c", "duration_s", "degree_minutes", "rule", "cause"],
                     rows.map { cells($0) { $0 } })
            return
        }
        var t = Table(header, wrap: ["CAUSE", "RULE"], optional: ["°C·MIN", "RULE", "SENSOR"])
        for r in rows { t.add(cells(r, time: PeopleTime.brief)) }
        print(t.rows.isEmpty ? "no excursions" : t.text + "\n" + PeopleTime.zoneLine)
    }

    /// A whole table as CSV (the byte-order mark first), RFC 3339 UTC times as in the record.
    static func printCSV(_ header: [String], _ rows: [[String]]) {
        raw(CSV.byteOrderMark + CSV.line(header))
        for r in rows { print(CSV.line(r)) }
    }

    /// The live stream: one line per event until the daemon closes or Ctrl-C.
    static func watch(_ ctx: CtlContext) -> ExitStatus {
        let client: ControlClient
        do { client = try ControlClient(path: ctx.socket) } catch {
            _ = call(ctx, Commands.Watch.request)  // prints why, with the socket path
            return .unavailable
        }
        do {
            guard case .ok = try client.call(Commands.Watch.request) else { return .failure }
            // (Not the socket's path: a long one wrapped the first line.)
            if !ctx.json { raw("watching \(Paint.bold("coldchaind")) (Ctrl-C to stop); \(PeopleTime.zoneLine)") }
            fflush(nil)
            while let line = try client.readLine() {
                if ctx.json { print(String(decoding: line, as: UTF8.self)); fflush(nil); continue }
                guard let w = try? JSONDecoder().decode(WatchLine.self, from: Data(line)) else { continue }
                raw(describe(w.event))
                fflush(nil)
            }
            printError("coldchainctl: the daemon closed the stream")
            return .unavailable
        } catch {
            printError("coldchainctl: lost the connection to coldchaind at \(ctx.socket): \(error)")
            return .unavailable
        }
    }

    /// One line per event for a person watching: the local time, the verdict or state first (coloured at a
    /// terminal), then what it concerns; wrapped under itself to fit 80 columns. A scan was 6–8 lines of JSON
    /// with the verdict last.
    static func describe(_ e: WatchEvent) -> String {
        var (state, paint, text) = headline(e)
        if !e.recorded { state = "NOT RECORDED (\(e.error ?? "ledger error")): " + state; paint = .red }
        // Escaped here, not when printed: the colour added below must reach the terminal (the caller prints raw).
        state = state.escapedForTerminal
        text = text.escapedForTerminal
        let time = PeopleTime.brief(e.at)
        let lead = time + "  "
        let width = Presentation.current.width ?? Int.max
        let room = width == Int.max ? width : max(20, width - lead.displayWidth - 2)
        let lines = text.isEmpty ? [""] : Table.wrap(text, width: room, taken: state.displayWidth)
        let indent = String(repeating: " ", count: lead.displayWidth + 2)
        // Escape codes take no columns: the state is painted after the wrapping.
        var out = lead + (paint.map { $0(state) } ?? state) + (lines[0].isEmpty ? "" : "  " + lines[0])
        for l in lines.dropFirst() { out += "\n" + indent + l }
        return out
    }

    /// The state or verdict, its colour, and the rest of an event's line.
    static func headline(_ e: WatchEvent) -> (String, Paint?, String) {
        func since(_ d: Date) -> String { PeopleTime.brief(d) }
        func since(_ d: String) -> String { PeopleTime.brief(d) }
        func excursion(_ x: ExcursionState) -> String {
            "\(x.fridge)/\(x.sensor) \(x.side.rawValue), \(x.minC)–\(x.maxC) °C since \(since(x.start))"
                + (x.cause.map { ", cause \($0.rawValue)" } ?? "") + " (excursion \(x.id))"
        }
        func power(_ f: PowerFacts) -> String {
            f.source.escapedForTerminal + (f.status.map { " (\($0.escapedForTerminal))" } ?? "")
                + (f.charge.map { ", charge \($0) %" } ?? "") + (f.runtimeSeconds.map { ", runtime \(DurationText.describe($0))" } ?? "")
        }
        switch e.typed {
        case .reading(let r)?:
            let out = r.celsius > 8 ? " HIGH" : r.celsius < 2 ? " LOW" : ""
            return ("\(r.celsius) °C\(out)", out.isEmpty ? nil : .red, r.sensor + (r.humidity.map { ", \($0) %" } ?? ""))
        case .excursionOpened(let x)?: return ("EXCURSION", .red, excursion(x.excursion))
        case .excursionPeak(let x)?: return ("excursion peak", .yellow, excursion(x.excursion))
        case .excursionClosed(let x)?: return ("excursion over", .green, excursion(x.excursion))
        case .alarmOpened(let a)?: return ("ALARM \(a.alarm)", .red, "\(a.fridge)/\(a.sensor) \(a.cause.rawValue)")
        case .alarmAcknowledged(let a)?: return ("alarm \(a.alarm) acknowledged", .green, "\(a.fridge)/\(a.sensor): \(a.note)")
        case .alarmClosed(let a)?: return ("alarm \(a.alarm) closed", .green, "\(a.fridge)/\(a.sensor): \(a.reason)")
        case .powerLost(let p)?: return ("POWER LOST", .red, power(p.facts))
        case .powerRestored(let p)?: return ("power back", .green, "after \(DurationText.describe(p.offSeconds)): " + power(p.facts))
        case .powerBatteryLow(let p)?: return ("BATTERY LOW", .red, "the gateway expects to go down: " + power(p.facts))
        case .powerUnknown(let p)?: return ("POWER UNKNOWN", .yellow, "\(p.source.escapedForTerminal): \(p.error.escapedForTerminal)")
        case .powerKnown(let p)?: return ("power readable", .green, "again after \(DurationText.describe(p.unknownSeconds)): " + power(p.facts))
        case .doorOpened(let d)?: return ("DOOR OPEN", .yellow, "\(d.input) of \(d.fridge)")
        case .doorClosed(let d)?: return ("door closed", .green, "\(d.input) of \(d.fridge), after \(DurationText.describe(d.openSeconds))")
        case .scan(let s)?: return scanLine(s, name: e.notes?["name"])
        case .inspectionRecorded(let c)?:
            return (c.flagged ? "CHECK FLAGGED" : "check", c.flagged ? .red : nil,
                    "\(c.fridge) thermometer \(c.celsius) °C by \(c.by)" + (c.difference.map { ", \(abs($0)) °C \($0 >= 0 ? "above" : "below") probe \(c.probeSensor ?? "")" } ?? ""))
        case .probeFault(let f)?: return ("PROBE FAULT", .red, "\(f.fridge)/\(f.sensor): \(f.reason)")
        case .sensorNoData(let n)?: return ("NO DATA", .red, "from \(n.fridge)/\(n.sensor) since \(since(n.since))")
        case .sensorRecovered(let r)?: return ("data again", .green, "from \(r.fridge)/\(r.sensor) after \(DurationText.describe(r.silentSeconds))")
        case .gatewayStarted(let g)?: return ("started", .green, "gateway \(g.gateway), version \(g.version)")
        case .gatewayStopped(let g)?: return ("stopped", .yellow, "\(g.reason), after \(DurationText.describe(g.uptimeSeconds))")
        case .gatewayGap(let g)?: return ("NOT RECORDING", .red, "for \(DurationText.describe(g.seconds)) from \(since(g.from)) (\(g.previousEnd))")
        case .configLoaded(let c)?: return ("config", nil, "\(c.file): \(c.fridges.count) fridge(s), \(c.sensors) sensor(s), \(c.scanners) scanner(s)")
        case .ledgerUnrecorded(let u)?: return ("LEDGER COULD NOT WRITE", .red, "from \(since(u.from)) to \(since(u.to)): \(u.error)")
        case .holdAdded(let h)?:
            return ("hold \(h.hold)", .yellow, "on \(h.product)" + (h.lot.map { " lot \($0)" } ?? "") + (h.code.map { " code \($0)" } ?? "") + ": \(h.reason) (\(h.source))")
        case .holdRemoved(let h)?: return ("hold \(h.hold) lifted", .green, h.source.map { "(\($0))" } ?? "")
        case .scannerSwitched(let s)?:
            return ("scanner \(s.scanner)", nil, "now" + (s.mode.map { " mode \($0.rawValue)" } ?? "") + (s.fridge.map { " fridge \($0)" } ?? ""))
        case .scannerNoise(let n)?:
            return n.ended ? ("scanner quiet", .green, "\(n.scanner): quiet again") : ("LINE NOISE", .yellow, "\(n.scanner): \(n.count) unrecognised codes")
        case .backupCompleted(let b)?: return ("backup", .green, "\(b.full ? "full copy" : "extended") \(b.file) to event \(b.headSeq)")
        case .backupFailed(let b)?: return ("BACKUP FAILED", .red, "in \(b.dir): \(b.error)")
        case .clockBehind(let c)?: return ("CLOCK BEHIND", .red, "the record by \(DurationText.describe(c.behindSeconds))")
        case .clockCorrected(let c)?: return ("clock stepped", .yellow, "\(c.offsetSeconds >= 0 ? "forward" : "back") \(DurationText.describe(abs(c.offsetSeconds)))")
        case .clockAhead(let c)?: return ("CLOCK AHEAD", .red, "of the record by \(DurationText.describe(c.aheadSeconds)), not followed until confirmed")
        case .alarmNotified(let n)?:
            return n.ok ? ("notice sent", .green, "alarm \(n.alarm) \(n.kind.rawValue) to \(n.channel) (\(n.recipient))")
                : ("NOTICE FAILED", .red, "alarm \(n.alarm) \(n.kind.rawValue) to \(n.channel) (\(n.recipient)), attempt \(n.attempt)" + (n.error.map { ": \($0)" } ?? ""))
        case .billReceived(let b)?: return ("bill", nil, "\(b.bill) from \(b.sender): part \(b.part) of \(b.parts), \(b.lines.count) line(s)")
        case .billClosed(let b)?:
            return ("bill closed", b.missing.isEmpty && b.unexpected.isEmpty ? .green : .yellow,
                    "\(b.bill)\(b.automatic ? " (every line scanned)" : b.by.map { " by \($0)" } ?? ""): \(b.scanned) of \(b.expected) scanned, "
                        + "\(b.missing.count) missing, \(b.unexpected.count) on no bill")
        case .assessmentRecorded(let a)?:
            return (a.decision == .release ? "RELEASED" : "DISCARD", a.decision == .release ? .green : .red,
                    "excursion \(a.excursion): \(a.doses.count) dose(s) by \(a.by): \(a.note)")
        default: return (e.type, nil, e.body.serialized)
        }
    }

    /// A scan: the verdict, the product's name, lot and expiry, the fridge and the scanner; for `exposed`, the
    /// excursions' peak and duration.
    static func scanLine(_ s: Scan, name: String?) -> (String, Paint?, String) {
        let verdict = s.refused ? "REFUSED \(s.verdict)" : s.verdict == "ok" ? "OK" : s.verdict.uppercased()
        var parts: [String] = [s.mode.rawValue]
        parts.append(name ?? s.product ?? s.dose ?? s.code["raw"]?.stringValue ?? "?")
        if let lot = s.lot { parts.append("lot \(lot)") }
        if let expiry = s.expiry { parts.append("exp \(expiry)") }
        parts.append("\(s.fridge), scanner \(s.scanner)")
        var text = parts.joined(separator: " · ")
        if case .array(let list)? = s.detail["excursions"] {
            for x in list {
                guard let id = x["id"]?.doubleValue, let peak = x["peak_c"]?.doubleValue, let d = x["duration_s"]?.doubleValue else { continue }
                text += "; excursion \(Int(id)): peak \(peak) °C for \(DurationText.describe(d))"
            }
        }
        return (verdict, s.refused ? .red : .green, text)
    }
}
