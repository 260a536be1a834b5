import ColdChain
import Control
import FoundationEssentials
import Storage

extension ControlCommands {
    func addHold(_ spec: Commands.HoldAdd.Arguments, peer: PeerInfo) async throws -> ControlReply {
        let scans = self.scans, now = clock.now()
        let (gtin, product, lot, code) = (spec.gtin, spec.product, spec.lot, spec.code)
        guard (gtin == nil) != (product == nil) else {
            throw ControlFailure(.invalidArgument, "hold add needs --gtin GTIN (or --product for a Chinese product id)")
        }
        if let gtin, !GS1.isGTIN(gtin) {
            throw ControlFailure(.invalidArgument, "--gtin '\(gtin)' is not a 14-digit GTIN with a valid check digit")
        }
        if let product, !(product.utf8.count == 7 && product.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }) {
            throw ControlFailure(.invalidArgument, "--product '\(product)' is not a 7-digit product id (the first 7 digits of a 20-digit code)")
        }
        if let lot, !GS1.isCSet82(lot) { throw ControlFailure(.invalidArgument, "--lot '\(lot)' has characters a GS1 lot cannot hold") }
        if lot != nil && code != nil { throw ControlFailure(.invalidArgument, "give --lot or --code, not both") }
        let key = gtin.map { "gs1:\($0)" } ?? "cn:\(product ?? "")"
        let doseCode = code.map { c -> String in
            let parsed = TraceCodeParser.parse(Array(c.utf8), currentYear: scans.calendar.day(at: now).year)
            return parsed.doseKey ?? c
        }
        let reason = spec.reason
        let result = try await onQueue(writeQueue) {
            scans.addHold(product: key, lot: lot, code: doseCode, reason: reason, source: "local", uid: peer.uid, at: now)
        }
        switch result {
        case .success(let h): return try .result(h)
        case .failure(let f): return .failure(f)
        }
    }

    func removeHold(_ id: Int, peer: PeerInfo) async throws -> ControlReply {
        let scans = self.scans, now = clock.now()
        let result = try await onQueue(writeQueue) { scans.removeHold(id, uid: peer.uid, at: now) }
        switch result {
        case .success: return try .result(HoldRemovedReply(removed: id))
        case .failure(let f): return .failure(f)
        }
    }

    func recentScans(limit: Int) async throws -> ControlReply {
        let scans = self.scans
        return try await read { reader in
            // The newest `limit` straight from the index: reading the last 200,000 events to keep 20 held them all.
            let all = try reader.latest(types: [Scan.type.rawValue], limit: limit)
            // The stored bodies' length bounds the answer's: give up before building a tree too large to send.
            let bytes = all.reduce(0) { $0 + $1.body.utf8.count + 60 }
            guard bytes <= ControlProtocol.maxReply else { throw AnswerTooLarge(bytes: bytes) }
            return all.compactMap { e -> ScanRow? in
                guard case .scan(let scan)? = (try? e.typed()) ?? nil else { return nil }
                // The product's name, when the catalogue knows it, as a note beside the recorded body.
                let name = scan.product.flatMap { scans.productName($0) }
                return ScanRow(seq: e.seq, at: e.recordedAt, body: scan, notes: name.map { ["name": $0] } ?? [:])
            }
        }
    }

    func inventory(fridge: String?, expiring: DurationArgument?) throws -> ControlReply {
        if let fridge { _ = try config.fridge(fridge) }
        return try .result(scans.inventory(fridge: fridge, expiringWithin: expiring?.seconds, now: clock.now()))
    }

    func lookup(_ code: String) async throws -> ControlReply {
        let now = clock.now()
        let scan = TraceCodeParser.parse(Array(code.utf8), currentYear: scans.calendar.day(at: now).year)
        let scans = self.scans
        return try await read { reader in try scans.lookup(scan, reader: reader, now: now) }
    }
}
