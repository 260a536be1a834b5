import ColdChain
import Control
import FoundationEssentials
@testable import Gateway
import Storage
import Testing
import TestSupport

/// The catalogue's names beside the codes in `inventory`, `scans` and `lookup`; its problems in the config check.
@Suite struct CatalogueNamesTests {
    static let catalogue = """
        code,name,manufacturer,specification,doses_per_package
        09506000134352,乙型肝炎疫苗(酿酒酵母),深圳康泰生物制品股份有限公司,10μg/0.5ml,1
        8100002,二价脊髓灰质炎减毒活疫苗(人二倍体细胞),北京生物制品研究所有限责任公司,,
        8100003,Bad\u{7}name,,,

        """

    @Test func inventoryScansAndLookupShowTheName() async throws {
        let dir = TempDir("cc-names")
        dir.write("catalogue.csv", Self.catalogue)
        let f = try HubFixture(dir: dir, top: #"catalogue: "catalogue.csv", "#)
        #expect(f.config.catalogue.products.count == 2)
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(f.t0))
        #expect(scans.record(scanner: "desk", bytes: DiskFullTests.dose(1), at: f.t0) != nil)
        #expect(scans.record(scanner: "desk", bytes: Array("81000020000000000001".utf8), at: f.t0) != nil)
        #expect(scans.record(scanner: "desk", bytes: Array("81234560000000000001".utf8), at: f.t0) != nil)   // not in the catalogue

        let groups = scans.inventory(fridge: nil, expiringWithin: nil, now: f.t0)
        #expect(Dictionary(groups.map { ($0.product, $0.name ?? "-") }, uniquingKeysWith: { a, _ in a }) == [
            "gs1:09506000134352": "乙型肝炎疫苗(酿酒酵母)", "cn:8100002": "二价脊髓灰质炎减毒活疫苗(人二倍体细胞)", "cn:8123456": "-",
        ])
        guard case .ok(let listed) = try await commands.recentScans(limit: 10) else { Issue.record("scans"); return }
        let rows = try listed.decode([ScanRow].self)
        #expect(rows.map { $0.notes["name"] ?? "-" }.sorted() == ["-", "乙型肝炎疫苗(酿酒酵母)", "二价脊髓灰质炎减毒活疫苗(人二倍体细胞)"])
        guard case .ok(let story) = try await commands.lookup("81000020000000000001") else { Issue.record("lookup"); return }
        #expect(story["name"] == "二价脊髓灰质炎减毒活疫苗(人二倍体细胞)")
        guard case .ok(let unknown) = try await commands.lookup("81234560000000000001") else { Issue.record("lookup"); return }
        #expect(unknown["name"] == .null)
    }

    /// A scan on the watch stream carries the product's name beside the record (the body stays as recorded).
    @Test func theWatchStreamNamesTheScannedProduct() async throws {
        let dir = TempDir("cc-names")
        dir.write("catalogue.csv", Self.catalogue)
        let f = try HubFixture(dir: dir, top: #"catalogue: "catalogue.csv", "#)
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(f.t0))
        let path = dir.file("control.sock")
        let logger = Log(collect: { _ in })
        let server = try ControlServer(listener: try ControlSocket.bind(path: path, group: nil, log: logger), path: path, handler: commands, log: logger)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let t0 = f.t0
        let found = try await offPool { () -> WatchEvent? in
            let client = try ControlClient(path: path)
            guard case .ok = try client.call(Commands.Watch.request) else { return nil }
            #expect(scans.record(scanner: "desk", bytes: DiskFullTests.dose(1), at: t0) != nil)
            for _ in 0..<20 {
                guard let line = try client.readLine() else { return nil }
                let event = try JSONDecoder().decode(WatchLine.self, from: Data(line)).event
                if event.type == "scan" { return event }
            }
            return nil
        }
        #expect(found?.notes == ["name": "乙型肝炎疫苗(酿酒酵母)"], "\(String(describing: found))")
        #expect(found?.body["product"] == "gs1:09506000134352" && found?.body["name"] == nil, "the recorded body is unchanged")
    }

    @Test func theConfigCheckNamesTheRowAndRefusesAWrongFile() throws {
        let dir = TempDir("cc-names")
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        func load(_ catalogue: String) -> Result<(GatewayConfig, warnings: [ConfigProblem]), ConfigError> {
            ConfigLoader.load(path: dir.write("coldchaind.json5", validConfig.replacingOccurrences(of: "scanners: [", with: "catalogue: \"\(catalogue)\", scanners: [")))
        }
        dir.write("catalogue.csv", Self.catalogue)
        let (config, warnings) = try load("catalogue.csv").get()
        #expect(config.catalogue.products.count == 2)
        #expect(warnings.map(\.message).contains { $0.contains("row 4: name contains a control character") && $0.contains("left out") }, "\(warnings)")
        dir.write("wrong.csv", "id,name\n1,a\n")
        for (file, reason) in [("wrong.csv", "the first row must be the header"), ("missing.csv", "No such file"), ("/dev/zero", "not a regular file")] {
            guard case .failure(let e) = load(file) else { Issue.record("\(file) accepted"); continue }
            #expect(e.problems.contains { $0.path == "catalogue" && $0.message.contains(reason) }, "\(file): \(e.problems)")
        }
    }
}
