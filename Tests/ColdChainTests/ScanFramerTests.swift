import ColdChain
import FoundationEssentials
import Testing

@Suite struct ScanFramerTests {
    func codes(_ out: [ScanFramer.Output]) -> [String] {
        out.compactMap { if case .code(let b) = $0 { return String(decoding: b, as: UTF8.self) }; return nil }
    }

    @Test func terminatorsSplitAndEmptyLinesVanish() {
        var f = ScanFramer()
        #expect(codes(f.feed(Array("A1\r\nB2\nC3\rD4\t\r\n\n".utf8), at: 0)) == ["A1", "B2", "C3", "D4"])
    }

    @Test func aCodeSplitAcrossReads() {
        var f = ScanFramer()
        #expect(f.feed(Array("0109506".utf8), at: 0).isEmpty)
        #expect(f.feed(Array("000134352".utf8), at: 0.01).isEmpty)
        #expect(codes(f.feed(Array("\r\n".utf8), at: 0.02)) == ["0109506000134352"])
    }

    @Test func silenceEndsACodeWithoutTerminator() {
        var f = ScanFramer(silence: 0.05)
        #expect(f.feed(Array("81234567890123456789".utf8), at: 1.0).isEmpty)
        #expect(f.flushIfSilent(at: 1.04).isEmpty)
        #expect(f.silenceDeadline == 1.05)
        #expect(codes(f.flushIfSilent(at: 1.05)) == ["81234567890123456789"])
        #expect(f.silenceDeadline == nil)
    }

    @Test func noiseIsDroppedButFNC1Kept() {
        var f = ScanFramer()
        let out = f.feed([0x00, 0x11, 0x13] + Array("01".utf8) + [0x1D, 0x07] + Array("21X".utf8) + [0x7F, 0x0D], at: 0)
        guard case .code(let b)? = out.first else { Issue.record("\(out)"); return }
        #expect(b == Array("01".utf8) + [0x1D] + Array("21X".utf8))
    }

    @Test func overLongLineIsDiscardedOnceAndTheNextCodeSurvives() {
        var f = ScanFramer(maxLength: 512)
        let out = f.feed(Array(repeating: UInt8(ascii: "9"), count: 700) + [0x0A] + Array("OK1\n".utf8), at: 0)
        #expect(out == [.tooLong(700), .code(Array("OK1".utf8))])
    }
}

@Suite struct DoseVerifierTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18
    var today: GS1Date { ClinicCalendar.utc.day(at: now) }
    func scan(_ s: String) -> ParsedScan { TraceCodeParser.parse(Array(s.utf8), currentYear: 2026) }
    func dose(_ serial: String, expiry: GS1Date?, fridge: String = "F1", inAt: Date) -> Dose {
        Dose(key: "gs1:09506000134352/\(serial)", product: "gs1:09506000134352", lot: "L1", expiry: expiry, fridge: fridge, inAt: inAt, code: serial)
    }

    @Test func scanInVerdicts() {
        let stock = ["gs1:09506000134352/A": dose("A", expiry: nil, inAt: now)]
        let hold = Hold(id: 1, product: "gs1:09506000134352", lot: "HELD", code: nil, reason: "recall", source: "platform")
        #expect(DoseVerifier.scanIn(scan("(01)09506000134352(17)271231(10)L1(21)B"), fridge: "F1", stock: stock, holds: [hold], today: today).verdict == .ok)
        #expect(DoseVerifier.scanIn(scan("(01)09506000134352(17)271231(10)L1(21)A"), fridge: "F1", stock: stock, holds: [], today: today).verdict == .duplicate)
        #expect(DoseVerifier.scanIn(scan("(01)09506000134352(17)251231(10)L1(21)C"), fridge: "F1", stock: stock, holds: [], today: today).verdict == .expired)
        #expect(DoseVerifier.scanIn(scan("(01)09506000134352(17)271231(10)HELD(21)D"), fridge: "F1", stock: stock, holds: [hold], today: today).verdict == .held)
        #expect(DoseVerifier.scanIn(scan("6901234567892"), fridge: "F1", stock: stock, holds: [], today: today).verdict == .unrecognised)
        // Expiring today is not expired: a dose is usable through its expiry date.
        #expect(DoseVerifier.scanIn(scan("(01)09506000134352(17)261118(10)L1(21)E"), fridge: "F1", stock: stock, holds: [], today: today).verdict == .ok)
    }

    @Test func scanOutVerdicts() {
        let inAt = now.addingTimeInterval(-86400)
        let stock = ["gs1:09506000134352/A": dose("A", expiry: GS1Date(year: 2027, month: 6, day: 30), inAt: inAt),
                     "gs1:09506000134352/B": dose("B", expiry: GS1Date(year: 2027, month: 1, day: 31), inAt: inAt)]
        let night = ExcursionSpan(id: 7, fridge: "F1", start: now.addingTimeInterval(-40000), end: now.addingTimeInterval(-29200), peakC: 11.2)
        func out(_ s: String, mode: ScannerMode = .out, excursions: [ExcursionSpan] = [], holds: [Hold] = []) -> DoseVerifier.Outcome {
            DoseVerifier.scanOut(scan(s), mode: mode, stock: stock, wentOut: { $0 == "gs1:09506000134352/Z" }, holds: holds, excursions: excursions, now: now, today: today)
        }
        #expect(out("(01)09506000134352(21)B").verdict == .ok)
        #expect(out("(01)09506000134352(21)A").verdict == .fefo, "B expires first")
        #expect(out("(01)09506000134352(21)Q").verdict == .notInStock)
        #expect(out("(01)09506000134352(21)Z").verdict == .alreadyOut)
        let exposed = out("(01)09506000134352(21)B", excursions: [night])
        #expect(exposed.verdict == .exposed && !exposed.moves)
        #expect(exposed.detail["excursions"]?.arrayValue?.first?["peak_c"] == 11.2)
        #expect(exposed.detail["excursions"]?.arrayValue?.first?["duration_s"] == 10800)
        // An excursion in another fridge, or before the dose went in, does not touch it.
        let elsewhere = ExcursionSpan(id: 8, fridge: "F2", start: now.addingTimeInterval(-3600), end: nil, peakC: 12)
        let before = ExcursionSpan(id: 9, fridge: "F1", start: inAt.addingTimeInterval(-7200), end: inAt.addingTimeInterval(-3600), peakC: 12)
        #expect(out("(01)09506000134352(21)B", excursions: [elsewhere, before]).verdict == .ok)
        let recall = Hold(id: 2, product: "gs1:09506000134352", lot: nil, code: nil, reason: "recall", source: "platform")
        #expect(out("(01)09506000134352(21)B", holds: [recall]).verdict == .held)
        // Discarding an exposed dose is right: noted, not refused, and it leaves the stock.
        let discard = out("(01)09506000134352(21)B", mode: .discard, excursions: [night])
        #expect(discard.verdict == .ok && discard.moves && discard.detail["noted"] != nil)
    }
}
