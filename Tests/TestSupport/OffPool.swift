import Dispatch
import Glibc

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

/// Checks `done` up to `tries` times, `every` microseconds apart, and stops at the first yes; returns it.
/// (`for _ in 0..<n where !done() { usleep(…) }` checks all n times whatever the answer: a test read the ledger
/// 4800 times that way, and another ran coldchainctl 500 times.)
@discardableResult
public func poll(_ tries: Int, every micros: UInt32, until done: () throws -> Bool) rethrows -> Bool {
    for _ in 0..<tries {
        if try done() { return true }
        usleep(micros)
    }
    return try done()
}
