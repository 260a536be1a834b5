import ColdChain
import Dispatch
import Storage
import Synchronization

/// The queue the recorded state's changes wait in, and the serial queue that runs them: whatever has queued up
/// while a commit was syncing is taken as one batch, one transaction, one fsync. On a 300 ms-fsync disk that is
/// what lets 8 sensors' readings and 4 scanners' codes all be recorded (coldchain-bench slowdisk); one append per
/// change recorded 3 readings of the 8 due each second.
final class Recorder: Sendable {
    /// A change to the recorded state (MonitorHub.run computes it on the working copy) and who hears its outcome.
    struct Change: Sendable {
        var make: @Sendable (inout MonitorHub.State) -> [NewEvent]
        var done: (@Sendable (Result<[LedgerEvent], LedgerRefusal>) -> Void)?
    }

    /// Most changes waiting: past it, a submitter waits for room (a disk stuck for minutes holds the poller there,
    /// with 4096 readings queued, rather than growing without bound).
    static let maxWaiting = 4096
    /// Most changes in one transaction.
    static let maxBatch = 1024

    private let queue = DispatchQueue(label: "coldchain.recorder")
    private let key = DispatchSpecificKey<Bool>()
    private let waiting = Mutex<(changes: [Change], scheduled: Bool)>(([], false))
    private let room = DispatchSemaphore(value: Recorder.maxWaiting)

    init() { queue.setSpecific(key: key, value: true) }

    /// Whether the caller runs on the recorder's queue (a listener): it must not wait for a change of its own.
    var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }

    /// How a caller waits for its own change: `submit` queues it with a callback, and this returns the value the
    /// callback is given. Nil when called from the recorder's queue, which would wait for itself.
    func wait<T: Sendable>(_ submit: (@escaping @Sendable (T) -> Void) -> Void) -> T? {
        guard !isCurrent else { return nil }
        let outcome = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        submit { value in
            outcome.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 }
    }

    /// Queues `change`; when nothing is draining, starts `run` on the recorder's queue with each batch in turn.
    func put(_ change: Change, run: @escaping @Sendable ([Change]) -> Void) {
        room.wait()
        let start = waiting.withLock { w -> Bool in
            w.changes.append(change)
            guard !w.scheduled else { return false }
            w.scheduled = true
            return true
        }
        guard start else { return }
        queue.async { [self] in
            while true {
                let batch = waiting.withLock { w -> [Change] in
                    guard !w.changes.isEmpty else { w.scheduled = false; return [] }
                    let n = min(w.changes.count, Self.maxBatch)
                    let taken = Array(w.changes.prefix(n))
                    w.changes.removeFirst(n)
                    return taken
                }
                guard !batch.isEmpty else { return }
                for _ in batch { room.signal() }
                run(batch)
            }
        }
    }
}
