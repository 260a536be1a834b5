import ColdChain
import Control
import FoundationEssentials

/// Delivery bills from the platform: `GET {url}/v1/deliveries?gateway=ID` every `holds_interval`, with
/// If-None-Match (an unchanged list costs one 304). The answer is a bill or a list of bills in the JSON of
/// `receive import` (README), read with the same checks; each bill not yet complete and not closed is recorded part by
/// part, as an import from a file would be (a part already on record is not written twice).
struct DeliveriesSync: Service {
    let name = "deliveries"
    let platform: GatewayConfig.Platform
    let gateway: String
    let token: String?
    let scans: ScanHub
    let clock: any WallClock
    let log: Log

    static let maxBody = DeliveryBill.maxBytes

    func run() async throws {
        let client = PlatformClient(platform: platform, token: token, clock: clock, label: "deliveries")
        await PlatformPoll(client: client, path: "/v1/deliveries?gateway=\(gateway)", interval: platform.holdsInterval, what: "deliveries", log: log).run { data in
            guard data.count <= Self.maxBody else {
                log.warning("deliveries: the platform's answer is over \(Self.maxBody >> 20) MiB; ignored")
                return false
            }
            return record([UInt8](data))
        }
    }

    /// Records what is new in the platform's list; false when the ledger refused a part.
    func record(_ bytes: [UInt8]) -> Bool {
        let now = clock.now()
        let bills: [DeliveryBill]
        switch DeliveryBill.parse(json: bytes, currentYear: scans.calendar.day(at: now).year) {
        case .failure(let e):
            log.warning("deliveries: the platform's answer is not a bill list: \(e.description.escapedForTerminal)")
            return true
        case .success(let (list, refused)):
            bills = list
            if !refused.isEmpty {
                log.warning("deliveries: \(refused.count) of the platform's bill lines refused (first: line \(refused[0].row): \(refused[0].reason.escapedForTerminal))")
            }
        }
        for bill in bills where scans.wantsBill(bill.id) {
            for part in Commands.ReceiveImport.parts(of: bill) {
                switch scans.receive(part, uid: nil, at: now) {
                case .success(let r):
                    if !r.alreadyRecorded { log.notice("deliveries: bill \(bill.id) part \(r.part) of \(r.parts): \(r.recorded) line(s)" + (r.refused.isEmpty ? "" : ", \(r.refused.count) refused")) }
                case .failure(let f) where f.code == .notRecorded:
                    log.error("deliveries: bill \(bill.id): \(f.message)")
                    return false
                case .failure(let f):
                    log.warning("deliveries: bill \(bill.id) refused: \(f.message.escapedForTerminal)")
                }
            }
        }
        return true
    }
}
