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
        let client = PlatformClient(baseURL: platform.url, token: token, timeout: platform.timeout)
        var etag: String?
        var failing = false
        repeat {
            switch await client.get(path: "/v1/holds?gateway=\(gateway)", etag: etag) {
            case .unchanged: failing = false
            case .failed(let why):
                if !failing { log.warning("holds: cannot fetch from the platform: \(why); keeping the ones known") }
                failing = true
            case .changed(let data, let tag):
                failing = false
                guard let list = (try? JSONValue.parse(data))?["holds"]?.arrayValue else {
                    log.warning("holds: the platform's answer has no \"holds\" list; ignored")
                    continue
                }
                let holds = list.compactMap { h -> PlatformHold? in
                    guard let reason = h["reason"]?.stringValue else { return nil }
                    if let gtin = h["gtin"]?.stringValue {
                        return PlatformHold(product: "gs1:" + gtin, lot: h["lot"]?.stringValue, code: h["code"]?.stringValue, reason: reason)
                    }
                    if let code = h["code"]?.stringValue, code.utf8.count == 20 {
                        return PlatformHold(product: "cn:" + code.prefix(7), lot: nil, code: "cn:" + code, reason: reason)
                    }
                    return nil
                }
                let (added, removed) = scans.syncPlatformHolds(holds, at: clock.now())
                if added + removed > 0 { log.notice("holds: \(added) added, \(removed) removed by the platform") }
                etag = tag
            }
        } while await sleep(seconds: platform.holdsInterval)
    }
}

public struct PlatformHold: Sendable, Equatable {
    public var product: String
    public var lot: String?
    public var code: String?
    public var reason: String
}
