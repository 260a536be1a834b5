import Dispatch
import ColdChain
import Control
import Synchronization

/// Who is on the other end of a control connection (from SO_PEERCRED), recorded on every command that writes.
public struct PeerInfo: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
}

/// Answers control requests; implemented by the daemon's command table.
public protocol ControlHandling: Sendable {
    func handle(_ request: ControlRequest, peer: PeerInfo, connection: ControlConnection) async -> ControlReply
    /// How to ask `request` again so that its answer fits in `ControlProtocol.maxReply`.
    func narrowing(_ request: ControlRequest) -> String
}

extension ControlHandling {
    public func narrowing(_ request: ControlRequest) -> String { "ask for less" }
}

/// The connection a request came on. A streaming command (`watch`) calls `startStream` and then `send`s lines
/// after its reply, until the client goes away. (`server` is a weak let, set once; the mutable state is in mutexes.)
public final class ControlConnection: Sendable {
    let id: Int
    weak let server: ControlServer?
    let streaming = Mutex(false)
    let onClose = Mutex<(@Sendable () -> Void)?>(nil)

    init(id: Int, server: ControlServer) { self.id = id; self.server = server }

    /// Keeps the connection for a stream after the reply; `closed` runs when the client disconnects.
    public func startStream(closed: @escaping @Sendable () -> Void) {
        streaming.withLock { $0 = true }
        onClose.withLock { $0 = closed }
    }

    /// Queues one JSON line for the client; false once the client has gone.
    @discardableResult
    public func send(_ value: JSONValue) -> Bool {
        guard let server, server.isOpen(id) else { return false }
        server.post(id, .line(value.serialized + "\n"))
        return true
    }

    var isStreaming: Bool { streaming.withLock { $0 } }

    // MARK: a result in parts

    /// Bytes queued for this client and bytes the loop has written to its socket: their difference is what waits.
    struct Flow { var posted = 0; var sent = 0; var closed = false; var waiter: DispatchSemaphore?; var inParts = false }
    let flow = Mutex(Flow())

    /// Whether this request's result went out in parts (the dispatcher then ends them instead of replying); the
    /// next request on the connection starts without.
    func takeInParts() -> Bool { flow.withLock { f in defer { f.inParts = false }; return f.inParts } }

    /// Sends the header of a result in parts; `part` follows for each, then the handler's reply becomes the end.
    func beginParts(_ header: JSONValue) -> Bool {
        flow.withLock { $0.inParts = true }
        return post(ControlParts.header(header))
    }

    /// Sends one part, first waiting (blocking this thread: call it from a query's queue, never the cooperative
    /// pool) until what waits for the client is under `highWater`. False once the client has gone: stop the query.
    func part(_ value: some Encodable, highWater: Int) throws -> Bool {
        let line = try ControlParts.part(encoding: value)
        while true {
            let wait = flow.withLock { f -> DispatchSemaphore?? in
                if f.closed { return .some(nil) }
                if f.posted - f.sent <= highWater { return nil }
                let s = DispatchSemaphore(value: 0)
                f.waiter = s
                return .some(s)
            }
            switch wait {
            case nil: return post(line)
            case .some(nil): return false
            case .some(let s?): s.wait()
            }
        }
    }

    private func post(_ line: String) -> Bool {
        guard let server, server.isOpen(id) else { return false }
        server.post(id, .line(line))
        return true
    }

    /// Called by the server: bytes queued for this client.
    func queued(_ bytes: Int) { flow.withLock { $0.posted += bytes } }

    /// Called by the loop: bytes written to the socket; wakes a part waiting for room.
    func wrote(_ bytes: Int, highWater: Int) {
        let wake = flow.withLock { f -> DispatchSemaphore? in
            f.sent += bytes
            guard f.posted - f.sent <= highWater, let w = f.waiter else { return nil }
            f.waiter = nil
            return w
        }
        wake?.signal()
    }

    /// Called by the loop when the connection closes: a waiting part gives up.
    func markClosed() {
        let wake = flow.withLock { f -> DispatchSemaphore? in
            f.closed = true
            defer { f.waiter = nil }
            return f.waiter
        }
        wake?.signal()
    }
}
