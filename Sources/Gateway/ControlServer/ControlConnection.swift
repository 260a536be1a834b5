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
/// after its reply, until the client goes away. (`server` is weak and set once; the mutable state is in mutexes.)
public final class ControlConnection: @unchecked Sendable {
    let id: Int
    weak var server: ControlServer?
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
}
