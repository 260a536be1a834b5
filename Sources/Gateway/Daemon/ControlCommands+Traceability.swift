import ColdChain
import Control
import FoundationEssentials
import Storage

extension ControlCommands {
    func hold(_ args: [String: JSONValue], peer: PeerInfo) async throws -> ControlReply {
        let action = try Self.string(args, "action") ?? "list"
        let scans = self.scans, now = clock.now()
        switch action {
        case "list":
            return .ok(.array(scans.holds.map(\.json)))
        case "add":
            let gtin = try Self.string(args, "gtin")
            let product = try Self.string(args, "product")
            guard (gtin == nil) != (product == nil) else {
                throw ControlFailure(.invalidArgument, "hold add needs --gtin GTIN (or --product for a Chinese product id)")
            }
            if let gtin, !(gtin.utf8.count == 14 && GS1.checkDigitIsValid(gtin)) {
                throw ControlFailure(.invalidArgument, "--gtin '\(gtin)' is not a 14-digit GTIN with a valid check digit")
            }
            let lot = try Self.string(args, "lot"), code = try Self.string(args, "code")
            if lot != nil && code != nil { throw ControlFailure(.invalidArgument, "give --lot or --code, not both") }
            let reason = try Self.string(args, "reason") ?? ""
            let key = gtin.map { "gs1:\($0)" } ?? "cn:\(product!)"
            let doseCode = code.map { c -> String in
                let parsed = TraceCodeParser.parse(Array(c.utf8), currentYear: ScanHub.today(now).year)
                return parsed.doseKey ?? c
            }
            let result = try await onQueue(writeQueue) {
                scans.addHold(product: key, lot: lot, code: doseCode, reason: reason, source: "local", uid: peer.uid, at: now)
            }
            switch result {
            case .success(let h): return .ok(h.json)
            case .failure(let f): return .failure(f)
            }
        case "remove":
            guard let id = args["id"]?.intValue else { throw ControlFailure(.invalidArgument, "hold remove ID") }
            let result = try await onQueue(writeQueue) { scans.removeHold(id, uid: peer.uid, at: now) }
            switch result {
            case .success: return .ok(["removed": .number(Double(id))])
            case .failure(let f): return .failure(f)
            }
        default:
            throw ControlFailure(.invalidArgument, "hold add|list|remove")
        }
    }

    func recentScans(_ args: [String: JSONValue]) async throws -> ControlReply {
        let limit = args["limit"]?.intValue ?? 20
        guard (1...10_000).contains(limit) else { throw ControlFailure(.invalidArgument, "--limit must be 1 to 10000") }
        return try await read { reader in
            let all = try reader.events(types: ["scan"], after: max(0, self.ledger.headSequence - 200_000))
            return .array(all.suffix(limit).map { e in
                var b = e.bodyValue.objectValue ?? [:]
                b["seq"] = .number(Double(e.seq)); b["at"] = .string(e.at)
                return .object(b)
            })
        }
    }

    func inventory(_ args: [String: JSONValue]) throws -> ControlReply {
        let fridge = try Self.string(args, "fridge")
        if let fridge, !config.fridges.contains(where: { $0.id == fridge }) { throw ControlFailure(.notFound, "no fridge '\(fridge)'") }
        var within: Double?
        if let text = try Self.string(args, "expiring") {
            guard let v = DurationText.seconds(from: text) else { throw ControlFailure(.invalidArgument, "--expiring '\(text)' is not a duration (e.g. 30d)") }
            within = v
        }
        return .ok(.array(scans.inventory(fridge: fridge, expiringWithin: within, now: clock.now())))
    }

    func lookup(_ args: [String: JSONValue]) async throws -> ControlReply {
        guard let code = try Self.string(args, "code") else { throw ControlFailure(.invalidArgument, "lookup CODE") }
        let now = clock.now()
        let scan = TraceCodeParser.parse(Array(code.utf8), currentYear: ScanHub.today(now).year)
        let scans = self.scans
        return try await read { reader in try scans.lookup(scan, reader: reader, now: now) }
    }
}
