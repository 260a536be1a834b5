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

/// The bounds of the control socket: every connection, queue and buffer has one.
public struct ControlLimits: Sendable {
    /// Connections at once; when full, the longest-idle connection makes room, else the newcomer is refused.
    public var maxClients = 64
    /// Connections one uid may hold, so one user (or a runaway script) never takes every slot.
    public var maxClientsPerUID = 16
    /// A connection with no request in flight, nothing to send and no stream is closed after this long.
    public var idleTimeout = 60.0
    /// A client that has read nothing of what waits for it (a reply, a stream) for this long is dropped.
    public var stuckTimeout = 60.0
    /// Requests read ahead of the one being answered; past it the server stops reading that connection.
    public var maxQueuedRequests = 16
    /// Unsent bytes above which the server stops reading a connection's requests (the client must read first).
    public var outputHighWater = 256 << 10
    /// Unsent bytes after which a client is considered stuck and dropped (a `watch` it does not read).
    public var maxPendingOutput = 4 << 20
    public init() {}
}

/// The control socket server: one poll(2) loop on its own thread, non-blocking sockets, one request at a time
/// per connection (replies stay in order), handlers run as tasks.
///
/// Memory is bounded per connection: while a client's replies are backed up, or requests are already queued, its
/// socket is not read, so the kernel's buffer fills and the client waits (measured before this bound: a client
/// sending `status` in a loop without reading grew the daemon to 3.9 GB in 20 s). A client that stops reading a
/// stream is dropped; idle connections are closed; each uid has a share of the slots. When a connection that
/// held large buffers closes, the freed memory is handed back to the system.
public final class ControlServer: Service, @unchecked Sendable {
    // The poll loop's state (clients, buffers) lives on the loop's thread only; what other threads touch is in
    // the mutexes below (inbox, openClients, stopFlag, stopWaiter).
    public let name = "control"
    public let path: String
    private let listener: FileDescriptor
    private let handler: any ControlHandling
    private let log: Log
    private let limits: ControlLimits
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let inbox = Mutex<[(Int, Outgoing)]>([])
    private let openClients = Mutex<[Int: ControlConnection]>([:])
    private let stopFlag = Mutex(false)

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

