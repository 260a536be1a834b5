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
