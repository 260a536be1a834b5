import CShims
import Dispatch
import Glibc
import Synchronization

/// Starts a dedicated OS thread for blocking work (a poll loop, a serial port), off Swift's cooperative pool.
///
/// The corresponding C function is pthread_create(3).
public final class POSIXThread: Sendable {
    private let handle: pthread_t
    /// Set by the first join: pthread_join(3) on a thread already joined is undefined behaviour.
    private let joined = Atomic(false)
    /// Whether the body has returned, or who waits for it to.
    private let finish: Finish

    public init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let finish = Finish()
        self.finish = finish
        let box = Unmanaged.passRetained(Box(body: body, name: name, finish: finish))
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            cc_set_thread_name(box.name)
            box.body()
            box.finish.ended()
            return nil
        }, box.toOpaque())
        if rc != 0 {
            box.release()
            throw Errno("pthread_create \(name)", code: rc)
        }
        self.handle = handle
    }

    /// Waits for the thread's body to return.
    ///
    /// The corresponding C function is pthread_join(3).
    public func join() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pthread_join(handle, nil)
    }

    /// `join()` for async callers: resumed by the thread itself as its body returns, then joined (by then the
    /// thread is only exiting). It waited on a dispatch thread; with the global queue's threads busy in a loaded
    /// test run, the control service's stop missed its 4 s deadline waiting for one.
    public func joined() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in finish.wait(c) }
        join()
    }

    final class Finish: Sendable {
        private let state = Mutex<(ended: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
        func ended() {
            let waiter = state.withLock { s in
                s.ended = true
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
        func wait(_ c: CheckedContinuation<Void, Never>) {
            let now = state.withLock { s in
                if s.ended { return true }
                s.waiter = c
                return false
            }
            if now { c.resume() }
        }
    }

    private final class Box {
        let body: @Sendable () -> Void
        let name: String
        let finish: Finish
        init(body: @escaping @Sendable () -> Void, name: String, finish: Finish) { self.body = body; self.name = name; self.finish = finish }
    }
}
