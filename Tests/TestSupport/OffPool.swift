import Dispatch

/// Runs blocking work (a socket read, waiting for a child process) on a dispatch thread and awaits it.
///
/// Swift's cooperative pool has one thread per core (two here). A test that blocks one of them while an
/// in-process server needs a pool thread to answer can deadlock the whole parallel test run; so blocking
/// calls in async tests go through here.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try body() }) }
    }
}
