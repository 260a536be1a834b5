import ColdChain

/// The registry: every control command, once, in the order `help` lists them. The daemon's dispatch, the CLI's
/// parser and usage, and `help` are read from here.
public enum Commands {
    public static let all: [any ControlCommand.Type] = [
        Status.self, Fridges.self, Readings.self, Excursions.self, Ack.self, Assess.self, Check.self, Watch.self, Scans.self, Inventory.self,
        Lookup.self, HoldAdd.self, HoldList.self, HoldRemove.self, ReceiveImport.self, ReceiveStatus.self, ReceiveClose.self, Outbox.self, UplinkRetry.self, BackupNow.self, Report.self,
        Chart.self, Alarms.self, NotifyTest.self, Verify.self, Version.self, Help.self, WebLoginLocked.self,
    ]

    /// The `cmd` names the daemon knows, each once, in registry order (`help`'s reply).
    public static var names: [String] {
        all.map { $0.wire.cmd }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The command a request names, or why none: an unknown `cmd`, or a selector none of its commands has.
    public static func find(_ request: ControlRequest) throws(ControlFailure) -> any ControlCommand.Type {
        let sharing = all.filter { $0.wire.cmd == request.cmd }
        guard let first = sharing.first else {
            throw ControlFailure(.unknownCommand, "unknown command '\(request.cmd.truncated(40))'; known: \(names.joined(separator: ", "))")
        }
        guard let key = first.wire.selector?.key else { return first }
        let given = try ControlArguments(request.args).string(key, maxLength: 32)
        if let match = sharing.first(where: { c in given.map { c.wire.selector?.value == $0 } ?? c.wire.selector?.isDefault == true }) {
            return match
        }
        let usage = sharing.count == 1
            ? ([first.wire.cmd] + [first.wire.selector!.value] + (first.synopsis.isEmpty ? [] : [first.synopsis])).joined(separator: " ")
            : "\(request.cmd) " + sharing.compactMap { $0.wire.selector?.value }.joined(separator: "|")
        throw ControlFailure(.invalidArgument, usage)
    }
}
