import CShims
import Glibc

/// Starts a dedicated OS thread for blocking work (a poll loop, a serial port), off Swift's cooperative pool.
///
/// The corresponding C function is pthread_create(3).
public final class POSIXThread: @unchecked Sendable {
    // Set once in init; join() is called by the one owner.
    private var handle = pthread_t()
    private var joined = false

    public init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let box = Unmanaged.passRetained(Box(body: body, name: name))
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
    }

    /// Waits for the thread's body to return.
    ///
    /// The corresponding C function is pthread_join(3).
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        let name: String
        init(body: @escaping @Sendable () -> Void, name: String) { self.body = body; self.name = name }
    }
}
