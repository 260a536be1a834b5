import CShims
import ColdChain
import Control
import Glibc
import POSIX
import Synchronization

/// The control socket server: one poll(2) loop on its own thread, non-blocking sockets, one request at a time
/// per connection (replies stay in order), handlers run as tasks.
///
/// Memory is bounded per connection: while a client's replies are backed up, or requests are already queued, its
/// socket is not read, so the kernel's buffer fills and the client waits (measured before this bound: a client
/// sending `status` in a loop without reading grew the daemon to 3.9 GB in 20 s). A client that stops reading a
/// stream is dropped; idle connections are closed; each uid has a share of the slots. When a connection that
/// held large buffers closes, the freed memory is handed back to the system.
///
/// Files: ControlSocket (the socket file), ControlServer+Loop (the poll loop: accept, read, write, limits),
/// ControlServer+Dispatch (requests to handlers, replies back), ControlClientState (one connection's buffers).
public final class ControlServer: Service, Sendable {
    // The poll loop's state (clients, buffers) lives on the loop's thread only; what other threads touch is in
    // the mutexes below (inbox, openClients, stopFlag, stopWaiter) and the wake-up pipe.
    public let name = "control"
    public let path: String
    let listener: FileDescriptor
    let handler: any ControlHandling
    let log: Log
    let limits: ControlLimits
    let wakeUp: WakePipe
    let inbox = Mutex<[(Int, Outgoing)]>([])
    let openClients = Mutex<[Int: ControlConnection]>([:])
    let stopFlag = Mutex(false)

    enum Outgoing: Sendable { case line(String), done }

    public init(listener: FileDescriptor, path: String, handler: any ControlHandling, log: Log, limits: ControlLimits = ControlLimits()) throws {
        self.listener = listener
        self.limits = limits
        self.path = path
        self.handler = handler
        self.log = log
        wakeUp = try WakePipe()
    }

    public func run() async throws {
        let thread = try POSIXThread(name: "control") { [self] in loop() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                stopWaiter.withLock { w in
                    if w.stopped { c.resume() } else { w.continuation = c }
                }
            }
        } onCancel: {
            stopFlag.withLock { $0 = true }
            wakeUp.wake()
        }
        await thread.joined()
        listener.close()
        unlink(path)
    }

    struct StopWaiter { var stopped = false; var continuation: CheckedContinuation<Void, Never>? }
    let stopWaiter = Mutex(StopWaiter())

    /// Called by the loop as it ends: `run` returns.
    func loopEnded() {
        stopWaiter.withLock { w in
            w.stopped = true
            w.continuation?.resume()
            w.continuation = nil
        }
    }

    func isOpen(_ client: Int) -> Bool { openClients.withLock { $0[client] != nil } }

    /// Queues output for a connection from any thread; the loop picks it up.
    func post(_ client: Int, _ what: Outgoing) {
        if case .line(let l) = what { openClients.withLock { $0[client] }?.queued(l.utf8.count) }
        inbox.withLock { $0.append((client, what)) }
        wakeUp.wake()
    }
}
