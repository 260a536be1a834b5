import ColdChain
import Control
import Testing

/// The command enum is the one definition: every command's wire form decodes back to the same command, and each
/// name `help` lists decodes.
@Suite struct ControlCommandTests {
    static let all: [ControlCommand] = try! [
        .status, .verify(anchors: []), .verify(anchors: ["12:" + String(repeating: "a", count: 64)]), .fridges,
        .readings(fridge: "F1", since: DurationArgument("24h", key: "since", in: 1...86400)), .readings(fridge: "F2", since: nil),
        .excursions(openOnly: true), .ack(alarm: 3, note: "door shut"), .watch, .holdList,
        .holdAdd(.init(gtin: "09506000134352", product: nil, lot: "L1", code: nil, reason: "recall")), .holdRemove(id: 2),
        .scans(limit: 50), .inventory(fridge: nil, expiring: DurationArgument("30d", key: "expiring", in: 0...(100 * 86400))),
        .inventory(fridge: "F1", expiring: nil), .lookup(code: "\u{1D}0109506000134352"), .outbox, .uplinkRetry, .help,
        .check(fridge: "F1", celsius: 4.5, by: "王丽", note: nil), .check(fridge: "F2", celsius: -0.5, by: "Li", note: "door seal"), .backupNow,
        .reportDaily(month: MonthArgument("2026-11"), fridge: nil), .reportDaily(month: MonthArgument("1970-01"), fridge: "F1"),
        .chart(fridge: "F1", since: DurationArgument("7d", key: "since", in: 60...86400 * 3660)), .chart(fridge: "F2", since: nil),
        .alarms(since: nil), .alarms(since: DurationArgument("30d", key: "since", in: 60...86400 * 3660)), .notifyTest(channel: nil),
        .notifyTest(channel: "duty"),
    ]

    @Test func everyCommandRoundTripsThroughItsWireForm() throws {
        for c in Self.all {
            let line = c.request.line
            guard case .success(let parsed) = ControlRequest.parse(Array(line.utf8.dropLast())) else { Issue.record("\(line)"); continue }
            #expect(try ControlCommand(parsed) == c, "\(line)")
        }
        #expect(Set(Self.all.map(\.name)) == Set(ControlCommand.names))
    }

    @Test func anUnknownCommandListsTheKnownOnes() {
        #expect(throws: ControlFailure(.unknownCommand, "unknown command 'explode'; known: \(ControlCommand.names.joined(separator: ", "))")) {
            try ControlCommand(ControlRequest(cmd: "explode"))
        }
    }
}
