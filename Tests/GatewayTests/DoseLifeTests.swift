import ColdChain
import Control
import Foundation
import POSIX
@testable import Gateway
import Storage
import Testing
import TestSupport

/// One dose, one life (hardening 3, finding 1): a dose that was administered or discarded here never scans back into
/// stock; one transferred out may come back, bringing the excursions it sat through that no one released; a
/// decision is never cleared by a movement. Every sequence of moves over one dose is judged by the scan hub on a
/// real ledger and by a reference state machine written here, and the two must agree on every verdict.
@Suite struct DoseLifeTests {
    enum Op: String, CaseIterable { case scanIn = "in", out, transfer, discard, excursion, release, toDiscard = "assess-discard" }

    /// The reference: what the record says of one dose, and the verdict each scan must get.
    struct Model {
        enum Life { case never, inStock, administered, discarded, transferred }
        var life = Life.never
        var everLeft = false
        var exposed: [Int] = []
        var decisions: [Int: AssessmentRecorded.Decision] = [:]

        var awaitsDecision: Bool { exposed.contains { decisions[$0] != .release } }

        /// The verdict of a scan in `op`'s mode, and the model after it.
        mutating func scan(_ op: Op) -> (verdict: String, moved: Bool) {
            if op == .scanIn {
                switch life {
                case .inStock: return ("duplicate", false)
                case .administered: return ("already_used", false)
                case .discarded: return ("discarded", false)
                case .never, .transferred: life = .inStock; return ("ok", true)
                }
            }
            guard life == .inStock else { return (everLeft ? "already_out" : "not_in_stock", false) }
            if op != .discard && awaitsDecision { return ("exposed", false) }
            everLeft = true
            life = op == .out ? .administered : op == .transfer ? .transferred : .discarded
            return ("ok", true)
        }
    }

    static let modes: [Op: String] = [.scanIn: "CC:MODE:IN", .out: "CC:MODE:OUT", .transfer: "CC:MODE:TRANSFER", .discard: "CC:MODE:DISCARD"]

