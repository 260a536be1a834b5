import FoundationEssentials
import Synchronization

/// Seconds on a clock that only moves forward at a steady rate (CLOCK_MONOTONIC): the system clock's steps
/// (NTP, a board without a battery-backed clock, a person) do not move it.
public protocol MonotonicClock: Sendable {
    func seconds() -> Double
}

/// A step of the system clock, as the record tells it.
public enum ClockStep: Sendable, Equatable {
    /// The system clock reads earlier than the time the record has reached: recording goes on from the record's
    /// time plus the steady time elapsed, never earlier than the last event.
    case behind(system: Date, recorded: Date)
    /// The system clock stepped forward by `offset` seconds past where the record's time had got to (NTP after a
    /// stale boot, or a forward jump), or came back into line after being behind or ahead; recording follows it again.
    case corrected(offset: Double, system: Date, previous: Date)
    /// The system clock stepped forward further than the record follows blindly (more than `maxStep`, or any step
    /// while the kernel says the clock is not synchronised): recording goes on from the record's time plus the
    /// steady time elapsed until the clock comes back, or is confirmed (`corrected` then reports it).
    case ahead(system: Date, recorded: Date)
}

/// The time the gateway records with: the system clock, except that it never goes backwards.
///
/// A board without a battery-backed clock boots with a stale time until NTP synchronises. Measured before this: with
/// the clock at 2020 an expired dose was accepted into stock, events stamped 2020 followed events stamped 2026, and
/// the next start recorded a 2,458-day gap for 15 s of downtime. Here, when the system clock is behind the newest
/// recorded time (at start) or jumps back (while running), the time goes on from the record's time plus the
/// monotonic time elapsed, and the step is reported once (`steps`); when the system clock is ahead again, the time
/// follows it and that is reported too, with the offset.
///
/// A forward step moves the recorded time forward by `shift` in all: what measures intervals in recorded time
/// (excursion delays, `comm_loss_after`, alarm repeats) takes the shift off, so a jump of a day neither raises a
/// false no-data alarm nor makes an 8 s excursion last a day (MonitorHub applies it).
///
/// A forward step is not always followed at once. The second hardening run set the system clock a year ahead for 4 s,
/// then back: the record followed it (`clock.corrected` +31,536,000 s) and stayed a year ahead, and a valid dose was
/// refused as expired. So a forward step larger than `Policy.maxStep`, or any forward step while the kernel says the
/// clock is not synchronised (a person's `date -s` sets STA_UNSYNC), is reported as `ahead` and not followed; the
/// time goes on from the record's time plus the steady time. It is followed (`corrected`) once confirmed: the new
/// offset held steady for `confirmSynchronised` with the kernel saying synchronised, or for `confirmAfter` whatever it
/// says. A clock that comes back ends it (`corrected` with the small offset left).
public final class RecordClock: WallClock {
    /// Differences up to this between the system clock and the steady time are drift or NTP slewing, not a step.
    public static let tolerance = 2.0

    public struct Policy: Sendable, Equatable {
        /// A forward step larger than this is not followed until confirmed (`clock.max_step`, default a day).
        public var maxStep: Double
        /// An ahead clock whose offset holds this long is followed, synchronised or not (`clock.confirm_after`).
        public var confirmAfter: Double
        /// An ahead clock whose offset holds this long while the kernel says it is synchronised is followed.
        public var confirmSynchronised: Double
        public init(maxStep: Double = 86_400, confirmAfter: Double = 900, confirmSynchronised: Double = 60) {
            self.maxStep = maxStep; self.confirmAfter = confirmAfter; self.confirmSynchronised = confirmSynchronised
        }
    }

    struct State {
        var anchor: Date
        var anchorSteady: Double
        var last: Date
        var behind: Bool
        /// While ahead: the system clock's offset over the record's time, and the steady time since it has held.
        var ahead: (offset: Double, since: Double)?
        /// The newest steps (at most `keptSteps`) and how many there have been in all.
        var steps: [ClockStep] = []
        var stepCount = 0
        var shift: Double = 0

        mutating func report(_ step: ClockStep) {
            steps.append(step)
            stepCount += 1
            if steps.count > RecordClock.keptSteps { steps.removeFirst(steps.count - RecordClock.keptSteps) }
        }
    }

    /// A clock that flaps (a broken NTP source) reports a step per flip; only the newest are kept for the record.
    public static let keptSteps = 64

