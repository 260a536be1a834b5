import CShims
import Glibc

/// Whether the kernel believes the system clock is synchronised: NTP, chrony and systemd-timesyncd clear
/// STA_UNSYNC once they have set it. Read with a read-only adjtimex, which needs no privilege.
///
/// systemd's ProtectClock=yes and SystemCallFilter=~@clock refuse even this read with EPERM (systemd #26413): the
/// unit leaves them out and relies on its empty capability bounding set, without which the kernel refuses any
/// change of the clock anyway.
public enum ClockSync: Sendable, Equatable {
    case synchronised
    case notSynchronised
    case unknown(String)

    /// TIME_ERROR from <sys/timex.h>: adjtimex's answer while the clock is not synchronised.
    static let timeError: Int32 = 5

    /// true, false, or nil when unknown: what the record clock is given.
    public var isSynchronised: Bool? {
        switch self {
        case .synchronised: true
        case .notSynchronised: false
        case .unknown: nil
        }
    }

    public static func read() -> ClockSync {
        var unsync: Int32 = 0
        let state = cc_clock_state(&unsync)
        if state < 0 { return .unknown(String(cString: strerror(errno))) }
        return state == timeError || unsync != 0 ? .notSynchronised : .synchronised
    }
}

/// CLOCK_MONOTONIC as the record clock's steady source.
public struct SystemMonotonicClock: Sendable {
    public init() {}
    public func seconds() -> Double { monotonicSeconds() }
}
