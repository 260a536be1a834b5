/// What a scan's verdict says to the nurse at the desk: large words on the desk page, and the same words spoken
/// (coldchain-web makes each phrase once with espeak-ng's Mandarin voice). A fixed set keyed by verdict: nothing a
/// scanner or the platform sent is ever spoken.
public struct VerdictWords: Sendable, Equatable {
    /// The key of the phrase's WAV file (`ok-in`, `expired`): letters, digits and hyphens only.
    public var key: String
    public var chinese: String
    public var english: String

    /// The words for a scan's verdict; `into` is whether it was a scan-in (an accepted scan-in is "received").
    public init(verdict: String, into: Bool) {
        switch Verdict(rawValue: verdict) {
        case .ok?: self = into ? Self("ok-in", "已入库", "received") : Self("ok-out", "可以使用", "ok to use")
        case .expired?: self = Self("expired", "已过期，请勿使用", "expired: do not use")
        case .held?: self = Self("held", "已暂停使用，请勿使用", "on hold: do not use")
        case .exposed?: self = Self("exposed", "曾经超温，请放在一旁待评估", "exposed to an excursion: set aside for assessment")
        case .duplicate?: self = Self("duplicate", "重复扫码，已在库存中", "already in stock")
        case .unrecognised?: self = Self("unrecognised", "无法识别的条码", "not a code the gateway reads")
        case .fefo?: self = Self("fefo", "请先使用更早到期的疫苗", "use the dose that expires first")
        case .notOnBill?: self = Self("not-on-bill", "已入库，但不在到货单上", "received, but on no delivery bill")
        case .notInStock?: self = Self("not-in-stock", "不在本冰箱库存中", "not in this fridge's stock")
        case .alreadyOut?: self = Self("already-out", "已经出库", "already taken out")
        case .alreadyUsed?: self = Self("already-used", "已经接种使用，不能再入库", "already administered: it cannot come back")
        case .discarded?: self = Self("discarded", "已经报废，不能再入库", "discarded: it cannot come back")
        case nil: self = Self("refused", "已拒绝，请查看", "refused: look at the screen")
        }
    }

    init(_ key: String, _ chinese: String, _ english: String) { self.key = key; self.chinese = chinese; self.english = english }

    /// Every phrase, once (what the desk page may ask to hear).
    public static let all: [VerdictWords] = {
        var seen: [VerdictWords] = []
        for v in ["ok", "expired", "held", "exposed", "duplicate", "unrecognised", "fefo", "not_on_bill", "not_in_stock", "already_out", "already_used", "discarded", "?"] {
            for into in [true, false] where !seen.contains(VerdictWords(verdict: v, into: into)) { seen.append(VerdictWords(verdict: v, into: into)) }
        }
        return seen
    }()
}
