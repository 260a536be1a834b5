import ColdChain
import FoundationEssentials
import Glibc
import POSIX
import Storage

/// The daemon's memory over time: coldchaind polling 32 probes of coldchain-sim every second, its resident and
/// anonymous memory printed every minute. `--failing-channels`: the fridges cross their limit every 10 minutes (an
/// alarm opened and closed each time), and every notify channel fails (a robot whose port refuses, an SMS tool
/// that exits 3), so retries, back-off, the SMS budget and the hour's bound all run.
///
/// Hardening 2 measured (debug build, no notify) 27.8 → 30.2 MB, flat from minute 7 to 25; with failing channels
/// 32.2 MB in 2 minutes and still rising. A plateau is what this bench shows, or not.
enum SoakBench {
    static func run(minutes: Int, failingChannels: Bool, sensors: Int = 32) -> Int32 {
        let site = BenchSite("soak-bench")
        let dir = site.dir
        mkdir(dir + "/bin", 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        // With failing channels each fridge goes to 11 °C for 4 of every 10 minutes, staggered by fridge.
        let units = (1...sensors).map { u -> String in
            let fridge = (u - 1) / 4
            let timeline = failingChannels
                ? "[ { at: \"0s\", c: 5 }, { at: \"\(60 + fridge * 30)s\", c: 5 }, { at: \"\(61 + fridge * 30)s\", c: 11 }, "
                    + "{ at: \"\(300 + fridge * 30)s\", c: 11 }, { at: \"\(301 + fridge * 30)s\", c: 5 } ]"
                : "[ { at: \"0s\", c: 5 } ]"
            return "{ unit: \(u), noise_c: 0.2, timeline: \(timeline) }"
        }
        site.write("scenario.json5", "{ loop: \"10m\", units: [" + units.joined(separator: ",") + "] }")
        var notify = ""
        if failingChannels {
            site.write("wecom.url", "http://127.0.0.1:1/cgi-bin/webhook/send?key=SOAKKEY\n")
            site.write("bin/gammu-smsd-inject", "#!/bin/sh\necho 'Error: the modem does not answer' >&2\nexit 3\n", mode: 0o755)
            site.write("notify-command", "#!/bin/sh\ncat >/dev/null\nexit 4\n", mode: 0o755)
            notify = """
                alarm_command: "\(dir)/notify-command",
                notify: { levels: [ { after: "0s", to: ["duty", "county"] } ], repeat: "5m",
                          channels: { duty: { type: "wecom", url_file: "wecom.url" },
                                      county: { type: "sms", numbers: ["13700000003", "13600000004"] } } },
                """
        }
        site.write("coldchaind.json5", """
            { gateway: { id: "gw-soak", site: "soak" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
              devices_dir: "devices", \(site.buses()),
              \(notify)
              fridges: [ \(BenchSite.fridges(sensors: sensors, poll: "1s", alarm: #"{ preset: "gsp", delay: "30s" }"#)) ] }
            """)
        do {
            let sim = try site.startSimulator()
            defer { sim.signal(SIGTERM); sim.wait() }
            let daemon = try site.startDaemon(environment: ["PATH": dir + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
            defer { daemon.signal(SIGTERM); daemon.wait() }
            print("soak: \(sensors) sensors every 1 s over loopback Modbus TCP for \(minutes) min"
                  + (failingChannels ? ", fridges crossing 8 °C every 10 min, every notify channel failing" : ", no notify"))
            print("minute  resident   anonymous  events   notices(ok/failed/folded)")
            var first: Double?
            for minute in 1...minutes {
                sleep(60)
                guard daemon.poll() == nil else { print("the daemon exited; see \(dir)/daemon.log"); return 1 }
                let status = DaemonBench.procStatus(daemon.pid)
                let rss = status["VmRSS"] ?? "?", anon = status["RssAnon"] ?? "?"
                let (events, ok, failed, folded) = counts(dir)
                if minute == 1 { first = megabytes(anon) }
                print(String(minute).padding(toLength: 8, withPad: " ", startingAt: 0) + rss.padding(toLength: 11, withPad: " ", startingAt: 0)
                      + anon.padding(toLength: 11, withPad: " ", startingAt: 0) + String(events).padding(toLength: 9, withPad: " ", startingAt: 0)
                      + "\(ok)/\(failed)/\(folded)")
                fflush(nil)  // each minute as it comes, also into a file
                if minute == minutes, let first, let last = megabytes(anon) {
                    print("anonymous memory: \(format(first)) MB at minute 1, \(format(last)) MB at minute \(minutes) (\(format(last - first)) MB)")
                }
            }
        } catch {
            print("soak bench failed: \(error)")
            return 1
        }
        return 0
    }

    static func megabytes(_ s: String) -> Double? {
        guard let kb = Double(s.split(separator: " ").first ?? "") else { return nil }
        return kb / 1024
    }

    static func format(_ d: Double) -> String { String((d * 10).rounded() / 10) }

    static func counts(_ dir: String) -> (events: Int64, ok: Int, failed: Int, folded: Int) {
        guard let reader = try? LedgerReader(path: dir + "/ledger.sqlite") else { return (0, 0, 0, 0) }
        defer { reader.close() }
        let head = (try? reader.count()) ?? 0
        var ok = 0, failed = 0, folded = 0
        for e in (try? reader.events(types: [EventType.alarmNotified.rawValue])) ?? [] {
            guard case .alarmNotified(let n)? = try? e.typed() else { continue }
            if n.folded == true { folded += 1 } else if n.ok { ok += 1 } else { failed += 1 }
        }
        return (head, ok, failed, folded)
    }
}
