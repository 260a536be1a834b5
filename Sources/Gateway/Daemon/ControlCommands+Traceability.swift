import ColdChain
import Control
import FoundationEssentials
import Storage

extension ControlCommands {
    func hold(_ args: [String: JSONValue], peer: PeerInfo) async throws -> ControlReply {
        let a = ControlArguments(args)
        let action = try a.string("action") ?? "list"
        let scans = self.scans, now = clock.now()
        switch action {
        case "list":
            return .ok(.array(scans.holds.map(\.json)))
        case "add":
            let gtin = try a.string("gtin")
            let product = try a.string("product")
            guard (gtin == nil) != (product == nil) else {
                throw ControlFailure(.invalidArgument, "hold add needs --gtin GTIN (or --product for a Chinese product id)")
            }
            if let gtin, !(gtin.utf8.count == 14 && GS1.checkDigitIsValid(gtin)) {
                throw ControlFailure(.invalidArgument, "--gtin '\(gtin)' is not a 14-digit GTIN with a valid check digit")
            }
            if let product, !(product.utf8.count == 7 && product.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }) {
                throw ControlFailure(.invalidArgument, "--product '\(product)' is not a 7-digit product id (the first 7 digits of a 20-digit code)")
            }
            let lot = try a.string("lot", maxLength: 20), code = try a.string("code", maxLength: ControlArguments.maxCode, allowGS: true)
            if let lot, !GS1.isCSet82(lot) { throw ControlFailure(.invalidArgument, "--lot '\(lot)' has characters a GS1 lot cannot hold") }
            if lot != nil && code != nil { throw ControlFailure(.invalidArgument, "give --lot or --code, not both") }
            let reason = try a.string("reason", maxLength: ControlArguments.maxNote) ?? ""
            let key = gtin.map { "gs1:\($0)" } ?? "cn:\(product!)"
            let doseCode = code.map { c -> String in
                let parsed = TraceCodeParser.parse(Array(c.utf8), currentYear: scans.calendar.day(at: now).year)
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
            guard let id = try a.integer("id", in: 1...Int(Int32.max)) else { throw ControlFailure(.invalidArgument, "hold remove ID") }
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
        let limit = try ControlArguments(args).integer("limit", in: 1...10_000, default: 20)!
        return try await read { reader in
            // The newest `limit` straight from the index: reading the last 200,000 events to keep 20 held them all.
            let all = try reader.latest(types: [Scan.type.rawValue], limit: limit)
            // The stored bodies' length bounds the answer's: give up before building a tree too large to send.
            let bytes = all.reduce(0) { $0 + $1.body.utf8.count + 60 }
            guard bytes <= ControlProtocol.maxReply else { throw AnswerTooLarge(bytes: bytes) }
            return .array(all.map { e in
                var b = e.bodyValue.objectValue ?? [:]
                b["seq"] = .number(Double(e.seq)); b["at"] = .string(e.at)
                return .object(b)
            })
        }
    }

    func inventory(_ args: [String: JSONValue]) throws -> ControlReply {
        let a = ControlArguments(args)
        let fridge = try a.string("fridge")
        if let fridge, !config.fridges.contains(where: { $0.id == fridge }) { throw ControlFailure(.notFound, "no fridge '\(fridge)'") }
        let within = try a.duration("expiring", in: 0...ControlArguments.maxWindow)
        return .ok(.array(scans.inventory(fridge: fridge, expiringWithin: within, now: clock.now())))
    }

    func lookup(_ args: [String: JSONValue]) async throws -> ControlReply {
        guard let code = try ControlArguments(args).string("code", maxLength: ControlArguments.maxCode, allowGS: true) else {
            throw ControlFailure(.invalidArgument, "lookup CODE")
        }
        let now = clock.now()
        let scan = TraceCodeParser.parse(Array(code.utf8), currentYear: scans.calendar.day(at: now).year)
        let scans = self.scans
        return try await read { reader in try scans.lookup(scan, reader: reader, now: now) }
    }
}
