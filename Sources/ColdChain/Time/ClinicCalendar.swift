import FoundationEssentials

/// The clinic's calendar: which date it is at an instant, in the gateway's time zone. The one definition of
/// "today", used by expiry verdicts, `inventory --expiring` and `decode`'s century rule.
///
/// Expiry is a date on the clinic's calendar, not in UTC: in a UTC+8 clinic, between 00:00 and 08:00 the UTC date is
/// still yesterday's (`inventory --expiring` once ran a day behind the verdicts that way). The offset comes from
/// outside (the gateway's zone, `LocalTime.utcOffset` in POSIX) so the domain stays pure and tests can fix it.
public struct ClinicCalendar: Sendable {
    private let offset: @Sendable (Date) -> Int

    /// `offset`: seconds east of UTC at an instant (it may change with daylight saving time).
    public init(offset: @escaping @Sendable (Date) -> Int) { self.offset = offset }

    public static let utc = ClinicCalendar { _ in 0 }

    /// A fixed offset, e.g. `hours: 8` for China Standard Time.
    public static func fixed(hours: Int) -> ClinicCalendar { ClinicCalendar { _ in hours * 3600 } }

    /// The date at `t` on this calendar. Total: instants outside years 0000–9999 are clamped (RFC3339.representable).
    public func day(at t: Date) -> GS1Date {
        let (days, _) = local(t)
        let (y, m, d) = RFC3339.civil(fromDays: days)
        return GS1Date(year: Int(y), month: Int(m), day: Int(d))
    }

    /// `t` on this calendar as whole days since 1970 and seconds into that day.
    private func local(_ t: Date) -> (days: Int64, second: Int64) {
        let raw = t.timeIntervalSince1970
        let clamped = raw.isNaN ? 0 : Swift.min(Swift.max(raw, RFC3339.representable.lowerBound), RFC3339.representable.upperBound)
        let local = Int64(clamped.rounded(.down)) + Int64(offsetSeconds(at: t))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return (days, local - days * 86_400)
    }

    /// The instant at `minutes` after local midnight of `day` (a time that falls twice, or never, at a daylight
    /// saving change is taken with the offset of the day's noon). `day` must be a real date within years 1–9999.
    public func instant(_ day: GS1Date, minutes: Int) -> Date {
        let days = RFC3339.days(fromCivil: Int64(day.year), Int64(day.month), Int64(day.day))
        let noon = Date(timeIntervalSince1970: Double(days * 86_400 + 43_200))
        return Date(timeIntervalSince1970: Double(days * 86_400 + Int64(minutes) * 60 - Int64(offsetSeconds(at: noon))))
    }

    /// The day after `day`.
    public func next(_ day: GS1Date) -> GS1Date {
        let days = RFC3339.days(fromCivil: Int64(day.year), Int64(day.month), Int64(day.day)) + 1
        let (y, m, d) = RFC3339.civil(fromDays: days)
        return GS1Date(year: Int(y), month: Int(m), day: Int(d))
    }

    private static func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Seconds east of UTC at `t`, bounded to a day.
    public func offsetSeconds(at t: Date) -> Int { Swift.max(-86_400, Swift.min(86_400, offset(t))) }

    /// `t` as a person in the clinic reads it: `2026-11-23 20:40:45`, local time without a zone (name the zone once
    /// beside it, `zoneName`). Data (the ledger, JSON, CSV, the platform) stays RFC 3339 UTC.
    public func localText(_ t: Date) -> String {
        let (days, s) = local(t)
        let (y, m, d) = RFC3339.civil(fromDays: days)
        let two = Self.two
        let year = y < 1000 ? String(String(y + 10_000).dropFirst()) : "\(y)"
        return "\(year)-\(two(m))-\(two(d)) \(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
    }

    /// The local clock time of `t`, `09:15`, for a message that names the day elsewhere or not at all.
    public func localClockText(_ t: Date) -> String {
        let s = local(t).second
        return "\(Self.two(s / 3600)):\(Self.two(s / 60 % 60))"
    }

    /// `t` as short as a table can say it without losing the day: `09:15:02` on the day of `now`, `11-30 09:15` in
    /// its year, `2025-11-30 09:15` before. A status table's 19-column times were what pushed it past 80 columns.
    public func briefText(_ t: Date, now: Date) -> String {
        let full = localText(t)
        let (tDays, _) = local(t), (nowDays, _) = local(now)
        if tDays == nowDays { return String(full.dropFirst(11)) }
        if full.prefix(4) == localText(now).prefix(4) { return String(full.dropFirst(5).prefix(11)) }
        return String(full.prefix(16))
    }

    /// The zone as an offset, `UTC+08:00`.
    public func zoneName(at t: Date) -> String {
        let o = Int64(offsetSeconds(at: t)), a = abs(o)
        return "UTC\(o < 0 ? "-" : "+")\(Self.two(a / 3600)):\(Self.two(a / 60 % 60))"
    }
}
