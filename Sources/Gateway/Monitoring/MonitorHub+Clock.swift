import ColdChain
import FoundationEssentials
import Storage

extension MonitorHub {
    /// The record clock's steps not yet in the ledger, as events; a forward shift moves every time that measures an
    /// interval (monitors, alarm repeats, output pulses), so a jump is no time passed. Runs at the start of each of the
    /// recorder's batches, on its working copy: if the append fails, neither the count nor the shift changes, and the
    /// next batch tries again.
    func clockSteps(_ s: inout State) -> [NewEvent] {
        guard let clock = recordClock else { return [] }
        let (steps, total, shift) = clock.steps(after: s.clockSteps)
        guard total != s.clockSteps else { return [] }
        let delta = shift - s.clockShift
        if delta > 0 {
            for sensor in Array(s.monitors.keys) { s.monitors[sensor]?.clockStepped(by: delta) }
            for id in Array(s.alarms.keys) { s.alarms[id]?.lastNotified.addTimeInterval(delta) }
            live.withLock { l in
                for id in Array(l.repeatedAt.keys) { l.repeatedAt[id]?.addTimeInterval(delta) }
            }
            s.site.clockStepped(by: delta)
        }
        s.clockSteps = total
        s.clockShift = shift
        return steps.map { step in
            switch step {
            case .behind(let system, let recorded):
                log.warning("clock: the system clock reads \(RFC3339.format(system)), \(DurationText.describe(recorded.timeIntervalSince(system))) behind "
                            + "the record (\(RFC3339.format(recorded))); recording goes on from the record's time until it is right")
                return NewEvent(step.body, at: recorded)
            case .ahead(let system, let recorded):
                log.warning("clock: the system clock stepped to \(RFC3339.format(system)), \(DurationText.describe(system.timeIntervalSince(recorded))) ahead of "
                            + "the record; not followed until it comes back or is confirmed (synchronised, or steady for clock.confirm_after)")
                return NewEvent(step.body, at: recorded)
            case .corrected(let offset, let system, _):
                log.notice("clock: the system clock stepped \(offset >= 0 ? "forward" : "back") by \(DurationText.describe(abs(offset))); recording follows it again")
                return NewEvent(step.body, at: system)
            }
        }
    }
}
