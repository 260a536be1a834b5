import ColdChain

/// Walks the hash chain and names the first broken link.
public struct VerifyReport: Sendable, Equatable {
    public var checked: Int64
    public var headSequence: Int64
    /// The first event whose link does not hold, and why; nil when the whole chain verifies.
    public var brokenAt: Int64?
    public var reason: String?
    public var ok: Bool { brokenAt == nil }
}

extension LedgerReader {
    /// Recomputes every event's hash from its content and checks each link to the one before.
    ///
    /// This proves no stored event was changed, removed from the middle or inserted. It cannot see events cut off
    /// the end; the platform, which has received them, can.
    public func verify() throws -> VerifyReport {
        var expectedSeq: Int64 = 1
        var prev = LedgerHash.genesis
        var checked: Int64 = 0
        var broken: (Int64, String)?
        let all = try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events ORDER BY seq")
        try all.forEachRow { row in
            guard broken == nil else { return }
            let e = LedgerReader.event(row)
            if e.seq != expectedSeq {
                broken = (e.seq, "sequence jumps from \(expectedSeq - 1) to \(e.seq): event(s) \(expectedSeq)…\(e.seq - 1) are missing")
                return
            }
            if e.prevHash != prev {
                broken = (e.seq, "its prev_hash does not match the hash of event \(e.seq - 1)")
                return
            }
            let h = LedgerHash.compute(prev: e.prevHash, seq: e.seq, at: e.at, type: e.type, body: e.body)
            if h != e.hash {
                broken = (e.seq, "its content does not match its hash: the row was changed after it was written")
                return
            }
            prev = e.hash
            expectedSeq += 1
            checked += 1
        }
        return VerifyReport(checked: checked, headSequence: expectedSeq - 1, brokenAt: broken?.0, reason: broken?.1)
    }
}

extension VerifyReport {
    public var json: JSONValue {
        var o: [String: JSONValue] = ["ok": .bool(ok), "checked": .number(Double(checked)), "head_seq": .number(Double(headSequence))]
        if let brokenAt { o["broken_at"] = .number(Double(brokenAt)) }
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }
}