    /// Runs `sequences` (each on a dose of its own) through one hub, checking every verdict against the model; then
    /// restarts the scan hub from the ledger and checks a scan-in of each dose against its model.
    func check(_ sequences: [[Op]], label: String) throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        var scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        var minute = 0
        func now() -> Date { f.t0.addingTimeInterval(Double(minute) * 60) }
        var mode = Op.scanIn
        var excursions = 0
        var models: [Model] = []
        func code(_ n: Int) -> String { "(01)09506000134352(17)301231(10)L1(21)LIFE\(n)" }
        func scan(_ n: Int, _ op: Op) throws -> Scan {
            if op != mode {
                _ = scans.record(scanner: "desk", bytes: Array(Self.modes[op]!.utf8), at: now())
                mode = op
            }
            minute += 1
            guard case .scan(let s)? = try scans.record(scanner: "desk", bytes: Array(code(n).utf8), at: now())?.typed() else {
                throw Errno("no scan event", code: EIO)
            }
            return s
        }
        for (n, ops) in sequences.enumerated() {
            var model = Model()
            for (i, op) in ops.enumerated() {
                let step = "\(label) sequence \(n) \(ops.map(\.rawValue)), step \(i) (\(op.rawValue))"
                switch op {
                case .scanIn, .out, .transfer, .discard:
                    let expected = model.scan(op)
                    let got = try scan(n, op)
                    #expect(got.verdict == expected.verdict && got.moved == expected.moved,
                            "\(step): \(got.verdict) moved \(got.moved), the model says \(expected.verdict) moved \(expected.moved)")
                case .excursion:
                    // 8 minutes at 11 °C (the gsp rule opens after 5), then back to 5 °C: one excursion, ended.
                    f.feed(11, minutes: 8, from: minute + 1)
                    f.feed(5, minutes: 3, from: minute + 9)
                    minute += 12
                    excursions += 1
                    if model.life == .inStock { model.exposed.append(excursions) }
                case .release, .toDiscard:
                    guard model.life == .inStock, let x = model.exposed.last else { continue }
                    let decision: AssessmentRecorded.Decision = op == .release ? .release : .discard
                    minute += 1
                    let r = scans.assess(excursion: x, decision: decision, codes: [code(n)], by: "王丽", note: "model", uid: nil, at: now())
                    #expect((try? r.get()) != nil, "\(step): assess refused: \(r)")
                    model.decisions[x] = decision
                }
            }
            models.append(model)
        }
        #expect(excursions == (try f.events("excursion.closed")).count, "the fixture's excursions are the model's")

        // From the ledger alone: a new scan hub, and a scan-in of every dose.
        let again = try LedgerReader(path: f.config.storage.path)
        scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: again, log: Log(collect: { _ in }))
        again.close()
        mode = .out   // the restored hub's scanner mode is whatever was recorded last; a mode card sets it again
        for n in models.indices {
            var model = models[n]
            let expected = model.scan(.scanIn)
            let got = try scan(n, .scanIn)
            #expect(got.verdict == expected.verdict && got.moved == expected.moved,
                    "\(label) sequence \(n) \(sequences[n].map(\.rawValue)) after a restart, scan-in: \(got.verdict), the model says \(expected.verdict)")
        }
    }

    /// Every sequence of four moves (in, out, transfer, discard) over one dose.
    @Test func everySequenceOfMoves() throws {
        let moves: [Op] = [.scanIn, .out, .transfer, .discard]
        var all: [[Op]] = [[]]
        for _ in 0..<4 { all = all.flatMap { s in moves.map { s + [$0] } } }
        try check(all, label: "moves")
    }

    /// Seeded random sequences with excursions and decisions, so exposures are carried and decided.
    @Test func movesWithExcursionsAndDecisions() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["COLDCHAIN_SEED"] ?? "") ?? 20261208
        print("DoseLifeTests seed \(seed) (COLDCHAIN_SEED=\(seed) repeats it)")
        var rng = SplitMix(seed: seed)
        let sequences = (0..<60).map { _ in (0..<7).map { _ in Op.allCases[Int(rng.next() % UInt64(Op.allCases.count))] } }
        // The findings' own sequences first: administered and back; discarded after an exposure and back; a dose to
        // be discarded transferred out and back in (the decision travels); an exposed dose transferred and back.
        let found: [[Op]] = [[.scanIn, .out, .scanIn, .out], [.scanIn, .excursion, .out, .discard, .scanIn, .out],
                             [.scanIn, .excursion, .toDiscard, .transfer, .scanIn, .out], [.scanIn, .excursion, .transfer],
                             [.scanIn, .excursion, .release, .transfer, .scanIn, .out]]
        try check(found + sequences, label: "seed \(seed)")
    }

    /// A dose transferred out while its fridge was already warm but before the excursion was confirmed (the gsp rule
    /// waits 5 minutes; the excursion starts when the temperature first crossed): the excursion is found after it
    /// left. Back again, it brings the excursion with it: `exposed` at scan-out until someone decides.
    @Test func anExcursionFoundAfterATransferComesBackWithTheDose() throws {
        let f = try HubFixture()
        let reader = try LedgerReader(path: f.config.storage.path)
        let scans = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: reader, log: Log(collect: { _ in }))
        reader.close()
        func at(_ m: Double) -> Date { f.t0.addingTimeInterval(m * 60) }
        let code = Array("(01)09506000134352(17)301231(10)L1(21)BACK1".utf8)
        func scan(_ bytes: [UInt8], _ m: Double) throws -> Scan? {
            guard case .scan(let s)? = try scans.record(scanner: "desk", bytes: bytes, at: at(m))?.typed() else { return nil }
            return s
        }
        #expect(try scan(code, 0)?.verdict == "ok")
        f.feed(11, minutes: 2, from: 1)                                   // warm, not yet an excursion
        _ = try scan(Array("CC:MODE:TRANSFER".utf8), 3)
        let left = try #require(try scan(code, 3.5))
        #expect(left.verdict == "ok" && left.moved, "\(left)")
        f.feed(11, minutes: 6, from: 3)                                   // confirmed: it started at minute 1
        f.feed(5, minutes: 2, from: 9)
        #expect(try f.events("excursion.closed").count == 1)
        _ = try scan(Array("CC:MODE:IN".utf8), 12)
        let back = try #require(try scan(code, 13))
        #expect(back.verdict == "ok" && back.moved && back.detail["returned"] == true && back.detail["carried_exposures"] == [1], "\(back)")
        #expect(scans.exposure(now: at(14)).awaiting[1] == ["gs1:09506000134352/BACK1"])
        _ = try scan(Array("CC:MODE:OUT".utf8), 14)
        #expect(try scan(code, 15)?.verdict == "exposed")
        // After a restart the carried excursion is still there (from the scan that brought the dose back).
        let again = try LedgerReader(path: f.config.storage.path)
        let restored = try ScanHub(config: f.config, ledger: f.ledger, monitor: f.hub, reader: again, log: Log(collect: { _ in }))
        again.close()
        #expect(restored.exposure(now: at(16)).awaiting[1] == ["gs1:09506000134352/BACK1"])
        let released = restored.assess(excursion: 1, decision: .release, codes: [], by: "王丽", note: "县疾控: 可以使用", uid: nil, at: at(17))
        #expect((try? released.get())?.body.doses == ["gs1:09506000134352/BACK1"], "\(released)")
        guard case .scan(let out)? = try restored.record(scanner: "desk", bytes: code, at: at(18))?.typed() else { Issue.record("no scan"); return }
        #expect(out.verdict == "ok" && out.moved && out.detail["released"] == [1], "\(out)")
    }

    /// The words and the buzzer: each new refusal has its own.
    @Test func theNurseIsToldApart() {
        #expect(VerdictWords(verdict: "already_used", into: true).chinese == "已经接种使用，不能再入库")
        #expect(VerdictWords(verdict: "discarded", into: true).chinese == "已经报废，不能再入库")
        #expect(SignalClass(verdict: "already_used", refused: true) == .usedOrDiscarded)
        #expect(SignalClass(verdict: "discarded", refused: true) == .usedOrDiscarded)
        let patterns = SignalClass.allCases.map(\.defaultPattern.description)
        #expect(Set(patterns).count == patterns.count, "every class sounds different: \(patterns)")
    }
}

/// A small seeded generator (SplitMix64): the same seed, the same sequences.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
