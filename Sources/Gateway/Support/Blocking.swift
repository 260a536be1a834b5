import Dispatch

/// Runs blocking work (SQLite reads, file I/O) on `queue` instead of Swift's cooperative pool, and awaits it.
public func onQueue<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        queue.async { c.resume(with: Result { try body() }) }
    }
}

/// Sleeps for `seconds` (NaN and negative as 0, at most a year: the conversion to nanoseconds would trap past
/// 584 years); returns false when the task was cancelled instead.
public func sleep(seconds: Double) async -> Bool {
    let bounded = seconds.isNaN ? 0 : min(max(0, seconds), 365 * 86400)
    do {
        try await Task.sleep(nanoseconds: UInt64(bounded * 1_000_000_000))
        return true
    } catch {
        return false
    }
}
