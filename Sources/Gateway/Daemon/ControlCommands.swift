import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import Storage

/// The daemon's control commands. Each command that writes to the ledger records the peer's uid.
final class ControlCommands: ControlHandling {
    let config: GatewayConfig
    let ledger: Ledger
    let startedAt: Date
    let clock: any WallClock
    // Chain verification reads the whole ledger: it gets its own queue and read connection per call.
    let readQueue = DispatchQueue(label: "coldchain.control.read", attributes: .concurrent)

    init(config: GatewayConfig, ledger: Ledger, startedAt: Date, clock: any WallClock) {
        self.config = config; self.ledger = ledger; self.startedAt = startedAt; self.clock = clock
    }

    static let commands = ["status", "verify", "help"]

    func handle(_ request: ControlRequest, peer: PeerInfo) async -> ControlReply {
        switch request.cmd {
        case "status": return .ok(status())
        case "verify": return await verify()
        case "help": return .ok(["commands": .array(Self.commands.map { .string($0) })])
        default:
            return .failure(ControlFailure(.unknownCommand, "unknown command '\(request.cmd)'; known: \(Self.commands.joined(separator: ", "))"))
        }
    }

    func status() -> JSONValue {
        let now = clock.now()
        let fridges: [JSONValue] = config.fridges.map { f in
            ["id": .string(f.id), "name": .string(f.name), "state": "unknown", "sensors": .number(Double(f.sensors.count)),
             "alarm_rule": .string(f.alarm.name)]
        }
        let platform: JSONValue = config.platform.map { ["configured": true, "url": .string($0.url), "format": .string($0.format)] }
            ?? ["configured": false, "state": "not configured: nothing is forwarded"]
        return [
            "gateway": ["id": .string(config.gateway.id), "site": .string(config.gateway.site)],
            "version": .string(Version.current),
            "pid": .number(Double(getpid())),
            "started_at": .string(RFC3339.format(startedAt)),
            "uptime_s": .number(now.timeIntervalSince(startedAt).rounded()),
            "ledger": ["path": .string(ledger.path), "head_seq": .number(Double(ledger.headSequence)),
                       "size_bytes": .number(Double(Self.fileSize(ledger.path) + Self.fileSize(ledger.path + "-wal")))],
            "fridges": .array(fridges),
            "platform": platform,
        ]
    }

    func verify() async -> ControlReply {
        let path = ledger.path
        do {
            let report = try await onQueue(readQueue) { () throws -> VerifyReport in
                let reader = try LedgerReader(path: path)
                defer { reader.close() }
                return try reader.verify()
            }
            return .ok(report.json)
        } catch {
            return .failure(ControlFailure(.internal, "cannot read the ledger: \(error)"))
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
}
