import CShims
import ColdChain
import Control
import Glibc
import POSIX
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

public enum ControlSocketError: Error, CustomStringConvertible {
    case alreadyRunning(String)
    case notASocket(String)
    public var description: String {
        switch self {
        case .alreadyRunning(let p): "another coldchaind is already running: its control socket \(p) answers. Stop it first (systemctl stop coldchaind)."
        case .notASocket(let p): "\(p) exists and is not a socket; remove it or choose another control.socket"
        }
    }
}

/// The control socket server: one poll(2) loop on its own thread, non-blocking sockets, one request at a time
/// per connection (replies stay in order), handlers run as tasks. A client that stops reading is dropped once
/// its unsent replies pass a limit, so a stuck client never blocks the others.
public final class ControlServer: Service, @unchecked Sendable {
    public let name = "control"
    public let path: String
    private let listener: FileDescriptor
    private let handler: any ControlHandling
    private let log: Log
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let inbox = Mutex<[(Int, Outgoing)]>([])
    private let openClients = Mutex<[Int: ControlConnection]>([:])
    private let stopFlag = Mutex(false)

    /// Unsent reply bytes after which a client is considered stuck and dropped.
    static let maxPendingOutput = 4 << 20
    static let maxClients = 64

    enum Outgoing: Sendable { case line(String), done }

