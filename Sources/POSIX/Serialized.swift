import Dispatch

/// A value that is not Sendable (a libcurl handle, a channel's sender), reachable only on a serial queue of its own:
/// GRDB's `SerializedDatabase`, for any value. The value never leaves the queue; what crosses threads is this box.
public final class Serialized<Value>: @unchecked Sendable {
    // Guard: `value` is only touched by blocks running on `queue`, which is serial.
    private let value: Value
    public let queue: DispatchQueue

    public init(_ value: Value, label: String) {
        self.value = value
        queue = DispatchQueue(label: label)
    }

    private init(_ value: Value, queue: DispatchQueue) { self.value = value; self.queue = queue }

    /// Makes the value on its queue (opening a connection is I/O: not on the cooperative pool).
    public static func open(label: String, _ make: @escaping @Sendable () throws -> Value) async throws -> Serialized<Value> {
        let queue = DispatchQueue(label: label)
        return try await withCheckedThrowingContinuation { c in
            queue.async {
                do { c.resume(returning: Serialized(try make(), queue: queue)) } catch { c.resume(throwing: error) }
            }
        }
    }

    /// `run`, for a body that throws.
    public func run<R: Sendable>(_ body: @escaping @Sendable (Value) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try body(self.value) }) }
        }
    }

    /// Runs `body` on the queue and resumes the caller with its result; no thread of the cooperative pool waits.
    public func run<R: Sendable>(_ body: @escaping @Sendable (Value) -> R) async -> R {
        await withCheckedContinuation { c in queue.async { c.resume(returning: body(self.value)) } }
    }

    /// Queues `body` and returns at once.
    public func enqueue(_ body: @escaping @Sendable (Value) -> Void) {
        queue.async { body(self.value) }
    }

    /// Runs `body` on the queue and waits for it: for callers on a thread of their own (a benchmark, a test, a
    /// blocking service), never from async code, and never from the queue itself (that would deadlock).
    public func blocking<R>(_ body: (Value) throws -> R) rethrows -> R {
        dispatchPrecondition(condition: .notOnQueue(queue))
        return try queue.sync { try body(value) }
    }
}
