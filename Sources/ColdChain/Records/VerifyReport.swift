import FoundationEssentials

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

    public init(checked: Int64, headSequence: Int64, headHash: String, brokenAt: Int64?, reason: String?, anchors: [AnchorCheck] = []) {
        self.checked = checked; self.headSequence = headSequence; self.headHash = headHash; self.brokenAt = brokenAt; self.reason = reason
        self.anchors = anchors
    }

    public struct AnchorCheck: Sendable, Equatable {
        public enum Result: String, Sendable { case matches, differs, missing, unchecked }
        public var anchor: LedgerAnchor
        public var result: Result
        /// The hash the ledger holds at that sequence number, when it differs.
        public var actual: String?
        public init(anchor: LedgerAnchor, result: Result, actual: String?) { self.anchor = anchor; self.result = result; self.actual = actual }
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
