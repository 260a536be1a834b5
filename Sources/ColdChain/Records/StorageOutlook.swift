import FoundationEssentials

/// How long the disk holding the ledger lasts: the ledger's size, what it grows by a day (measured once it is a
/// day old, estimated from the configuration before), the free space, and the days until full.
public struct StorageOutlook: Codable, Sendable, Equatable {
    public var sizeBytes: Int64
    public var bytesPerDay: Double
    /// True when `bytesPerDay` is the ledger's own growth; false when it is the configuration's estimate.
    public var measured: Bool
    public var freeBytes: Int64
    public var daysUntilFull: Double?

    enum CodingKeys: String, CodingKey {
        case measured, sizeBytes = "size_bytes", bytesPerDay = "bytes_per_day", freeBytes = "free_bytes", daysUntilFull = "days_until_full"
    }

    /// Bytes an event takes in the ledger, with its indexes: measured by `coldchain-bench history` (292 at one year,
    /// 8 sensors at 60 s with scans), rounded up.
    public static let bytesPerEvent = 300.0
    /// Below this many days `status` warns: time to order a larger disk or move old years to archive.
    public static let warnDays = 90.0

    public init(sizeBytes: Int64, bytesPerDay: Double, measured: Bool, freeBytes: Int64) {
        self.sizeBytes = sizeBytes; self.bytesPerDay = bytesPerDay; self.measured = measured; self.freeBytes = freeBytes
        daysUntilFull = bytesPerDay > 0 ? (Double(freeBytes) / bytesPerDay).rounded(.down) : nil
    }

    /// Events a day the configuration writes: one reading per sensor per poll (scans and alarms are few beside them).
    public static func eventsPerDay(_ config: GatewayConfig) -> Double {
        config.fridges.flatMap(\.sensors).reduce(0) { $0 + 86_400 / max($1.poll, 1) }
    }

    /// The outlook at `now` for a ledger of `sizeBytes` whose first event is from `since`.
    public static func at(_ now: Date, sizeBytes: Int64, since: Date?, freeBytes: Int64, config: GatewayConfig) -> StorageOutlook {
        let age = since.map { now.timeIntervalSince($0) / 86_400 } ?? 0
        if age >= 1 {
            return StorageOutlook(sizeBytes: sizeBytes, bytesPerDay: (Double(sizeBytes) / age).rounded(), measured: true, freeBytes: freeBytes)
        }
        return StorageOutlook(sizeBytes: sizeBytes, bytesPerDay: (eventsPerDay(config) * bytesPerEvent).rounded(), measured: false, freeBytes: freeBytes)
    }

    public var warning: String? {
        guard let days = daysUntilFull, days < Self.warnDays else { return nil }
        return "storage: the ledger's disk is full in about \(Int(days)) days (\(ByteSize.text(Double(freeBytes))) free, \(ByteSize.text(bytesPerDay)) a day"
            + "\(measured ? "" : " estimated")): add space, or copy the backup off and archive old years"
    }
}

extension GatewayConfig {
    /// `--check-config`'s estimate: what the configured sensors write a day and over five years (the law's minimum
    /// keeping time after a vaccine expires).
    public var storageEstimate: String {
        let perDay = StorageOutlook.eventsPerDay(self) * StorageOutlook.bytesPerEvent
        return "storage   about \(ByteSize.text(perDay)) a day for \(fridges.flatMap(\.sensors).count) sensor(s): "
            + "\(ByteSize.text(perDay * 365)) a year, \(ByteSize.text(perDay * 365 * 5)) over 5 years "
            + "(\(Int(StorageOutlook.bytesPerEvent)) bytes an event with its indexes)"
    }
}