    /// Creates the listening socket at `path`: mode 0660, group `group`. A stale socket left by a crash is replaced;
    /// one that a running daemon answers on is not.
    public static func bind(path: String, group: String?, log: Log) throws -> FileDescriptor {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw ControlSocketError.notASocket(path) }
            do {
                let probe = try UnixSocket.connect(path: path)
                probe.close()
                throw ControlSocketError.alreadyRunning(path)
            } catch let e as Errno where e.code == ECONNREFUSED {
                log.notice("removing stale control socket \(path) left by a previous run")
                _ = try systemCall("unlink \(path)") { unlink(path) }
            }
        }
        let gid = try group.map { try Groups.id(named: $0) }
        let fd = try UnixSocket.make(Int32(SOCK_STREAM.rawValue))
        // bind(2) creates the socket file with the umask applied; a tight umask closes the window before chmod.
        let old = umask(0o177)
        defer { umask(old) }
        try UnixSocket.withAddress(path) { addr, len in
            _ = try systemCall("bind \(path)") { Glibc.bind(fd.rawValue, addr, len) }
        }
        _ = try systemCall("chmod \(path)") { chmod(path, 0o660) }
        // Under systemd the socket already has the service's group; chown(2) is then skipped, because the unit's
        // system-call filter refuses it even as a no-op.
        var created = stat()
        if let gid, stat(path, &created) == 0, created.st_gid != gid {
            _ = try systemCall("chown \(path)") { chown(path, uid_t.max, gid) }
        }
        _ = try systemCall("listen \(path)") { listen(fd.rawValue, 16) }
        try fd.setNonBlocking(true)
        return fd
    }

    public init(listener: FileDescriptor, path: String, handler: any ControlHandling, log: Log) throws {
        self.listener = listener
        self.path = path
        self.handler = handler
        self.log = log
        var fds: [Int32] = [0, 0]
        _ = try systemCall("pipe2") { cc_pipe_nonblocking(&fds) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
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
            wake()
        }
        thread.join()
        listener.close()
        unlink(path)
    }

    private struct StopWaiter { var stopped = false; var continuation: CheckedContinuation<Void, Never>? }
    private let stopWaiter = Mutex(StopWaiter())

    func isOpen(_ client: Int) -> Bool { openClients.withLock { $0[client] != nil } }

    func post(_ client: Int, _ what: Outgoing) {
        inbox.withLock { $0.append((client, what)) }
        wake()
    }

    private func wake() {
        var b: UInt8 = 1
        _ = Glibc.write(wakeWrite, &b, 1)
    }

    private final class Client {
        let fd: FileDescriptor
        let peer: PeerInfo
        var input = LineBuffer()
        var queued: [LineBuffer.Item] = []
        var busy = false
        var output: [UInt8] = []
        var eof = false
        var failed = false
        init(fd: FileDescriptor, peer: PeerInfo) { self.fd = fd; self.peer = peer }
        var finished: Bool { failed || (eof && !busy && queued.isEmpty && output.isEmpty) }
    }

    private func loop() {
        var clients: [Int: Client] = [:]
        var nextID = 1
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !stopFlag.withLock({ $0 }) {
            var pfds = [pollfd(fd: listener.rawValue, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ids = Array(clients.keys)
            for id in ids {
                let c = clients[id]!
                var ev = Int16(0)
                if !c.eof { ev |= Int16(POLLIN) }
                if !c.output.isEmpty { ev |= Int16(POLLOUT) }
                pfds.append(pollfd(fd: c.fd.rawValue, events: ev, revents: 0))
            }
            let n = poll(&pfds, nfds_t(pfds.count), -1)
            if n < 0 {
                if errno == EINTR { continue }
                log.error("control socket: poll failed: \(Errno("poll"))")
                break
            }
            if pfds[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 256)
                while Glibc.read(wakeRead, &sink, sink.count) > 0 {}
                let items = inbox.withLock { i -> [(Int, Outgoing)] in defer { i.removeAll() }; return i }
                for (id, what) in items {
                    guard let c = clients[id] else { continue }
                    switch what {
                    case .line(let l): c.output.append(contentsOf: l.utf8)
                    case .done: c.busy = false; dispatchNext(c, id: id)
                    }
                }
            }
            if pfds[0].revents & Int16(POLLIN) != 0 {
                acceptAll(into: &clients, nextID: &nextID)
            }
            for (k, id) in ids.enumerated() {
                guard let c = clients[id] else { continue }
                let re = pfds[k + 2].revents
                if re & Int16(POLLIN | POLLHUP | POLLERR) != 0 && !c.eof {
                    let got = buffer.withUnsafeMutableBytes { Glibc.read(c.fd.rawValue, $0.baseAddress, $0.count) }
                    if got > 0 {
                        c.queued += buffer.withUnsafeBytes { c.input.append(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                        dispatchNext(c, id: id)
                    } else if got == 0 {
                        c.eof = true  // half-closed: answer what was asked, then close
                    } else if errno != EAGAIN && errno != EINTR {
                        c.failed = true
                    }
                }
                if !c.output.isEmpty && re & Int16(POLLOUT | POLLERR | POLLHUP) != 0 { flush(c) }
            }
            for (id, c) in clients where c.finished || c.output.count > Self.maxPendingOutput {
                if c.output.count > Self.maxPendingOutput {
                    log.warning("control socket: dropping client pid \(c.peer.pid) (uid \(c.peer.uid)): it stopped reading its replies")
                }
                c.fd.close()
                clients[id] = nil
                closed(id)
            }
        }
        for (id, c) in clients { c.fd.close(); closed(id) }
        stopWaiter.withLock { w in
            w.stopped = true
            w.continuation?.resume()
            w.continuation = nil
        }
    }

    private func closed(_ id: Int) {
        let connection = openClients.withLock { $0.removeValue(forKey: id) }
        connection?.onClose.withLock { $0 }?()
    }

    private func acceptAll(into clients: inout [Int: Client], nextID: inout Int) {
        while true {
            let fd = cc_accept_nonblocking(listener.rawValue)
            if fd < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { log.warning("control socket: \(Errno("accept"))") }
                return
            }
            let owned = FileDescriptor(adopting: fd)
            guard clients.count < Self.maxClients else {
                let reply = ControlReply.failure(ControlFailure(.unavailable, "too many control connections")).line
                _ = reply.utf8CString.withUnsafeBytes { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
                owned.close()
                continue
            }
            let cred = (try? UnixSocket.peerCredentials(owned)) ?? (pid: -1, uid: UInt32.max, gid: UInt32.max)
            clients[nextID] = Client(fd: owned, peer: PeerInfo(pid: cred.pid, uid: cred.uid, gid: cred.gid))
            openClients.withLock { $0[nextID] = ControlConnection(id: nextID, server: self) }
            nextID += 1
        }
    }

    private func flush(_ c: Client) {
        // send(2) with MSG_NOSIGNAL: a client that has gone must cost an EPIPE, not the daemon's life (SIGPIPE).
        let written = c.output.withUnsafeBytes { send(c.fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written > 0 { c.output.removeFirst(written) }
        else if written < 0 && errno != EAGAIN && errno != EINTR { c.failed = true }  // EPIPE: the client went away
    }

    private func dispatchNext(_ c: Client, id: Int) {
        while !c.busy, !c.queued.isEmpty {
            let item = c.queued.removeFirst()
            switch item {
            case .tooLong:
                c.output.append(contentsOf: ControlReply.failure(ControlFailure(.tooLong, "request line longer than \(ControlProtocol.maxLine) bytes; ignored")).line.utf8)
            case .line(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                switch ControlRequest.parse(bytes) {
                case .failure(let f):
                    c.output.append(contentsOf: ControlReply.failure(f).line.utf8)
                case .success(let request):
                    c.busy = true
                    let peer = c.peer
                    guard let connection = openClients.withLock({ $0[id] }) else { return }
                    Task.detached { [self] in
                        let reply = await handler.handle(request, peer: peer, connection: connection)
                        post(id, .line(reply.line))
                        // A stream keeps the connection busy: further lines are the stream's, not requests.
                        if !connection.isStreaming { post(id, .done) }
                    }
                }
            }
        }
    }
}
