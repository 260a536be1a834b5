import ColdChain
import FoundationEssentials
import POSIX

/// How times and exports look to a person: local time with the zone named once, and CSV a spreadsheet opens.
enum PeopleTime {
    static var calendar: ClinicCalendar { Presentation.current.calendar }
    static var now: Date { Presentation.current.now() }

    /// An RFC 3339 time from the daemon in local time; text that is not one is shown as it came.
    static func local(_ rfc3339: String) -> String {
        guard let t = RFC3339.parse(rfc3339) else { return rfc3339 }
        return calendar.localText(t)
    }

    static func local(_ t: Date) -> String { calendar.localText(t) }

    /// A time in a table: as short as says the day (`09:15:02` today, `11-30 09:15` this year), or in full with
    /// `--wide`.
    static func brief(_ rfc3339: String) -> String {
        guard let t = RFC3339.parse(rfc3339) else { return rfc3339 }
        return brief(t)
    }

    static func brief(_ t: Date) -> String {
        Presentation.current.width == nil ? calendar.localText(t) : calendar.briefText(t, now: now)
    }

    /// The line that names the zone, printed once under output with times.
    static var zoneLine: String { "times are local, \(calendar.zoneName(at: now))" }
}

