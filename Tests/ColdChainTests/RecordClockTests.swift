import ColdChain
import FoundationEssentials
import Synchronization
import Testing
import TestSupport

/// A steady clock the test moves by hand.
final class ManualSteady: MonotonicClock {
    private let t = Mutex(1000.0)
    func seconds() -> Double { t.withLock { $0 } }
    func advance(_ s: Double) { t.withLock { $0 += s } }
}

/// The record clock with a system clock and a steady clock that the test moves independently: the system clock
/// steps (a stale boot, NTP, a jump), the steady one only runs.
@Suite struct RecordClockTests {
    let day = 86_400.0
    let ledgerNewest = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18

    @Test func aStartBehindTheLedgerGoesOnFromTheLedgerThenFollowsNTP() {
        let system = ManualClock(ledgerNewest.addingTimeInterval(-365 * day)), steady = ManualSteady()
        let clock = RecordClock(system: system, steady: steady, floor: ledgerNewest)
        #expect(clock.now() == ledgerNewest)
        #expect(clock.isBehind)
        system.advance(by: 30); steady.advance(30)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(30))
        // NTP sets the clock: 15 min after the newest event, 30 s of which this run has seen.
        let right = ledgerNewest.addingTimeInterval(900)
        system.set(right); steady.advance(1)
        #expect(clock.now() == right)
        #expect(!clock.isBehind)
        let (steps, total, shift) = clock.steps(after: 0)
        #expect(total == 2)
        #expect(steps == [.behind(system: ledgerNewest.addingTimeInterval(-365 * day), recorded: ledgerNewest),
                          .corrected(offset: 900 - 31, system: right, previous: ledgerNewest.addingTimeInterval(31))])
        #expect(shift == 900 - 31)
        #expect(clock.steps(after: 2).steps.isEmpty)
    }

    @Test func aForwardJumpIsFollowedAndCountedAsAShift() {
        let system = ManualClock(ledgerNewest), steady = ManualSteady()
        let clock = RecordClock(system: system, steady: steady, floor: ledgerNewest)
        #expect(!clock.isBehind && clock.steps(after: 0).total == 0)
        system.advance(by: 8); steady.advance(8)
        _ = clock.now()
        system.advance(by: day / 2 + 1); steady.advance(1)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(day / 2 + 9))
        let (steps, _, shift) = clock.steps(after: 0)
        #expect(steps.count == 1 && shift == day / 2)
    }

    /// A year typed by mistake, for 4 s, then put back: the record never follows it (hardening 2, finding 4: it
    /// followed and stayed a year ahead, and a valid dose was refused as expired).
    @Test func aYearAheadForFourSecondsIsNeverFollowed() {
        let system = ManualClock(ledgerNewest), steady = ManualSteady()
        let clock = RecordClock(system: system, steady: steady, floor: ledgerNewest, synchronised: { true })
        system.advance(by: 10); steady.advance(10)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(10))
        system.advance(by: 365 * day + 1); steady.advance(1)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(11), "the record goes on from its own time")
        #expect(clock.aheadSeconds == 365 * day)
        for _ in 0..<4 { system.advance(by: 1); steady.advance(1); _ = clock.now() }
        system.advance(by: -365 * day + 1); steady.advance(1)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(16))
        #expect(clock.aheadSeconds == nil)
        let (steps, _, shift) = clock.steps(after: 0)
        #expect(steps == [.ahead(system: ledgerNewest.addingTimeInterval(365 * day + 11), recorded: ledgerNewest.addingTimeInterval(11)),
                          .corrected(offset: 0, system: ledgerNewest.addingTimeInterval(16), previous: ledgerNewest.addingTimeInterval(16))])
        #expect(shift == 0)
    }

    /// A large step that stays is followed once it has held for confirm_after (60 s once the kernel says synchronised);
    /// a further step while ahead restarts the count.
    @Test func anAheadClockIsFollowedOnceConfirmed() {
        let synced = Mutex(false)
        let system = ManualClock(ledgerNewest), steady = ManualSteady()
        let clock = RecordClock(system: system, steady: steady, floor: nil, policy: .init(maxStep: day, confirmAfter: 600, confirmSynchronised: 60),
                                synchronised: { synced.withLock { $0 } })
        _ = clock.now()
        // Not synchronised: even a 10-minute step waits.
        system.advance(by: 600); steady.advance(0)
        #expect(clock.now() == ledgerNewest && clock.aheadSeconds == 600)
        system.advance(by: 300); steady.advance(300)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(300), "held 300 s of 600")
        system.advance(by: 100); steady.advance(100)
        _ = clock.now()
        system.advance(by: 100); steady.advance(100)     // 500 s held, then a further jump of an hour
        system.advance(by: 3600)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(500) && clock.aheadSeconds == 4200)
        system.advance(by: 30); steady.advance(30)
        synced.withLock { $0 = true }
        system.advance(by: 29); steady.advance(29)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(559), "59 s held while synchronised: not yet")
        system.advance(by: 1); steady.advance(1)
        #expect(clock.now() == ledgerNewest.addingTimeInterval(560 + 4200), "60 s held while synchronised: followed")
        let (steps, _, shift) = clock.steps(after: 0)
        #expect(steps.map { if case .ahead = $0 { "ahead" } else { "corrected" } } == ["ahead", "corrected"])
        #expect(shift == 4200)
    }

    @Test func aBackwardJumpNeverTakesTheTimeBack() {
        let system = ManualClock(ledgerNewest), steady = ManualSteady()
        let clock = RecordClock(system: system, steady: steady, floor: nil)
        system.advance(by: 10); steady.advance(10)
        let before = clock.now()
        system.advance(by: -day); steady.advance(5)
        #expect(clock.now() == before.addingTimeInterval(5))
        #expect(clock.isBehind)
        #expect(clock.steps(after: 0).shift == 0, "going on from the record is no shift")
    }

    /// Drift and slewing within the tolerance are followed, not reported.
    @Test func smallDifferencesAreNotSteps() {
        let system = ManualClock(ledgerNewest), steady = ManualSteady()
        let clock = RecordClock(system: system, steady: steady, floor: nil)
        for _ in 0..<100 { system.advance(by: 1.01); steady.advance(1); _ = clock.now() }
        #expect(clock.steps(after: 0).total == 0)
    }

    /// Property: whatever the system clock does, the recorded times never decrease, each step is reported once
    /// (at most one per call), only the newest are kept, and the shift is the sum of the forward corrections.
    @Test func recordedTimesNeverDecrease() {
        var rng = Seeded.forTest()
        for _ in 0..<50 {
            let system = ManualClock(ledgerNewest.addingTimeInterval(Double.random(in: -400...10, using: &rng) * day)), steady = ManualSteady()
            let clock = RecordClock(system: system, steady: steady, floor: ledgerNewest)
            var last = Date.distantPast
            for _ in 0..<300 {
                let dt = Double.random(in: 0...120, using: &rng)
                steady.advance(dt)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: system.advance(by: Double.random(in: -30...30, using: &rng) * day)
                case 1: system.advance(by: dt + Double.random(in: -1...1, using: &rng))
                default: system.advance(by: dt)
                }
                let t = clock.now()
                #expect(t >= last)
                last = t
            }
            let (steps, total, shift) = clock.steps(after: 0)
            #expect(steps.count == min(total, RecordClock.keptSteps))
            let forward = steps.count == total ? steps.reduce(0.0) { if case .corrected(let o, _, _) = $1, o > 0 { $0 + o } else { $0 } } : shift
            #expect(abs(forward - shift) < 1e-6)
        }
    }
}
