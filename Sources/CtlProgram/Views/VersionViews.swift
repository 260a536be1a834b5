import ColdChain
import Control

extension CtlCommand {
    /// `version`: the daemon's, and this program's beside it (a mismatch after a partial upgrade is said).
    static func renderVersion(_ r: VersionReply) {
        print("coldchaind    \(r.version) (\(r.configuration) build \(r.build.prefix(12)))")
        print("coldchainctl  \(Version.current)" + (r.version == Version.current ? "" : "  ≠ the daemon's: upgrade both together"))
        print("ledger schema \(r.schema) (\(r.migrations) migrations)")
        print("running since \(PeopleTime.local(r.startedAt)), \(DurationText.describe(r.uptimeSeconds)), pid \(r.pid)")
        print(PeopleTime.zoneLine)
    }
}
