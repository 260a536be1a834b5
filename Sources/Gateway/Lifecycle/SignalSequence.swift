import Dispatch
import Glibc
import Synchronization

/// Termination signals as an async sequence.
///
/// The signals are ignored for default delivery and watched with dispatch sources on a private queue, so the
/// handler never runs on the main actor (see the pitfall in DESIGN.md).
public enum SignalSequence {
    public static func make(_ signals: [Int32] = [SIGTERM, SIGINT]) -> AsyncStream<Int32> {
        let queue = DispatchQueue(label: "coldchain.signals")
        return AsyncStream { continuation in
            var sources: [DispatchSourceSignal] = []
            for s in signals {
                signal(s, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: s, queue: queue)
                source.setEventHandler { continuation.yield(s) }
                source.resume()
                sources.append(source)
            }
            let keep = SourcesBox(sources)
            continuation.onTermination = { _ in keep.cancel() }
        }
    }

    public static func name(_ s: Int32) -> String {
        switch s {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        default: "signal \(s)"
        }
    }

    /// The sources, kept alive until the sequence ends and then cancelled, once.
    private final class SourcesBox: Sendable {
        let sources: Mutex<[DispatchSourceSignal]>
        init(_ s: sending [DispatchSourceSignal]) { sources = Mutex(s) }
        func cancel() { sources.withLock { s in s.forEach { $0.cancel() }; s = [] } }
    }
}
