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
                Swift.print(opening + "\"\(list)\":[", terminator: "")
            } else if csv {
                Swift.print(CSV.byteOrderMark + CSV.line(every == nil ? ["at", "sensor", "c", "h"] : ["from", "sensor", "count", "min_c", "max_c", "mean_c"]))
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
                    if ctx.json { Swift.print((rows == 0 ? "" : ",") + (try JSONValue(encoding: r)).serialized, terminator: "") }
                    else if csv { print(CSV.line([r.at, r.sensor, CSV.number(r.celsius), CSV.number(r.humidity)])) }
                    else {
                        // Outside 2–8 °C is marked, so a night at 11 °C stands out of a screen of readings.
                        let mark = r.celsius > 8 ? " HIGH" : r.celsius < 2 ? " LOW" : ""
                        print(PeopleTime.local(r.at) + "  " + r.sensor.padding(14) + "  " + "\(r.celsius) °C\(mark)".padding(13) + "  " + (r.humidity.map { "\($0) %" } ?? ""))
                    }
                    rows += 1
                }
                for b in part.buckets ?? [] {
                    if ctx.json { Swift.print((rows == 0 ? "" : ",") + (try JSONValue(encoding: b)).serialized, terminator: "") }
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
                Swift.print("]," + String(JSONValue.object(rest).serialized.dropFirst()))
            } else if !csv {
                if rows == 0 { print("no readings since \(PeopleTime.local(h.since))") }
                if summary.count > 0 {
                    print("")
                    print("\(summary.count) readings since \(PeopleTime.local(h.since)): min \(summary.minC ?? 0) °C, max \(summary.maxC ?? 0) °C, mean \(summary.meanC ?? 0) °C, MKT \(summary.mktC ?? 0) °C")
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
        var t = Table(header)
        for r in rows { t.add(cells(r, time: PeopleTime.local)) }
        print(t.rows.isEmpty ? "no excursions" : t.text + "\n" + PeopleTime.zoneLine)
    }

    /// A whole table as CSV (the byte-order mark first), RFC 3339 UTC times as in the record.
    static func printCSV(_ header: [String], _ rows: [[String]]) {
        Swift.print(CSV.byteOrderMark + CSV.line(header))
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
            if !ctx.json { print("watching \(ctx.socket) (Ctrl-C to stop); \(PeopleTime.zoneLine)") }
            fflush(nil)
            while let line = try client.readLine() {
                if ctx.json { print(String(decoding: line, as: UTF8.self)); fflush(nil); continue }
                guard let w = try? JSONDecoder().decode(WatchLine.self, from: Data(line)) else { continue }
                print(describe(w.event))
                fflush(nil)
            }
            printError("coldchainctl: the daemon closed the stream")
            return .unavailable
        } catch {
            printError("coldchainctl: lost the connection to coldchaind at \(ctx.socket): \(error)")
            return .unavailable
        }
    }

    /// One line per event for a person watching.
    static func describe(_ e: WatchEvent) -> String {
        var text: String
        func excursion(_ x: ExcursionState) -> String {
            "excursion \(x.id) \(x.fridge)/\(x.sensor) \(x.side.rawValue): min \(x.minC) max \(x.maxC) °C since \(PeopleTime.local(x.start))"
                + (x.cause.map { ", cause: \($0.rawValue)" } ?? "")
        }
        func power(_ f: PowerFacts) -> String {
            f.source.escapedForTerminal + (f.status.map { " (\($0.escapedForTerminal))" } ?? "")
                + (f.charge.map { ", charge \($0) %" } ?? "") + (f.runtimeSeconds.map { ", runtime \($0) s" } ?? "")
        }
        switch e.typed {
        case .reading(let r)?: text = "\(r.sensor) \(r.celsius) °C" + (r.humidity.map { " \($0) %" } ?? "")
        case .excursionOpened(let x)?: text = excursion(x.excursion)
        case .excursionPeak(let x)?: text = excursion(x.excursion)
        case .excursionClosed(let x)?: text = excursion(x.excursion)
        case .alarmOpened(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.cause.rawValue)"
        case .alarmAcknowledged(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.note)"
        case .alarmClosed(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.reason)"
        case .powerLost(let p)?: text = "power lost: " + power(p.facts)
        case .powerRestored(let p)?: text = "power restored after \(DurationText.describe(p.offSeconds)): " + power(p.facts)
        case .powerBatteryLow(let p)?: text = "BATTERY LOW, the gateway expects to go down: " + power(p.facts)
        case .powerUnknown(let p)?: text = "power unknown: \(p.source.escapedForTerminal): \(p.error.escapedForTerminal)"
        case .powerKnown(let p)?: text = "power readable again after \(DurationText.describe(p.unknownSeconds)): " + power(p.facts)
        case .doorOpened(let d)?: text = "door \(d.input) of \(d.fridge) opened"
        case .doorClosed(let d)?: text = "door \(d.input) of \(d.fridge) closed after \(DurationText.describe(d.openSeconds))"
        case .scan(let s)?:
            text = "scan \(s.scanner) \(s.fridge) \(s.mode.rawValue): \(s.verdict.uppercased())\(s.refused ? " (refused)" : "") "
                + (s.dose ?? s.code["raw"]?.stringValue ?? "?") + (e.notes?["name"].map { " \($0)" } ?? "")
        case .inspectionRecorded(let c)?:
            text = "\(c.fridge) thermometer \(c.celsius) °C by \(c.by)" + (c.difference.map { " (\($0) °C from probe \(c.probeSensor ?? ""))" } ?? "")
                + (c.flagged ? " FLAGGED" : "")
        case .probeFault(let f)?: text = "PROBE FAULT \(f.fridge)/\(f.sensor): \(f.reason)"
        case .sensorNoData(let n)?: text = "NO DATA from \(n.fridge)/\(n.sensor) since \(PeopleTime.local(n.since))"
        case .sensorRecovered(let r)?: text = "data again from \(r.fridge)/\(r.sensor) after \(DurationText.describe(r.silentSeconds))"
        case .gatewayStarted(let g)?: text = "gateway \(g.gateway) started, version \(g.version)"
        case .gatewayStopped(let g)?: text = "gateway stopped (\(g.reason)) after \(DurationText.describe(g.uptimeSeconds))"
        case .gatewayGap(let g)?: text = "NOT RECORDING for \(DurationText.describe(g.seconds)) from \(PeopleTime.local(g.from)) (\(g.previousEnd))"
        case .configLoaded(let c)?: text = "config \(c.file): \(c.fridges.count) fridge(s), \(c.sensors) sensor(s), \(c.scanners) scanner(s)"
        case .ledgerUnrecorded(let u)?: text = "LEDGER COULD NOT WRITE from \(PeopleTime.local(u.from)) to \(PeopleTime.local(u.to)): \(u.error)"
        case .holdAdded(let h)?: text = "hold \(h.hold) on \(h.product)" + (h.lot.map { " lot \($0)" } ?? "") + (h.code.map { " code \($0)" } ?? "") + ": \(h.reason) (\(h.source))"
        case .holdRemoved(let h)?: text = "hold \(h.hold) lifted" + (h.source.map { " (\($0))" } ?? "")
        case .scannerSwitched(let s)?: text = "scanner \(s.scanner) now" + (s.mode.map { " mode \($0.rawValue)" } ?? "") + (s.fridge.map { " fridge \($0)" } ?? "")
        case .scannerNoise(let n)?: text = "scanner \(n.scanner): \(n.ended ? "quiet again" : "LINE NOISE, \(n.count) unrecognised codes")"
        case .backupCompleted(let b)?: text = "backup \(b.full ? "full copy" : "extended") \(b.file) to event \(b.headSeq)"
        case .backupFailed(let b)?: text = "BACKUP FAILED in \(b.dir): \(b.error)"
        case .clockBehind(let c)?: text = "CLOCK BEHIND the record by \(DurationText.describe(c.behindSeconds))"
        case .clockCorrected(let c)?: text = "clock stepped \(c.offsetSeconds >= 0 ? "forward" : "back") \(DurationText.describe(abs(c.offsetSeconds)))"
        case .clockAhead(let c)?: text = "CLOCK AHEAD of the record by \(DurationText.describe(c.aheadSeconds)), not followed until confirmed"
        case .alarmNotified(let n)?:
            text = "alarm \(n.alarm) \(n.kind.rawValue) to \(n.channel) (\(n.recipient)): " + (n.ok ? "sent" : "FAILED, attempt \(n.attempt)" + (n.error.map { ": \($0)" } ?? ""))
        case .billReceived(let b)?: text = "bill \(b.bill) from \(b.sender): part \(b.part) of \(b.parts), \(b.lines.count) line(s)"
        case .billClosed(let b)?:
            text = "bill \(b.bill) closed\(b.automatic ? " (every line scanned)" : b.by.map { " by \($0)" } ?? ""): \(b.scanned) of \(b.expected) scanned, "
                + "\(b.missing.count) missing, \(b.unexpected.count) on no bill"
        case .assessmentRecorded(let a)?:
            text = "excursion \(a.excursion): \(a.doses.count) dose(s) " + (a.decision == .release ? "RELEASED for use" : "TO BE DISCARDED") + " by \(a.by): \(a.note)"
        default: text = e.body.serialized
        }
        if !e.recorded { text = "NOT RECORDED (\(e.error ?? "ledger error")): " + text }
        return "\(PeopleTime.local(e.at))  \(e.type.padding(18))  \(text)"
    }
}