    let system: any WallClock
    let steady: any MonotonicClock
    let policy: Policy
    /// Whether the kernel says the clock is synchronised (adjtimex); nil when unknown. Injected: the domain does no I/O.
    let synchronised: @Sendable () -> Bool?
    private let state: Mutex<State>

    /// `floor`: the newest time the record holds (its last event or heartbeat); nil for a new ledger.
    /// `wasBehind`: the record's last word on the clock is `clock.behind` (the previous run ended with the clock
    /// wrong); a start with the clock right again reports the correction.
    public init(system: any WallClock, steady: any MonotonicClock, floor: Date?, wasBehind: Bool = false, policy: Policy = Policy(),
                synchronised: @escaping @Sendable () -> Bool? = { nil }) {
        self.system = system
        self.steady = steady
        self.policy = policy
        self.synchronised = synchronised
        let w = system.now()
        let start = max(w, floor ?? w)
        var s = State(anchor: start, anchorSteady: steady.seconds(), last: start, behind: false)
        if let floor, w < floor.addingTimeInterval(-Self.tolerance) {
            s.behind = true
            s.report(.behind(system: w, recorded: floor))
        } else if wasBehind, let floor {
            let offset = w.timeIntervalSince(floor)
            s.report(.corrected(offset: offset, system: w, previous: floor))
            // Nothing in memory measured anything before this start: no shift to take out.
        }
        state = Mutex(s)
    }

    public func now() -> Date {
        let w = system.now(), m = steady.seconds()
        return state.withLock { s in
            let expected = s.anchor.addingTimeInterval(m - s.anchorSteady)
            let t: Date
            if w < expected.addingTimeInterval(-Self.tolerance) {
                s.ahead = nil
                if !s.behind {
                    s.behind = true
                    s.report(.behind(system: w, recorded: expected))
                }
                t = expected
            } else {
                let offset = w.timeIntervalSince(expected)
                if let ahead = s.ahead {
                    if offset <= Self.tolerance || confirmed(ahead, offset: offset, steady: m) {
                        follow(&s, offset: offset, system: w, expected: expected, steady: m)
                        t = w
                    } else {
                        // Stepped again while ahead: its steadiness counts from now.
                        if abs(offset - ahead.offset) > Self.tolerance { s.ahead = (offset, m) }
                        t = expected
                    }
                } else if offset > Self.tolerance && !s.behind && (offset > policy.maxStep || synchronised() == false) {
                    s.ahead = (offset, m)
                    s.report(.ahead(system: w, recorded: expected))
                    t = expected
                } else {
                    if offset > Self.tolerance || s.behind { follow(&s, offset: offset, system: w, expected: expected, steady: m) }
                    // In line: follow the system clock, slewing included.
                    s.anchor = w
                    s.anchorSteady = m
                    t = w
                }
            }
            s.last = max(s.last, t)
            return s.last
        }
    }

    /// The system clock is followed again: the step reported, a forward one added to the shift.
    private func follow(_ s: inout State, offset: Double, system w: Date, expected: Date, steady m: Double) {
        s.report(.corrected(offset: offset, system: w, previous: expected))
        if offset > 0 { s.shift += offset }
        s.behind = false
        s.ahead = nil
        s.anchor = w
        s.anchorSteady = m
    }

    /// An ahead clock is confirmed once its offset has held long enough (shorter while the kernel says synchronised).
    private func confirmed(_ ahead: (offset: Double, since: Double), offset: Double, steady m: Double) -> Bool {
        guard abs(offset - ahead.offset) <= Self.tolerance else { return false }
        let held = m - ahead.since
        return held >= policy.confirmAfter || (held >= policy.confirmSynchronised && synchronised() == true)
    }

    /// The steps after the first `count` (oldest first; a step is reported once, not per reading), how many there
    /// have been in all, and the total forward shift they made. Steps older than the kept ones are not returned.
    public func steps(after count: Int) -> (steps: [ClockStep], total: Int, shift: Double) {
        state.withLock { s in
            let new = max(0, s.stepCount - max(0, count))
            return (Array(s.steps.suffix(min(new, s.steps.count))), s.stepCount, s.shift)
        }
    }

    /// What the system clock reads now (shown beside the record's time while it is behind).
    public func systemNow() -> Date { system.now() }

    /// Whether the system clock is behind the record now.
    public var isBehind: Bool { state.withLock { $0.behind } }

    /// How far the system clock is ahead of the record while that step is not followed; nil otherwise.
    public var aheadSeconds: Double? { state.withLock { $0.ahead?.offset } }
}
