import Dispatch
import Synchronization

/// A signal one task waits on: `signal` from any thread (libmosquitto's network thread, the ledger's writer) wakes
/// the waiter at once, or makes its next `wait` return at once. Signals while nobody waits coalesce into one. With
/// `every`, a timer signals that often too, so a waiter never sleeps longer.
///
/// The MQTT uplink polled every 1 ms while acknowledgements were outstanding; 200 uplinks in one process (the
/// fleet bench) were then 200,000 wake-ups a second on two cores. A timer per wait was next: one repeating timer
/// is cheaper than arming one for each of thousands of waits a second.
///
/// `@unchecked Sendable`: `timer` is set once in init and only cancelled after; the rest is under `state`'s mutex.
final class Wakeup: @unchecked Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    private let timer: DispatchSourceTimer?

    init(every seconds: Double? = nil) {
        guard let seconds else { timer = nil; return }
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + seconds, repeating: seconds, leeway: .milliseconds(Int(seconds * 100)))
        timer = t
        t.setEventHandler { [weak self] in self?.signal() }
        t.resume()
    }

    deinit { timer?.cancel() }

    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else { s.pending = true; return nil }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Returns on a signal (or the timer's), or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled { s.pending = false; return true }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
