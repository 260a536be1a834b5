import ColdChain
import Control
import FoundationEssentials
import Glibc

extension CtlCommand {
    static func renderReadings(_ r: ReadingsReply) {
        var t = Table(["TIME", "SENSOR", "TEMP", "HUMIDITY"])
        for x in r.readings { t.add([x.at, x.sensor, "\(x.celsius) °C", x.humidity.map { "\($0) %" } ?? ""]) }
        print(t.rows.isEmpty ? "no readings since \(r.since)" : t.text)
        let s = r.summary
        if s.count > 0 {
            print("")
            print("\(s.count) readings since \(r.since): min \(s.minC ?? 0) °C, max \(s.maxC ?? 0) °C, mean \(s.meanC ?? 0) °C, MKT \(s.mktC ?? 0) °C")
        }
    }

    static func renderExcursions(_ rows: [ExcursionRow]) {
        var t = Table(["ID", "FRIDGE", "SENSOR", "SIDE", "STATE", "START", "END", "MIN", "MAX", "DURATION", "°C·MIN", "RULE"])
        for r in rows {
            let x = r.excursion
            t.add([String(x.id), x.fridge, x.sensor, x.side.rawValue, r.open ? "open" : "closed", RFC3339.format(x.start), r.end ?? "-",
                   "\(x.minC)", "\(x.maxC)", DurationText.describe(r.durationSeconds), "\(x.degreeMinutes)", x.rule])
        }
        print(t.rows.isEmpty ? "no excursions" : t.text)
    }

    /// The live stream: one line per event until the daemon closes or Ctrl-C.
    static func watch(_ ctx: CtlContext) -> ExitStatus {
        let client: ControlClient
        do { client = try ControlClient(path: ctx.socket) } catch {
            _ = call(ctx, .watch)  // prints why, with the socket path
            return .unavailable
        }
        do {
            guard case .ok = try client.call(ControlCommand.watch.request) else { return .failure }
            if !ctx.json { print("watching \(ctx.socket) (Ctrl-C to stop)") }
            fflush(nil)
            while let line = try client.readLine() {
                if ctx.json { print(String(decoding: line, as: UTF8.self)); fflush(nil); continue }
                guard let v = try? JSONValue.parse(Data(line)), let w = try? v.decode(WatchLine.self) else { continue }
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
            "excursion \(x.id) \(x.fridge)/\(x.sensor) \(x.side.rawValue): min \(x.minC) max \(x.maxC) °C since \(RFC3339.format(x.start))"
        }
        switch e.typed {
        case .reading(let r)?: text = "\(r.sensor) \(r.celsius) °C" + (r.humidity.map { " \($0) %" } ?? "")
        case .excursionOpened(let x)?: text = excursion(x.excursion)
        case .excursionPeak(let x)?: text = excursion(x.excursion)
        case .excursionClosed(let x)?: text = excursion(x.excursion)
        case .alarmOpened(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.cause.rawValue)"
        case .alarmAcknowledged(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.note)"
        case .alarmClosed(let a)?: text = "alarm \(a.alarm) \(a.fridge)/\(a.sensor) \(a.reason)"
        default: text = e.body.serialized
        }
        if !e.recorded { text = "NOT RECORDED (\(e.error ?? "ledger error")): " + text }
        return "\(e.at)  \(e.type.padding(18))  \(text)"
    }
}
