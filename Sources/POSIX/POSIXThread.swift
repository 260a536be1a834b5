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

    public init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let box = Unmanaged.passRetained(Box(body: body, name: name))
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            cc_set_thread_name(box.name)
            box.body()
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

    /// `join()` for async callers: the wait happens on a dispatch thread, never on the cooperative pool.
    public func joined() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { self.join(); c.resume() }
        }
    }

    private final class Box {
        let body: @Sendable () -> Void
        let name: String
        init(body: @escaping @Sendable () -> Void, name: String) { self.body = body; self.name = name }
    }
}
