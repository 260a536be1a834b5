import Dispatch
import POSIX

/// Runs `body` on a thread of its own (for blocking C I/O: libmodbus, a tty) until the calling task is cancelled;
/// then calls `stop`, which must make `body` return soon, and waits for the thread off the cooperative pool.
func runOnThread(named name: String, stop: @escaping @Sendable () -> Void, _ body: @escaping @Sendable () -> Void) async throws {
    let thread = try POSIXThread(name: name, body)
    await withTaskCancellationHandler {
        while !Task.isCancelled { _ = await sleep(seconds: 3600) }
    } onCancel: {
        stop()
    }
    await thread.joined()
}
