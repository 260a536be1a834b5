import ColdChain
import Glibc
import Synchronization

/// Runs services together, in the manner of swift-service-lifecycle: a task group holds one child per service and
/// one for the signals; when a shutdown signal arrives, a service ends, or the caller is cancelled, the group stops.
///
/// Stopping has two phases and a deadline:
/// - graceful: the services are asked to stop one at a time, in reverse order (what started last stops first), and
///   each is awaited, so a poller finishes its transaction and the control server closes its socket before the
///   services they use go;
/// - cancellation: when the deadline passes, whatever still runs is named in the log and left behind (the process
///   is about to exit), so `gateway.stopped` is always recorded in time. Before the deadline, a bus with a 30 s
///   timeout and a silent probe held SIGTERM for 27 s, past systemd's TimeoutStopSec=10s.
///
/// Each service's `run()` is a task of its own, held by its child: a child of a task group can be neither
/// cancelled alone (the graceful order needs that) nor abandoned (the deadline needs that).
public struct ServiceGroup: Sendable {
    public enum Ending: Sendable, Equatable {
        case signal(Int32)
        case serviceEnded(String)
        case serviceFailed(String, String)
        case cancelled
    }

    let services: [any Service]
    let log: Log
    /// How long all services together may take to stop.
    let shutdownDeadline: Double

    /// 4 s leaves the daemon time to record `gateway.stopped` within the 5 s the README promises.
    public init(_ services: [any Service], log: Log, shutdownDeadline: Double = 4) {
        self.services = services
        self.log = log
        self.shutdownDeadline = shutdownDeadline
    }

    enum Event: Sendable {
        /// Service `index` ended (nil: its child stopped waiting for it, at the deadline or on cancellation).
        case ended(Int, Result<Void, any Error>?)
        case signal(Int32)
        case signalsEnded
        case deadline
    }

    /// Runs until a signal from `signals`, a service's end, or cancellation; then stops every service.
    public func run<Signals: AsyncSequence & Sendable>(until signals: Signals) async -> Ending where Signals.Element == Int32 {
        let bodies = services.map { s in Task { try await s.run() } }
        return await withTaskGroup(of: Event.self, returning: Ending.self) { group in
            for (i, body) in bodies.enumerated() {
                group.addTask { .ended(i, await Self.outcome(of: body)) }
            }
            group.addTask {
                do { for try await s in signals { return .signal(s) } } catch {}
                return .signalsEnded
            }
            var running = Set(services.indices)
            var ending = Ending.cancelled
            // Running: until the first reason to stop. (Signals that end without one change nothing.)
            first: while let e = await group.next() {
                switch e {
                case .ended(let i, let r?):
                    running.remove(i)
                    switch r {
                    case .success: ending = .serviceEnded(services[i].name)
                    case .failure(let error): ending = .serviceFailed(services[i].name, "\(error)")
                    }
                case .ended(_, nil): ending = .cancelled
                case .signal(let s): ending = .signal(s)
                case .signalsEnded, .deadline: continue first
                }
                break first
            }
            // The caller was cancelled: the children are, and cannot wait for anything. Every service is told to stop
            // and the group returns (the daemon is never cancelled: it stops on a signal; this is for its callers).
            if Task.isCancelled {
                bodies.forEach { $0.cancel() }
                return .cancelled
            }
            // Graceful: one at a time, in reverse order, within the deadline.
            let deadline = ContinuousClock.now + .milliseconds(Int64(shutdownDeadline * 1000))
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return .deadline
            }
            var late = false
            for i in services.indices.reversed() where running.contains(i) && !late {
                bodies[i].cancel()
                while running.contains(i), !late, let e = await group.next() {
                    switch e {
                    case .ended(let j, _): running.remove(j); if j == i { log.debug("stopped \(services[i].name)") }
                    case .deadline: late = true
                    case .signal, .signalsEnded: continue
                    }
                }
            }
            // Cancellation: what is left is named and left behind.
            for i in services.indices.reversed() where running.contains(i) {
                bodies[i].cancel()
                log.error("service \(services[i].name) did not stop within \(DurationText.describe(shutdownDeadline)); stopping without it")
            }
            group.cancelAll()
            return ending
        }
    }

    /// How `task` ended, or nil when the waiting task is cancelled first (waiting on `task.result` alone cannot be
    /// cancelled: it could wait for ever on a service that ignores cancellation).
    static func outcome(of task: Task<Void, any Error>) async -> Result<Void, any Error>? {
        let once = OnceResume<Result<Void, any Error>?>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                once.set(c)
                Task { once.resume(await task.result) }
            }
        } onCancel: {
            once.resume(nil)
        }
    }
}

/// Resumes a continuation once, with the first of several racers' values; a value that comes before the
/// continuation is set is kept until it is.
final class OnceResume<Value: Sendable>: Sendable {
    private struct State { var continuation: CheckedContinuation<Value, Never>?; var value: Value?; var done = false }
    private let state = Mutex(State())

    func set(_ c: CheckedContinuation<Value, Never>) {
        let early: Value? = state.withLock { s in
            guard !s.done else { return nil }
            if let v = s.value { s.done = true; return v }
            s.continuation = c
            return nil
        }
        if let early { c.resume(returning: early) }
    }

    func resume(_ value: Value) {
        let c: CheckedContinuation<Value, Never>? = state.withLock { s in
            guard !s.done, s.value == nil else { return nil }
            guard let c = s.continuation else { s.value = value; return nil }
            s.done = true
            s.continuation = nil
            return c
        }
        c?.resume(returning: value)
    }
}
