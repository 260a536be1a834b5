import ColdChain

/// A head hash kept somewhere other than this file: confirmed by the platform, recorded by a backup, printed on a
/// record sheet. Checking the chain against one proves the events up to it are the ones that existed then.
public struct LedgerAnchor: Sendable, Equatable {
    public var seq: Int64
    public var hash: String
    /// Where it came from: "platform confirmed", "given" (on the command line) ...
    public var source: String
    public init(seq: Int64, hash: String, source: String) { self.seq = seq; self.hash = hash; self.source = source }

    /// Parses `SEQ:HASH`, as `verify --anchor` takes it: the hash whole (64 hex digits) or its first 16 or more, as
    /// the record sheet prints it (a 64-bit prefix: finding other events with the same prefix takes about 2⁶⁴ tries).
    public static func parse(_ text: String, source: String = "given") -> LedgerAnchor? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].utf8.count <= 18, let seq = Int64(parts[0]), seq >= 1,
              (16...64).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
        else { return nil }
        return LedgerAnchor(seq: seq, hash: parts[1].lowercased(), source: source)
    }
}

/// Walks the hash chain and names the first broken link, and checks it against anchors.
public struct VerifyReport: Sendable, Equatable {
    public var checked: Int64
    public var headSequence: Int64
    public var headHash: String
    /// The first event whose link does not hold, and why; nil when the whole chain verifies.
    public var brokenAt: Int64?
    public var reason: String?
    public var anchors: [AnchorCheck] = []

    public struct AnchorCheck: Sendable, Equatable {
        public enum Result: String, Sendable { case matches, differs, missing, unchecked }
        public var anchor: LedgerAnchor
        public var result: Result
        /// The hash the ledger holds at that sequence number, when it differs.
        public var actual: String?
    }

    public var ok: Bool { brokenAt == nil && anchors.allSatisfy { $0.result == .matches } }

    /// What this check proves, in words for a person (and a regulator).
    public var proves: String {
        var text = "no event up to \(headSequence) was changed, removed or inserted unless every later hash was recomputed too"
        if let newest = anchors.filter({ $0.result == .matches }).map(\.anchor.seq).max() {
            text += "; events 1 to \(newest) are those that existed when anchor \(newest) was taken"
            if newest < headSequence { text += "; events after \(newest) are proven only against each other" }
        } else {
            text += "; without an anchor kept elsewhere (a head the platform confirmed, a backup's, a record sheet's) this proves order, not authenticity: someone with write access could have re-hashed the chain"
        }
        return text
    }
}

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
        if LedgerHash.compute(prev: e.prevHash, seq: e.seq, at: e.at, type: e.type, body: e.body) != e.hash {
            return "its content does not match its hash: the row was changed after it was written"
        }
        prev = e.hash
        next += 1
        return nil
    }
}

/// The `verify` reply, for the daemon and for `coldchainctl verify --ledger`: `ok` and `proves` are written for the
/// reader of the JSON and recomputed when it is read back.
extension VerifyReport: Codable {
    enum Key: String, CodingKey {
        case ok, checked, proves, anchors, reason, headSeq = "head_seq", headHash = "head_hash", brokenAt = "broken_at"
    }
    enum AnchorKey: String, CodingKey { case seq, hash, source, result, actual }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(ok, forKey: .ok); try c.encode(checked, forKey: .checked); try c.encode(headSequence, forKey: .headSeq)
        try c.encode(headHash, forKey: .headHash); try c.encode(proves, forKey: .proves)
        try c.encodeIfPresent(brokenAt, forKey: .brokenAt); try c.encodeIfPresent(reason, forKey: .reason)
        var list = c.nestedUnkeyedContainer(forKey: .anchors)
        for check in anchors {
            var a = list.nestedContainer(keyedBy: AnchorKey.self)
            try a.encode(check.anchor.seq, forKey: .seq); try a.encode(check.anchor.hash, forKey: .hash)
            try a.encode(check.anchor.source, forKey: .source); try a.encode(check.result.rawValue, forKey: .result)
            try a.encodeIfPresent(check.actual, forKey: .actual)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        checked = try c.decode(Int64.self, forKey: .checked)
        headSequence = try c.decode(Int64.self, forKey: .headSeq)
        headHash = try c.decode(String.self, forKey: .headHash)
        brokenAt = try c.decodeIfPresent(Int64.self, forKey: .brokenAt)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        var list = try c.nestedUnkeyedContainer(forKey: .anchors)
        anchors = []
        while !list.isAtEnd {
            let a = try list.nestedContainer(keyedBy: AnchorKey.self)
            let text = try a.decode(String.self, forKey: .result)
            guard let result = AnchorCheck.Result(rawValue: text) else {
                throw DecodingError.dataCorruptedError(forKey: .result, in: a, debugDescription: "unknown anchor result '\(text)'")
            }
            anchors.append(AnchorCheck(anchor: LedgerAnchor(seq: try a.decode(Int64.self, forKey: .seq), hash: try a.decode(String.self, forKey: .hash),
                                                            source: try a.decode(String.self, forKey: .source)),
                                       result: result, actual: try a.decodeIfPresent(String.self, forKey: .actual)))
        }
    }
}