    public init(listener: FileDescriptor, path: String, handler: any ControlHandling, log: Log, limits: ControlLimits = ControlLimits()) throws {
        self.listener = listener
        self.limits = limits
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
        let connection: ControlConnection
        var input = LineBuffer()
        var queued: [LineBuffer.Item] = []
        var busy = false
        var output: [UInt8] = []
        var eof = false
        var failed = false
        /// Monotonic time of the last byte read or written.
        var lastActivity: Double
        /// Monotonic time since which unsent output has waited without the client reading any.
        var stalledSince: Double?
        /// The largest unsent output this connection held: when it closes, a big one is worth a malloc_trim.
        var peakOutput = 0
        init(fd: FileDescriptor, peer: PeerInfo, connection: ControlConnection, now: Double) {
            self.fd = fd; self.peer = peer; self.connection = connection; lastActivity = now
        }
        var finished: Bool { failed || (eof && !busy && queued.isEmpty && output.isEmpty) }
        var idle: Bool { !busy && queued.isEmpty && output.isEmpty && !connection.isStreaming }
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
                guard let c = clients[id] else { continue }
                var ev = Int16(0)
                // Backpressure: a connection is read only while its queue and its unsent replies are small.
                if !c.eof && c.queued.count < limits.maxQueuedRequests && c.output.count < limits.outputHighWater { ev |= Int16(POLLIN) }
                if !c.output.isEmpty { ev |= Int16(POLLOUT) }
                pfds.append(pollfd(fd: c.fd.rawValue, events: ev, revents: 0))
            }
            // A timeout, so idle and stuck connections are noticed even when nothing happens.
            let n = poll(&pfds, nfds_t(pfds.count), 1000)
            if n < 0 {
                if errno == EINTR { continue }
                log.error("control socket: poll failed: \(Errno("poll"))")
                break
            }
            let now = monotonicSeconds()
            if pfds[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 256)
                while Glibc.read(wakeRead, &sink, sink.count) > 0 {}
                let items = inbox.withLock { i -> [(Int, Outgoing)] in defer { i.removeAll() }; return i }
                for (id, what) in items {
                    guard let c = clients[id] else { continue }
                    switch what {
                    case .line(let l):
                        if c.output.isEmpty { c.stalledSince = now }
                        c.output.append(contentsOf: l.utf8)
                        c.peakOutput = max(c.peakOutput, c.output.count)
                    case .done: c.busy = false; dispatchNext(c, id: id)
                    }
                }
            }
            if pfds[0].revents & Int16(POLLIN) != 0 {
                acceptAll(into: &clients, nextID: &nextID, now: now)
            }
            for (k, id) in ids.enumerated() {
                guard let c = clients[id], k + 2 < pfds.count else { continue }
                let re = pfds[k + 2].revents
                if re & Int16(POLLIN | POLLHUP | POLLERR) != 0 && !c.eof && pfds[k + 2].events & Int16(POLLIN) != 0 {
                    let got = buffer.withUnsafeMutableBytes { Glibc.read(c.fd.rawValue, $0.baseAddress, $0.count) }
                    if got > 0 {
                        c.lastActivity = now
                        c.queued += buffer.withUnsafeBytes { c.input.append(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                        dispatchNext(c, id: id)
                    } else if got == 0 {
                        c.eof = true  // half-closed: answer what was asked, then close
                    } else if errno != EAGAIN && errno != EINTR {
                        c.failed = true
                    }
                } else if re & Int16(POLLERR) != 0 {
                    c.failed = true
                }
                if !c.output.isEmpty && re & Int16(POLLOUT | POLLERR | POLLHUP) != 0 {
                    flush(c, now: now)
                    dispatchNext(c, id: id)  // the client took some replies: queued requests may go on
                }
            }
            var trim = false
            for (id, c) in clients {
                var why: String?
                if c.output.count > limits.maxPendingOutput {
                    why = "it stopped reading its replies (\(c.output.count) bytes unsent)"
                } else if let since = c.stalledSince, now - since > limits.stuckTimeout {
                    why = "it has read nothing of what waits for it (\(c.output.count) bytes) for \(DurationText.describe(now - since))"
                } else if c.idle && !c.finished && now - c.lastActivity > limits.idleTimeout {
                    log.info("control socket: closing an idle connection (pid \(c.peer.pid), uid \(c.peer.uid)) after \(DurationText.describe(limits.idleTimeout))")
                    why = ""
                }
                guard c.finished || why != nil else { continue }
                if let why, !why.isEmpty { log.warning("control socket: dropping client pid \(c.peer.pid) (uid \(c.peer.uid)): \(why)") }
                if c.peakOutput > 1 << 20 || c.input.capacity > 1 << 20 { trim = true }
                c.fd.close()
                clients[id] = nil
                closed(id)
            }
            // glibc keeps the freed buffers of a big reply in its arenas; give them back once the connection is gone.
            if trim { _ = cc_malloc_trim() }
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

    private func refuse(_ fd: Int32, _ message: String) {
        let reply = ControlReply.failure(ControlFailure(.unavailable, message)).line
        _ = reply.utf8CString.withUnsafeBytes { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    private func acceptAll(into clients: inout [Int: Client], nextID: inout Int, now: Double) {
        while true {
            let fd = cc_accept_nonblocking(listener.rawValue)
            if fd < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { log.warning("control socket: \(Errno("accept"))") }
                return
            }
            let owned = FileDescriptor(adopting: fd)
            let cred = (try? UnixSocket.peerCredentials(owned)) ?? (pid: -1, uid: UInt32.max, gid: UInt32.max)
            let mine = clients.values.filter { $0.peer.uid == cred.uid }.count
            guard mine < limits.maxClientsPerUID else {
                refuse(fd, "too many control connections from uid \(cred.uid) (\(mine), at most \(limits.maxClientsPerUID)); close some and try again")
                owned.close()
                continue
            }
            if clients.count >= limits.maxClients {
                // Full: the connection idle longest makes room; a slot held by an active client is never taken.
                if let (oldID, old) = clients.filter({ $0.value.idle }).min(by: { $0.value.lastActivity < $1.value.lastActivity }) {
                    log.info("control socket: all \(limits.maxClients) connections in use; closing the one idle longest (pid \(old.peer.pid), uid \(old.peer.uid))")
                    old.fd.close()
                    clients[oldID] = nil
                    closed(oldID)
                } else {
                    refuse(fd, "too many control connections (\(limits.maxClients) busy); try again shortly")
                    owned.close()
                    continue
                }
            }
            let connection = ControlConnection(id: nextID, server: self)
            clients[nextID] = Client(fd: owned, peer: PeerInfo(pid: cred.pid, uid: cred.uid, gid: cred.gid), connection: connection, now: now)
            openClients.withLock { $0[nextID] = connection }
            nextID += 1
        }
    }

    private func flush(_ c: Client, now: Double) {
        // send(2) with MSG_NOSIGNAL: a client that has gone must cost an EPIPE, not the daemon's life (SIGPIPE).
        let written = c.output.withUnsafeBytes { send(c.fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written > 0 {
            c.output.removeFirst(written)
            c.lastActivity = now
            c.stalledSince = c.output.isEmpty ? nil : now
            // An emptied buffer that once held a big reply is released rather than kept at its peak capacity.
            if c.output.isEmpty && c.output.capacity > limits.outputHighWater { c.output = [] }
        }
        else if written < 0 && errno != EAGAIN && errno != EINTR { c.failed = true }  // EPIPE: the client went away
    }

    /// Starts the next queued request, unless one is running or the client has not taken its earlier replies.
    private func dispatchNext(_ c: Client, id: Int) {
        while !c.busy, !c.queued.isEmpty, c.output.count < limits.outputHighWater {
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
                    let connection = c.connection
                    Task.detached { [self] in
                        let reply = await handler.handle(request, peer: peer, connection: connection)
                        var line = reply.line
                        if line.utf8.count > ControlProtocol.maxReply {
                            // Too long to send whole: a clear refusal, not a reset of the client after 4 MiB.
                            let size = Double(line.utf8.count) / 1_048_576
                            line = ControlReply.failure(ControlFailure(.tooLarge,
                                "the answer to \(request.cmd) is \((size * 10).rounded() / 10) MiB, more than the \(ControlProtocol.maxReply >> 20) MiB a reply may hold; \(handler.narrowing(request))")).line
                        }
                        post(id, .line(line))
                        // A stream keeps the connection busy: further lines are the stream's, not requests.
                        if !connection.isStreaming { post(id, .done) }
                    }
                }
            }
        }
    }
}
