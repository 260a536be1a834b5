/// Lets at most `width` bodies run at once; the rest wait their turn, in order, without holding a thread.
///
/// Heavy control queries (readings, scans, verify, lookup) go through one: measured before this bound, 60 parallel
/// `scans --limit 10000` took the daemon to 1.1 GB. Waiters are bounded by the control socket's connection limit
/// (one request at a time per connection).
actor AsyncLimiter {
    let width: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { self.width = max(1, width) }

    /// Runs `body` when a place is free. `drained` runs after the last body of a busy spell finishes.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T, drained: @Sendable () -> Void = {}) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            if release() { drained() }
            return result
        } catch {
            if release() { drained() }
            throw error
        }
    }

    private func acquire() async {
        if running < width { running += 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// True when nothing runs and nothing waits any more.
    private func release() -> Bool {
        if waiting.isEmpty { running -= 1; return running == 0 }
        waiting.removeFirst().resume()
        return false
    }
}
