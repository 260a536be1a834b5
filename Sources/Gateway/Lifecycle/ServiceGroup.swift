import Glibc

/// Runs services together, in the manner of swift-service-lifecycle: starts them in order; when a shutdown
/// signal arrives or any service ends, stops the rest in reverse order and returns.
public struct ServiceGroup: Sendable {
    public enum Ending: Sendable, Equatable {
        case signal(Int32)
        case serviceEnded(String)
        case serviceFailed(String, String)
        case cancelled
    }

    let services: [any Service]
    let log: Log

    public init(_ services: [any Service], log: Log) {
        self.services = services
        self.log = log
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
        for (name, t) in tasks.reversed() {
            t.cancel()
            await t.value
            log.debug("stopped \(name)")
        }
        return ending
    }
}
