import ColdChain
import FoundationEssentials
import Testing

@Suite struct GapRuleTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_795_000_000))

    @Test func newLedgerHasNoGap() {
        #expect(GapRule.gap(lastEventType: nil, lastEventAt: nil, lastHeartbeat: nil, heartbeatInterval: 30, now: clock.now()) == nil)
    }

    @Test func crashIsAGapFromTheLastSignOfLife() {
        let lastBeat = clock.now()
        let lastEvent = clock.now().addingTimeInterval(-5)
        clock.advance(by: 45)  // less than twice the heartbeat: still a gap, because gateway.stopped is missing
        let gap = GapRule.gap(lastEventType: "reading", lastEventAt: lastEvent, lastHeartbeat: lastBeat,
                              heartbeatInterval: 30, now: clock.now())
        #expect(gap == GapRule.Gap(from: lastBeat, to: clock.now(), previousEnd: "crash"))
        #expect(gap?.seconds == 45)
    }

    @Test func quickCleanRestartIsNoGap() {
        let stoppedAt = clock.now()
        clock.advance(by: 59)
        #expect(GapRule.gap(lastEventType: "gateway.stopped", lastEventAt: stoppedAt, lastHeartbeat: stoppedAt,
                            heartbeatInterval: 30, now: clock.now()) == nil)
    }

    @Test func longCleanStopIsAGap() {
        let stoppedAt = clock.now()
        clock.advance(by: 3 * 86400)
        let gap = GapRule.gap(lastEventType: "gateway.stopped", lastEventAt: stoppedAt, lastHeartbeat: stoppedAt.addingTimeInterval(-10),
                              heartbeatInterval: 30, now: clock.now())
        #expect(gap?.previousEnd == "stopped")
        #expect(gap?.from == stoppedAt)
        #expect(gap?.to == clock.now())
        #expect(gap.map { abs($0.seconds - 3 * 86400) < 0.001 } == true)
    }
}
