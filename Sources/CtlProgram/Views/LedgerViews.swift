import ColdChain
import Control
import Storage

extension CtlCommand {
    static func renderOutbox(_ r: UplinkStatus) {
        if r.state == .notConfigured {
            print(hanging("", "no platform is configured: nothing is forwarded, and nothing waits (the ledger keeps every event)"))
            return
        }
        print("state         \(r.state.rawValue)")
        print("pending       \(r.pending ?? 0) events" + (r.oldestPendingAt.map { ", oldest from \(PeopleTime.local($0))" } ?? ""))
        print("last success  \(r.lastSuccess.map(PeopleTime.local) ?? "never")")
        if let e = r.lastError { print(hanging("last error    ", e)) }
        if let t = r.nextAttempt { print("next attempt  \(PeopleTime.local(t))") }
        print(PeopleTime.zoneLine)
        if r.state == .rejected { print("The platform refused a batch: fix the cause, then `coldchainctl uplink retry`.") }
    }

    /// Checks the chain: the daemon's ledger, or with `--ledger` a file, without a daemon. Exit 1 when it does not verify.
    static func verify(_ a: CtlArgs, _ ctx: CtlContext) throws(ExitCode) -> ExitStatus {
        var anchors: [LedgerAnchor] = []
        for text in a.all("--anchor") {
            guard let anchor = LedgerAnchor.parse(text) else {
                throw usageError("--anchor SEQ:HASH (the event's sequence number and its hash: all 64 hex digits, or the first 16 or more as a record sheet prints them)")
            }
            anchors.append(anchor)
        }
        guard a.all("--ledger").count <= 1 else { throw usageError("verify --ledger needs one file") }
        let report: VerifyReport
        var raw: String?
        if let file = a.value("--ledger") {
            do {
                report = try LedgerCopy.verify(path: file, anchors: anchors)
            } catch let e as LedgerCopy.Unreadable {
                printError("coldchainctl: verify --ledger: \(e.description.escapedForTerminal)")
                return .failure
            } catch {
                printError("coldchainctl: cannot read the ledger \(file): \(error)")
                return .failure
            }
        } else {
            (report, raw) = try ask(ctx, Commands.Verify.request(.init(anchors: anchors.map { "\($0.seq):\($0.hash)" })), as: VerifyReport.self)
        }
        if ctx.json {
            guard let json = raw ?? (try? JSONValue(encoding: report))?.serialized else { return .failure }
            print(json)
        } else {
            renderVerify(report)
        }
        return report.ok ? .ok : .failure
    }

    static func renderVerify(_ r: VerifyReport) {
        if let broken = r.brokenAt {
            print(hanging("ledger BROKEN at event \(broken): ", r.reason ?? ""))
            print("\(r.checked) events before it verify.")
        } else {
            // The hash on a line of its own: with it the line was 110 columns.
            print("internally consistent: \(r.checked) events")
            print("head \(r.headSequence) \(r.headHash)")
        }
        for c in r.anchors {
            let where_ = "anchor \(c.anchor.seq) (\(c.anchor.source))"
            switch c.result {
            case .matches: print("\(where_): matches")
            case .differs: print(hanging("\(where_): ", "DIFFERS: the ledger holds \(c.actual ?? "?") there, not \(c.anchor.hash): the record was rewritten after that head was taken"))
            case .missing: print(hanging("\(where_): ", "MISSING: the ledger ends at \(r.headSequence): events were cut off its end"))
            case .unchecked: print("\(where_): not checked (the chain breaks before it)")
            }
        }
        if r.brokenAt == nil { print(hanging("proves: ", r.proves)) }
    }
}
