import ColdChain
import Control
@testable import Gateway
import Testing

/// The registry is the one definition: every command's wire form finds the same command and decodes to the same
/// arguments, every registered command has a handler in the daemon, and refusals name what is known.
@Suite struct RegistryTests {
    /// One sample of each command's arguments (several where the form varies); a command added to the registry
    /// without a sample here fails `everyRegisteredCommandHasASample`.
    static let samples: [(any ControlCommand.Type, ControlRequest)] = try! [
        s(Commands.Status.self), s(Commands.Fridges.self), s(Commands.Watch.self), s(Commands.Outbox.self), s(Commands.UplinkRetry.self),
        s(Commands.BackupNow.self), s(Commands.Help.self),
        s(Commands.WebLoginLocked.self, .init(name: "王芳", address: "192.168.1.20", failures: 5, minutes: 15)), s(Commands.Version.self), s(Commands.HoldList.self),
        s(Commands.Verify.self, .init(anchors: [])), s(Commands.Verify.self, .init(anchors: ["12:" + String(repeating: "a", count: 64)])),
        s(Commands.Readings.self, .init(fridge: "F1", since: DurationArgument("24h", key: "since", in: 1...86400))),
        s(Commands.Readings.self, .init(fridge: "F2", since: nil, every: DurationArgument("15m", key: "every", in: 1...86400))),
        s(Commands.Excursions.self, .init(openOnly: true)), s(Commands.Ack.self, .init(alarm: 3, note: "door shut")),
        s(Commands.HoldAdd.self, .init(gtin: "09506000134352", product: nil, lot: "L1", code: nil, reason: "recall")),
        s(Commands.HoldRemove.self, .init(id: 2)), s(Commands.Scans.self, .init(limit: 50)),
        s(Commands.Inventory.self, .init(fridge: nil, expiring: DurationArgument("30d", key: "expiring", in: 0...(100 * 86400)))),
        s(Commands.Inventory.self, .init(fridge: "F1", expiring: nil)), s(Commands.Lookup.self, .init(code: "\u{1D}0109506000134352")),
        s(Commands.Check.self, .init(fridge: "F1", celsius: 4.5, by: "王丽", note: nil)),
        s(Commands.Check.self, .init(fridge: "F2", celsius: -0.5, by: "Li", note: "door seal")),
        s(Commands.Report.self, .init(month: MonthArgument("2026-11"), fridge: nil)), s(Commands.Report.self, .init(month: MonthArgument("1970-01"), fridge: "F1")),
        s(Commands.Chart.self, .init(fridge: "F1", since: DurationArgument("7d", key: "since", in: 60...86400 * 3660))),
        s(Commands.Chart.self, .init(fridge: "F2", since: nil)),
        s(Commands.Alarms.self, .init(since: nil)), s(Commands.Alarms.self, .init(since: DurationArgument("30d", key: "since", in: 60...86400 * 3660))),
        s(Commands.NotifyTest.self, .init(channel: nil)), s(Commands.NotifyTest.self, .init(channel: "duty")),
        s(Commands.ReceiveImport.self, .init(bill: "CK-1", sender: "县疾控", date: "2026-12-03", part: 1, parts: 2, refused: 1, lines: [
            .init(row: 2, code: "81000010000000000001", lot: "L1", expiry: "2027-08-31", name: "乙肝疫苗"),
            .init(row: 4, code: "(01)09506000134352(21)A1", lot: nil, expiry: nil, name: nil)])),
        s(Commands.ReceiveStatus.self, .init(bill: nil)), s(Commands.ReceiveStatus.self, .init(bill: "CK-1")),
        s(Commands.ReceiveClose.self, .init(bill: "CK-1", by: "王丽", note: nil)),
        s(Commands.Assess.self, .init(excursion: 3, decision: .release, doses: [], by: "王丽", note: "县疾控: 继续使用")),
        s(Commands.Assess.self, .init(excursion: 4, decision: .discard, doses: ["81000010000000000001", "\u{1D}0109506000134352"], by: "Li", note: "destroy")),
    ]

    static func s<C: ControlCommand>(_ c: C.Type, _ a: C.Arguments) -> (any ControlCommand.Type, ControlRequest) { (c, c.request(a)) }
    static func s<C: ControlCommand>(_ c: C.Type) -> (any ControlCommand.Type, ControlRequest) where C.Arguments == NoArguments { (c, c.request) }

    @Test func everyCommandRoundTripsThroughItsWireForm() throws {
        for (command, request) in Self.samples {
            guard case .success(let parsed) = ControlRequest.parse(Array(request.line.utf8.dropLast())) else { Issue.record("\(request.line)"); continue }
            let found = try Commands.find(parsed)
            #expect(ObjectIdentifier(found) == ObjectIdentifier(command), "\(request.line) found \(found)")
            #expect(try Self.sameArguments(command, parsed, request), "\(request.line)")
        }
    }

    static func sameArguments<C: ControlCommand>(_ c: C.Type, _ parsed: ControlRequest, _ sent: ControlRequest) throws -> Bool {
        try C.Arguments(checking: ControlArguments(parsed.args)).wire == C.Arguments(checking: ControlArguments(sent.args)).wire
            && C.request(try C.Arguments(checking: ControlArguments(parsed.args))) == sent
    }

    @Test func everyRegisteredCommandHasASampleAHandlerAndADistinctName() {
        let sampled = Set(Self.samples.map { ObjectIdentifier($0.0) })
        var seen: Set<[String]> = []
        for c in Commands.all {
            #expect(sampled.contains(ObjectIdentifier(c)), "no sample for \(c)")
            #expect(c is any Handled.Type, "the daemon has no handler for \(c.words.joined(separator: " "))")
            #expect(seen.insert(c.words).inserted, "two commands are typed \(c.words)")
            #expect(!c.summary.isEmpty)
        }
        #expect(Commands.names.first == "status" && Commands.names.contains("version") && Commands.names.count == Set(Commands.names).count)
    }

    @Test func refusalsNameWhatIsKnown() throws {
        #expect(throws: ControlFailure(.unknownCommand, "unknown command 'explode'; known: \(Commands.names.joined(separator: ", "))")) {
            try Commands.find(ControlRequest(cmd: "explode"))
        }
        #expect(throws: ControlFailure(.invalidArgument, "hold add|list|remove")) {
            try Commands.find(ControlRequest(cmd: "hold", args: ["action": "burn"]))
        }
        #expect(throws: ControlFailure(.invalidArgument, "uplink retry")) { try Commands.find(ControlRequest(cmd: "uplink")) }
        #expect(throws: ControlFailure(.invalidArgument, "notify test [--channel NAME]")) { try Commands.find(ControlRequest(cmd: "notify")) }
        #expect(throws: ControlFailure(.invalidArgument, "action must be a string")) {
            try Commands.find(ControlRequest(cmd: "hold", args: ["action": 3]))
        }
        // `hold` alone lists; `report` alone is the daily sheet.
        #expect(ObjectIdentifier(try Commands.find(ControlRequest(cmd: "hold"))) == ObjectIdentifier(Commands.HoldList.self))
        #expect(ObjectIdentifier(try Commands.find(ControlRequest(cmd: "report"))) == ObjectIdentifier(Commands.Report.self))
        #expect(throws: ControlFailure(.invalidArgument, "which month? (report daily --month YYYY-MM)")) {
            try Commands.Report.Arguments(checking: ControlArguments([:]))
        }
    }
}
