import FoundationEssentials

/// When the daily backup runs: at the configured local time each day, and soon after start when the newest
/// completed backup is more than a day old (or there is none), so a gateway switched off at night still gets one.
public enum BackupSchedule {
    /// Start-up settles before a catch-up backup reads the ledger.
    public static let afterStart = 60.0

    /// The next run after `now`. `lastCompleted`: when the newest `backup.completed` was recorded.
    public static func next(now: Date, startedAt: Date, lastCompleted: Date?, lastAttempt: Date?, at minutes: Int, calendar: ClinicCalendar) -> Date {
        let today = calendar.day(at: now)
        var slot = calendar.instant(today, minutes: minutes)
        if slot <= now { slot = calendar.instant(calendar.next(today), minutes: minutes) }
        // Overdue (none, or the newest more than a day old) and not yet tried since start: soon.
        let overdue = lastCompleted.map { now.timeIntervalSince($0) > 86_400 } ?? true
        let triedSinceStart = lastAttempt.map { $0 >= startedAt } ?? false
        if overdue && !triedSinceStart { return min(slot, max(now, startedAt.addingTimeInterval(afterStart))) }
        return slot
    }
}
