import ColdChain
import Control
import Foundation
import Storage
import Testing
import TestSupport
@testable import CtlProgram

/// `watch` gives every event type a line a person reads: the state or verdict first, local time, in 80 columns,
/// no JSON. The events are those of the committed fixture ledgers, which hold every type the daemon records.
@Suite struct WatchLineTests {
    static let fixtures = ["every-event-type", "records-event-types", "clock-event-types", "site-event-types", "notify-event-types",
                           "bill-event-types"]

    /// The first event of each type, as the watch stream sends it.
    static func oneOfEachType() throws -> [WatchEvent] {
        var seen: Set<String> = [], out: [WatchEvent] = []
        for name in fixtures {
            let dir = TempDir("cc-watchlines")
            let copy = dir.file("ledger.sqlite")
            try FileManager.default.copyItem(atPath: packageRoot() + "/Tests/Fixtures/\(name).sqlite", toPath: copy)
            let reader = try LedgerReader(path: copy)
            defer { reader.close() }
            for e in try reader.events(after: 0, limit: 100_000) where seen.insert(e.type).inserted {
                out.append(WatchEvent(id: nil, seq: e.seq, at: e.recordedAt, type: e.type, body: e.bodyValue, recorded: true, error: nil,
                                      notes: e.type == "scan" ? ["name": "乙型肝炎疫苗(酿酒酵母)"] : nil))
            }
        }
        return out.sorted { $0.type < $1.type }
    }

    @Test func everyEventTypeHasAHumanLine() throws {
        let events = try Self.oneOfEachType()
        #expect(Set(events.map(\.type)).isSuperset(of: EventType.allCases.filter(\.isRecorded).map(\.rawValue)), "a type without a fixture event")
        let text = rendered { for e in events { CtlCommand.raw(CtlCommand.describe(e)) } }
        #expect(!text.contains("{\""), "JSON in a person's watch:\n\(text)")
        expectGolden("watch", text)
    }

    /// At a terminal the state is coloured and takes no columns; the line wraps as it would without colour.
    @Test func colourIsOnlyOnTheStateAndTakesNoColumns() throws {
        let events = try Self.oneOfEachType()
        let plain = rendered { for e in events { CtlCommand.raw(CtlCommand.describe(e)) } }
        let coloured = rendered(colour: true) { for e in events { CtlCommand.raw(CtlCommand.describe(e)) } }
        #expect(coloured.contains("\u{1B}[1;31mALARM"), "\(coloured)")
        // CtlCommand.print escapes control characters in text from outside: the colour is added after, or it
        // would show as \x1b. Without the codes the text is the plain text.
        #expect(!coloured.contains("\\x1b"))
        let stripped = coloured.replacing(/\u{1B}\[[0-9;]*m/, with: "")
        #expect(stripped == plain)
    }
}
