import ColdChain
import FoundationEssentials

/// Keeps the platform's holds and recalls: `GET {url}/v1/holds?gateway=ID` every `holds_interval`, with
/// If-None-Match so an unchanged list costs one 304. New holds are recorded as `hold.added` (source "platform"),
/// vanished ones as `hold.removed`; verdicts use them from the next scan on.
struct HoldsSync: Service {
    let name = "holds"
    let platform: GatewayConfig.Platform
    let gateway: String
    let token: String?
    let scans: ScanHub
    let clock: any WallClock
    let log: Log

    func run() async throws {
        let client = PlatformClient(platform: platform, token: token, clock: clock, label: "holds")
        await PlatformPoll(client: client, path: "/v1/holds?gateway=\(gateway)", interval: platform.holdsInterval, what: "holds",
                           meanwhile: "; keeping the ones known", log: log).run { data in
            Self.apply(data, in: "the platform's answer", scans: scans, clock: clock, log: log)
        }
    }

    /// A holds list (`{"holds": [...]}`, over HTTP or as the broker's retained message) checked and recorded; false
    /// when it is not one, and then the holds known are kept.
    static func apply(_ data: Data, in source: String, scans: ScanHub, clock: any WallClock, log: Log) -> Bool {
        // Bounded: the list is kept in memory and each hold becomes a ledger event.
        guard data.count <= Self.maxBody, let list = (try? JSONValue.parse(data))?["holds"]?.arrayValue, list.count <= Self.maxHolds else {
            log.warning("holds: \(source) is not a \"holds\" list of at most \(Self.maxHolds) (or is over \(Self.maxBody >> 20) MiB); ignored")
            return false
        }
        let holds = list.compactMap(Self.hold)
        if holds.count < list.count { log.warning("holds: \(list.count - holds.count) of the platform's holds are malformed and were ignored (in \(source))") }
        // Not recorded: the ETag is not kept, so the next download brings the list again.
        guard let (added, removed) = scans.syncPlatformHolds(holds, at: clock.now()) else { return false }
        if added + removed > 0 { log.notice("holds: \(added) added, \(removed) removed by the platform") }
        return true
    }
}

extension HoldsSync {
    static let maxHolds = 10_000
    static let maxBody = 8 << 20

    /// One hold from the platform, checked as strictly as a scanned code: a GTIN with its check digit, a lot in GS1
    /// character set 82, a 20-digit Chinese code, a reason of printable text.
    static func hold(_ h: JSONValue) -> PlatformHold? {
        guard let reason = h["reason"]?.stringValue, !reason.isEmpty, reason.count <= 500,
              !reason.unicodeScalars.contains(where: String.needsEscape) else { return nil }
        let lot = h["lot"]?.stringValue
        if let lot, !(1...20).contains(lot.utf8.count) || !GS1.isCSet82(lot) { return nil }
        if let gtin = h["gtin"]?.stringValue {
            guard GS1.isGTIN(gtin) else { return nil }
            let code = h["code"]?.stringValue
            if let code, code.utf8.count > 512 || code.unicodeScalars.contains(where: String.needsEscape) { return nil }
            return PlatformHold(product: "gs1:" + gtin, lot: lot, code: code, reason: reason)
        }
        if let code = h["code"]?.stringValue, code.utf8.count == 20, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return PlatformHold(product: "cn:" + code.prefix(7), lot: nil, code: "cn:" + code, reason: reason)
        }
        return nil
    }
}

public struct PlatformHold: Sendable, Equatable {
    public var product: String
    public var lot: String?
    public var code: String?
    public var reason: String
}
