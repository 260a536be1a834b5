import ColdChain
import Glibc
import Synchronization

/// Runs services together, in the manner of swift-service-lifecycle: starts them in order; when a shutdown
/// signal arrives or any service ends, stops the rest in reverse order and returns.
///
/// Stopping has a deadline, whatever a service is blocked in: a service still running when it passes is named in
/// the log and left behind (the process is about to exit), so `gateway.stopped` is always recorded in time. Before
/// it, a bus with a 30 s timeout and a silent probe held SIGTERM for 27 s, past systemd's TimeoutStopSec=10s.
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

    /// Runs until a signal from `signals`, a service's end, or cancellation; then stops every service.
    public func run<Signals: AsyncSequence & Sendable>(until signals: Signals) async -> Ending where Signals.Element == Int32 {
        let (events, feed) = AsyncStream<Ending>.makeStream()
        var tasks: [(String, Task<Void, Never>)] = []
        for s in services {
            let t = Task {
                do {
                    try await s.run()
                    if !Task.isCancelled { feed.yield(.serviceEnded(s.name)) }
                } catch {
                    if !Task.isCancelled { feed.yield(.serviceFailed(s.name, "\(error)")) }
                }
            }
            tasks.append((s.name, t))
        }
        let signalTask = Task {
            do {
                for try await s in signals { feed.yield(.signal(s)); return }
            } catch {}
        }
        var ending = Ending.cancelled
        await withTaskCancellationHandler {
            for await e in events { ending = e; break }
        } onCancel: {
            feed.yield(.cancelled)
        }
        signalTask.cancel()
        let deadline = ContinuousClock.now + .milliseconds(Int64(shutdownDeadline * 1000))
        for (name, t) in tasks.reversed() {
            t.cancel()
            if await Self.finished(t, by: deadline) {
                log.debug("stopped \(name)")
            } else {
                log.error("service \(name) did not stop within \(DurationText.describe(shutdownDeadline)); stopping without it")
            }
        }
        return ending
    }

    /// Whether `task` ends before `deadline`; never waits past it (awaiting `task.value` alone could, for ever).
    static func finished(_ task: Task<Void, Never>, by deadline: ContinuousClock.Instant) async -> Bool {
        let once = OnceResume()
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            Task { await task.value; once.resume(c, true) }
            Task { try? await Task.sleep(until: deadline, clock: .continuous); once.resume(c, false) }
        }
    }
}

/// Resumes a continuation once, whichever of two racers comes first.
final class OnceResume: Sendable {
    private let done = Mutex(false)
    func resume(_ c: CheckedContinuation<Bool, Never>, _ value: Bool) {
        if done.withLock({ d in defer { d = true }; return !d }) { c.resume(returning: value) }
    }
}
