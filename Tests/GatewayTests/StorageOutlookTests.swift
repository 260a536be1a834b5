import ColdChain
import Control
import Foundation
@testable import Gateway
import Storage
import Testing
import TestSupport

/// The storage outlook: measured once the ledger is a day old, estimated from the sensors before; a warning under
/// 90 days, first in `status`.
@Suite struct StorageOutlookTests {
    @Test func measuredOrEstimatedAndAWarningUnderNinetyDays() throws {
        let f = try HubFixture()
        let perDay = StorageOutlook.eventsPerDay(f.config)
        #expect(perDay == f.config.fridges.flatMap(\.sensors).reduce(0) { $0 + 86_400 / $1.poll } && perDay > 0)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let fresh = StorageOutlook.at(now, sizeBytes: 50_000, since: now.addingTimeInterval(-3600), freeBytes: 1_000_000_000, config: f.config)
        #expect(!fresh.measured && fresh.bytesPerDay == (perDay * 300).rounded())
        #expect(fresh.daysUntilFull == (1_000_000_000 / fresh.bytesPerDay).rounded(.down))
        // Ten days old, 100 MB: 10 MB a day measured; 500 MB free is 50 days: a warning naming both.
        let old = StorageOutlook.at(now, sizeBytes: 100_000_000, since: now.addingTimeInterval(-10 * 86_400), freeBytes: 500_000_000, config: f.config)
        #expect(old.measured && old.bytesPerDay == 10_000_000 && old.daysUntilFull == 50)
        #expect(old.warning?.hasPrefix("storage: the ledger's disk is full in about 50 days (476.8 MiB free, 9.5 MiB a day)") == true, "\(old.warning ?? "")")
        let roomy = StorageOutlook.at(now, sizeBytes: 100_000_000, since: now.addingTimeInterval(-10 * 86_400), freeBytes: 5_000_000_000, config: f.config)
        #expect(roomy.warning == nil)
        #expect(f.config.storageEstimate.contains("over 5 years"), "\(f.config.storageEstimate)")

        // The daemon's status: the ledger's file system, measured with statvfs.
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        let commands = ControlCommands(config: f.config, ledger: f.ledger, hub: f.hub, scans: scans, uplink: UplinkState(),
                                       startedAt: f.t0, clock: ManualClock(f.t0))
        let outlook = try #require(commands.status().ledger.outlook)
        #expect(outlook.freeBytes > 0 && outlook.sizeBytes > 0 && !outlook.measured)
    }
}
