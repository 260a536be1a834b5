import FoundationEssentials
import Glibc

/// The gateway's time zone (TZ, else /etc/localtime), as the C library sees it.
public enum LocalTime {
    /// Seconds east of UTC at `date`, daylight saving time included.
    ///
    /// The corresponding C function is localtime_r(3).
    @Sendable public static func utcOffset(at date: Date) -> Int {
        let t = date.timeIntervalSince1970
        guard t.isFinite, abs(t) < 1e15 else { return 0 }
        var seconds = time_t(t)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return 0 }
        return Int(parts.tm_gmtoff)
    }
}
