import Dispatch

/// Runs blocking work (SQLite reads, file I/O) on `queue` instead of Swift's cooperative pool, and awaits it.
public func onQueue<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        queue.async { c.resume(with: Result { try body() }) }
    }
}

/// Sleeps for `seconds`; returns false when the task was cancelled instead.
public func sleep(seconds: Double) async -> Bool {
    do {
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
        return true
    } catch {
        return false
    }
}
