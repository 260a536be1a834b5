import ColdChain
import Glibc

let usage = """
    usage: coldchain-bench ledger [--rows N] [--batch-rows N]
           coldchain-bench poller [--reads N] [--rounds N]
           coldchain-bench daemon [--sensors N] [--seconds N]   (RSS and CPU of coldchaind polling coldchain-sim)
           coldchain-bench scans [--scanners N] [--rate N] [--seconds N]   (scan-to-durable-verdict latency)
           coldchain-bench uplink [--events N] [--batch N] [--receiver Tests/Interop/platform_receiver.py]
           coldchain-bench control [--seconds N]   (daemon memory under a client that never reads, and 60 parallel large queries)
           coldchain-bench history [--years N] [--dir DIR]   (every CLI query at 1 day and N years of history, as ratios)
           coldchain-bench stock [--doses 20000] [--products 20000] [--bill 100000]   (inventory with a catalogue, a bill's import)
           coldchain-bench slowdisk [--seconds N] [--delays 0,300] [--sensors 8,32]   (the daemon under an fsync-delay shim)
           coldchain-bench soak [--minutes N] [--failing-channels]   (the daemon's memory every minute, 32 sensors at 1 s)
           coldchain-bench mqtt [--events 100000] [--inflight 100]   (catch-up into mosquitto beside mosquitto_pub's own)
           coldchain-bench fleet [--gateways 200] [--days 1] [--inflight 50] [--consumers 2] [--disrupt broker,consumer]
                 (N uplinks in one process into mosquitto, a consumer into PostgreSQL; exactly once checked)
           coldchain-bench web [--clients 50] [--seconds 60] [--scans 20] [--script Tests/Interop/web_bench.py]
                 (coldchain-web in headless Chromium: first load, scan to desk page, live clients' cost)
           coldchain-bench budget [--minutes 10] [--quota 25]
                 (daemon + web + MQTT uplink, 8 probes, 2 scanners, 5 live pages, in a cgroup CPU quota of % of a core)
           coldchain-bench append-loop --ledger FILE [--threads N]   (the crash test's child)
    """

func benchMain(_ args: [String]) -> Int32 {
    guard let command = args.first else { print(usage); return 64 }
    var options: [String: String] = [:]
    var flags: Set<String> = []
    var i = 1
    while i < args.count, args[i].hasPrefix("--") {
        if args[i] == "--failing-channels" { flags.insert(args[i]); i += 1; continue }
        guard i + 1 < args.count else { break }
        options[args[i]] = args[i + 1]; i += 2
    }
    guard i == args.count else { print(usage); return 64 }
    switch command {
    case "ledger":
        return LedgerBench.run(rows: Int(options["--rows"] ?? "") ?? 2000, batchRows: Int(options["--batch-rows"] ?? "") ?? 100_000)
    case "poller":
        return PollerBench.run(reads: Int(options["--reads"] ?? "") ?? 20000, rounds: Int(options["--rounds"] ?? "") ?? 5)
    case "daemon":
        return DaemonBench.run(sensors: Int(options["--sensors"] ?? "") ?? 32, seconds: Int(options["--seconds"] ?? "") ?? 60)
    case "scans":
        return ScanBench.run(scanners: Int(options["--scanners"] ?? "") ?? 4, rate: Int(options["--rate"] ?? "") ?? 50,
                             seconds: Int(options["--seconds"] ?? "") ?? 10)
    case "mqtt":
        return MQTTBench.run(events: Int(options["--events"] ?? "") ?? 100_000, inflight: Int(options["--inflight"] ?? "") ?? 100)
    case "fleet":
        guard let gateways = Int(options["--gateways"] ?? "200"), (1...2000).contains(gateways),
              let days = Int(options["--days"] ?? "1"), (1...30).contains(days),
              let inflight = Int(options["--inflight"] ?? "50"), (1...1000).contains(inflight) else { print(usage); return 64 }
        return FleetBench.run(gateways: gateways, days: days, inflight: inflight, consumerScript: options["--consumer"] ?? "Tests/Interop/fleet_consumer.py", consumerCount: min(8, max(1, Int(options["--consumers"] ?? "2") ?? 2)),
                              disrupt: Set((options["--disrupt"] ?? "broker,consumer").split(separator: ",").map(String.init)))
    case "web":
        return WebBench.run(clients: Int(options["--clients"] ?? "") ?? 50, seconds: Int(options["--seconds"] ?? "") ?? 60,
                            scans: Int(options["--scans"] ?? "") ?? 20, script: options["--script"] ?? "Tests/Interop/web_bench.py")
    case "uplink":
        return UplinkBench.run(events: Int(options["--events"] ?? "") ?? 100_000, batch: Int(options["--batch"] ?? "") ?? 500,
                               receiverScript: options["--receiver"] ?? "Tests/Interop/platform_receiver.py")
    case "control":
        return ControlBench.run(seconds: Int(options["--seconds"] ?? "") ?? 20)
    case "history":
        guard let years = Double(options["--years"] ?? "1"), years > 0, years <= 20 else { print(usage); return 64 }
        return HistoryBench.run(years: years, keepDir: options["--dir"])
    case "slowdisk":
        let delays = (options["--delays"] ?? "0,300").split(separator: ",").compactMap { Int($0) }.filter { (0...10_000).contains($0) }
        let sensors = (options["--sensors"] ?? "8,32").split(separator: ",").compactMap { Int($0) }.filter { (1...256).contains($0) }
        guard let seconds = Int(options["--seconds"] ?? "20"), (1...3600).contains(seconds), !delays.isEmpty, !sensors.isEmpty else { print(usage); return 64 }
        return SlowDiskBench.run(seconds: seconds, delays: delays, sensorCounts: sensors)
    case "raw-commits":
        guard let file = options["--file"] else { print(usage); return 64 }
        return SlowDiskBench.rawCommits(file: file)
    case "soak":
        guard let minutes = Int(options["--minutes"] ?? "60"), (1...10_000).contains(minutes) else { print(usage); return 64 }
        return SoakBench.run(minutes: minutes, failingChannels: flags.contains("--failing-channels"))
    case "stock":
        guard let doses = Int(options["--doses"] ?? "20000"), (1...1_000_000).contains(doses),
              let products = Int(options["--products"] ?? "20000"), (1...Catalogue.maxProducts).contains(products),
              let lines = Int(options["--bill"] ?? "100000"), (1...DeliveryBill.maxLines).contains(lines) else { print(usage); return 64 }
        return StockBench.run(doses: doses, products: products, billLines: lines)
    case "budget":
        guard let minutes = Int(options["--minutes"] ?? "10"), let quota = Int(options["--quota"] ?? "25") else { print(usage); return 64 }
        return BudgetBench.run(minutes: minutes, quota: quota)
    case "append-loop":
        guard let path = options["--ledger"] else { print(usage); return 64 }
        return AppendLoop.run(ledgerPath: path, threads: Int(options["--threads"] ?? "") ?? 4)
    default:
        print(usage)
        return 64
    }
}

exit(benchMain(Array(CommandLine.arguments.dropFirst())))
