import ColdChain
import FoundationEssentials

/// A list the platform keeps for this gateway (holds, deliveries), downloaded every `interval` with If-None-Match so
/// an unchanged list costs one 304. A failed download is tried again on the uplink's back-off (1 s doubling to
/// 5 min), not after the whole interval: holds that failed at start were otherwise unknown for 5 minutes.
struct PlatformPoll {
    let client: PlatformClient
    let path: String
    let interval: Double
    /// What the list is, for the log ("holds", "deliveries").
    let what: String
    /// Said after a failed download's reason ("; keeping the ones known").
    var meanwhile = ""
    let log: Log

    /// Until cancelled: `take` is given each changed answer and says whether it was taken; its ETag is kept only
    /// then, so an answer that was not recorded comes again with the next download.
    func run(_ take: (Data) -> Bool) async {
        var etag: String?
        var failing = false
        var retry = 1.0
        while true {
            var next = interval
            switch await client.get(path: path, etag: etag) {
            case .unchanged: failing = false; retry = 1
            case .failed(let why):
                if !failing { log.warning("\(what): cannot fetch from the platform: \(why)\(meanwhile)") }
                failing = true
                next = min(retry, interval)
                retry = min(retry * 2, UplinkService.maxBackOff)
            case .changed(let data, let tag):
                failing = false
                retry = 1
                if take(data) { etag = tag }
            }
            guard await sleep(seconds: next) else { return }
        }
    }
}
