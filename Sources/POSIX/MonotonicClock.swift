import Glibc

/// Seconds on CLOCK_MONOTONIC: for schedules, timeouts and idle limits, which must not jump when the wall clock
/// does (NTP stepping the clock at boot, a board without a battery-backed clock).
///
/// The corresponding C function is clock_gettime(2).
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
