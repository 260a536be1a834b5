import ColdChain


extension LedgerReader {
    /// Recomputes every event's hash from its content, checks each link to the one before, and compares the hashes
    /// at the anchors' sequence numbers.
    ///
    /// Without anchors this proves no stored event was changed, removed from the middle or inserted *unless every
    /// later hash was recomputed too*; it cannot see events cut off the end. An anchor beyond the last event shows
    /// such a cut; a matching anchor proves everything up to it.
    public func verify(anchors: [LedgerAnchor] = []) throws -> VerifyReport {
        var chain = ChainCheck()
        var checked: Int64 = 0
        var broken: (Int64, String)?
        var wanted = Dictionary(anchors.map { ($0.seq, [$0]) }, uniquingKeysWith: +)
        var results: [VerifyReport.AnchorCheck] = []
        let all = try db.statement("SELECT seq, at, type, body, prev_hash, hash FROM events ORDER BY seq")
        try all.forEachRow { row in
            guard broken == nil else { return }
            let e = LedgerReader.event(row)
            if let reason = chain.check(e) {
                broken = (e.seq, reason)
                return
            }
            if let here = wanted.removeValue(forKey: e.seq) {
                for a in here {
                    let same = e.hash.hasPrefix(a.hash)
                    results.append(.init(anchor: a, result: same ? .matches : .differs, actual: same ? nil : e.hash))
                }
            }
            checked += 1
        }
        let (expectedSeq, prev) = (chain.next, chain.prev)
        let head = expectedSeq - 1
        for a in wanted.values.joined() {
            // Past a broken link nothing can be compared; past the end, the anchored events are gone.
            results.append(.init(anchor: a, result: broken != nil ? .unchecked : .missing, actual: nil))
        }
        return VerifyReport(checked: checked, headSequence: head, headHash: prev, brokenAt: broken?.0, reason: broken?.1,
                            anchors: results.sorted { $0.anchor.seq < $1.anchor.seq })
    }
}

/// The chain one link at a time: what `verify` walks from the first event, and what a backup checks from the
/// head of its copy as it extends it.
struct ChainCheck {
    /// The sequence number the next event must have, and the hash it must link to.
    private(set) var next: Int64
    private(set) var prev: String

    init(after seq: Int64 = 0, hash: String = LedgerHash.genesis) { next = seq + 1; prev = hash }

    /// Nil when `e` is the next link; otherwise why it is not. Only a good link moves the check on.
    mutating func check(_ e: LedgerEvent) -> String? {
        if e.seq != next { return "sequence jumps from \(next - 1) to \(e.seq): event(s) \(next)…\(e.seq - 1) are missing" }
        if e.prevHash != prev { return "its prev_hash does not match the hash of event \(e.seq - 1)" }
        if LedgerHash.compute(prev: e.prevHash, seq: e.seq, at: e.recordedAt, type: e.type, body: e.body) != e.hash {
            return "its content does not match its hash: the row was changed after it was written"
        }
        // Every writer stamps RFC 3339; a time that does not read was written by something else, hash and all.
        if e.at == .distantPast { return "its time '\(e.recordedAt.truncated(40).escapedForTerminal)' is not an RFC 3339 time" }
        prev = e.hash
        next += 1
        return nil
    }
}
