import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import Storage

/// `coldchain-bench stock [--doses 20000] [--products 20000] [--bill 100000]`: `inventory` with that many doses in
/// stock, first without a catalogue (today's answer) and then with a catalogue of that many products, as a ratio;
/// then a delivery bill of that many lines sent through `coldchainctl receive import`, end to end.
enum StockBench {
    static func run(doses: Int, products: Int, billLines: Int) -> Int32 {
        let site = BenchSite("stock")
        defer { _ = try? FileManager.default.removeItem(atPath: site.dir) }
        do {
            // The stock: scan-ins written as the daemon writes them, spread over 200 products of three lots each (a
            // clinic holds a few dozen; 20,000 doses in 20,000 groups would pass the 2 MiB answer's bound).
            let kinds = max(1, min(200, products))
            let ledger = try Ledger(path: site.dir + "/ledger.sqlite")
            var batch: [NewEvent] = []
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            for i in 0..<doses {
                let product = 8_000_000 + i % kinds
                let scan = TraceCodeParser.parse(Array("\(product)\(String(format: "%013d", i))".utf8), currentYear: 2026)
                guard let id = DoseVerifier.identity(scan) else { continue }
                batch.append(NewEvent(Scan(scanner: "desk", fridge: "F1", mode: .in, direction: Scan.Key.into, verdict: "ok", refused: false, moved: true,
                                           detail: .object([:]), code: scan.json, dose: id.key, product: id.product, lot: "L\(i % 3)",
                                           expiry: "2027-0\(1 + i % 3)-15"), at: t0.addingTimeInterval(Double(i))))
                if batch.count == 5000 { _ = try ledger.appendBlocking(batch); batch.removeAll() }
            }
            if !batch.isEmpty { _ = try ledger.appendBlocking(batch) }
            ledger.close()
            var catalogue = "code,name,manufacturer,specification,doses_per_package\n"
            for p in 0..<products { catalogue += "\(8_000_000 + p),疫苗\(p)(Vero细胞),生物制品研究所有限责任公司,0.5ml,1\n" }
            site.write("catalogue.csv", catalogue)

            func config(catalogue: Bool) {
                site.write("coldchaind.json5", """
                    { gateway: { id: "gw-stock", site: "stock bench" }, storage: { path: "ledger.sqlite" },
                      control: { socket: "control.sock" }, devices_dir: "devices", \(site.buses()),
                      fridges: [ \(BenchSite.fridges(sensors: 1, poll: "60s")) ],
                      scanners: [ { id: "desk", device: "/dev/null", fridge: "F1", mode: "in" } ],
                      \(catalogue ? #"catalogue: "catalogue.csv","# : "") }
                    """)
            }
            func inventory() throws -> (median: Double, groups: Int, named: Int) {
                let socket = site.dir + "/control.sock"
                var times: [Double] = [], groups = 0, named = 0
                for _ in 0..<15 {
                    let client = try ControlClient(path: socket)
                    let t = monotonicSeconds()
                    let answer = try client.call(Commands.Inventory.request(.init(fridge: nil, expiring: nil)), as: [StockGroup].self)
                    guard case .ok(let list, _) = answer else {
                        if case .failure(let f) = answer { throw Errno("inventory refused: \(f.message)", code: EIO) }
                        throw Errno("inventory refused", code: EIO)
                    }
                    times.append((monotonicSeconds() - t) * 1000)
                    groups = list.count; named = list.filter { $0.name != nil }.count
                }
                return (times.sorted()[times.count / 2], groups, named)
            }
            func withDaemon<T>(catalogue: Bool, _ body: () throws -> T) throws -> T {
                config(catalogue: catalogue)
                let daemon = try site.startDaemon()
                defer { daemon.signal(SIGTERM); daemon.wait() }
                let socket = site.dir + "/control.sock"
                let started = monotonicSeconds()
                while monotonicSeconds() - started < 120 {
                    if let c = try? ControlClient(path: socket), case .ok? = try? c.call(Commands.Status.request) { break }
                    usleep(20_000)
                }
                return try body()
            }
            let plain = try withDaemon(catalogue: false) { try inventory() }
            let (named, importSeconds, recorded) = try withDaemon(catalogue: true) { () -> ((Double, Int, Int), Double, String) in
                let inv = try inventory()
                var bill = "bill,sender,date,code,lot,expiry,name\n"
                for i in 0..<billLines {
                    bill += "BENCH-1,县疾控中心,2026-12-03,8\(String(format: "%06d", 900_000 + i % 99_999))\(String(format: "%013d", i)),L\(i % 9),2027-08-31,\n"
                }
                site.write("bill.csv", bill)
                let t = monotonicSeconds()
                let ctl = try ChildProcess(path: site.bin + "/coldchainctl", arguments: ["--socket", site.dir + "/control.sock", "receive", "import", site.dir + "/bill.csv"],
                                           stdout: site.dir + "/import.out", stderr: site.dir + "/import.out")
                let status = ctl.wait()
                let seconds = monotonicSeconds() - t
                let out = (try? String(contentsOfFile: site.dir + "/import.out", encoding: .utf8)) ?? ""
                return (inv, seconds, status == 0 ? out.split(separator: "\n").first.map(String.init) ?? "" : "failed: \(out.suffix(300))")
            }
            print("stock: \(doses) doses in stock over \(kinds) products; a catalogue of \(products) products; coldchaind from this folder")
            print("inventory without a catalogue   \(String(format: "%.1f", plain.median)) ms (\(plain.groups) groups)")
            print("inventory with the catalogue    \(String(format: "%.1f", named.0)) ms (\(named.1) groups, \(named.2) named)   ratio \(String(format: "%.2f", named.0 / plain.median))")
            print("receive import of \(billLines) lines  \(String(format: "%.1f", importSeconds)) s (\(Int(Double(billLines) / importSeconds)) lines/s, parts of \(BillReceived.maxLines)): \(recorded)")
            print("goals: inventory with the catalogue ≤ 1.5× without, ≤ 50 ms")
            return 0
        } catch {
            print("stock bench: \(error)")
            return 1
        }
    }
}
