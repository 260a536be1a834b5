import CMosquitto
import Glibc
import Synchronization

/// What the broker said, as libmosquitto's network thread heard it.
public enum MQTTEvent: Sendable, Equatable {
    /// CONNACK: accepted.
    case connected
    /// CONNACK: refused, with MQTT 5's reason (bad user name or password, not authorised ...).
    case refused(code: Int32, reason: String)
    /// No connection to refuse: TLS (the broker's certificate not vouched for), refused, unreachable. libmosquitto's
    /// own words; it tries again by itself.
    case failed(String)
    /// The connection is gone; libmosquitto reconnects by itself (1 s, doubling to 30 s).
    case disconnected(code: Int32, reason: String)
    /// PUBACK for message `mid`: `code` under 0x80 is success (0x10: nobody subscribed), 0x80 and up a refusal
    /// (0x87: not authorised by the broker's ACL).
    case acknowledged(mid: Int32, code: Int32)
    case message(topic: String, payload: [UInt8], retained: Bool)

    public var isRefusal: Bool {
        if case .acknowledged(_, let code) = self { return code >= 0x80 }
        return false
    }
}

public struct MQTTError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let description: String
    init(_ code: Int32, _ what: String) {
        self.code = code
        description = "\(what): \(String(cString: mosquitto_strerror(code)))"
    }
}

/// One connection to an MQTT broker through libmosquitto (Debian's libmosquitto, the only module that imports it),
/// MQTT 5, with a network thread of its own on poll(2) (see `start`). One final class per C handle: this owns
/// the `struct mosquitto`.
///
/// `@unchecked Sendable`: guarded by libmosquitto itself. Marked threaded (`mosquitto_threaded_set`), publishing and
/// subscribing from another thread than the network loop's is what its API is made for (its packet queues are under
/// its own mutexes); the fields here are set once in init, the thread's handle under its mutex.
public final class MQTTConnection: @unchecked Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var clientID: String
        public var username: String?
        public var password: String?
        /// TLS: the CA that vouches for the broker, and a client certificate and key when the broker asks for one.
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var keepalive: Int = 30
        /// QoS 1 messages in flight (sent, not yet acknowledged) at most.
        public var maxInflight: Int = 20
        /// The largest packet the broker may send us (MQTT 5's Maximum Packet Size, sent in CONNECT): a broker drops
        /// a larger message for this client rather than send it. Nil: no limit asked.
        public var maxIncomingPacket: Int? = nil
        /// The first wait before a reconnect, doubling to 30 s while they fail (tests make it short).
        public var retryDelay: Double = 1

        public init(host: String, port: Int, clientID: String, username: String? = nil, password: String? = nil,
                    caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.host = host; self.port = port; self.clientID = clientID; self.username = username; self.password = password
            self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile
        }
    }

    final class Box: Sendable {
        let handler: @Sendable (MQTTEvent) -> Void
        /// Whether the broker accepted this connection (set by the CONNACK and disconnect callbacks): messages are
        /// queued only then. Held while a message is queued and while the handle is reset for a new connection, so
        /// the two never meet (libmosquitto's publish only queues in threaded mode: no I/O under it).
        let open = Mutex<Bool>(false)
        /// The broker's Maximum Packet Size from its CONNACK (0: none said): a larger message is refused here, before
        /// libmosquitto's own check, which aborts (see CMosquitto's guards).
        let brokerMaximum = Atomic<UInt32>(0)
        /// A guarded call escaped libmosquitto's assertion outside the network thread (a publish): the network thread
        /// resets the handle before it touches it again.
        let poisoned = Atomic<Bool>(false)
        init(_ handler: @escaping @Sendable (MQTTEvent) -> Void) { self.handler = handler }
    }

    private let handle: OpaquePointer
    private let box: Unmanaged<Box>
    public let options: Options
    /// Wakes the network thread (a pipe: its read end polled): a message queued, or the connection closing.
    private let wake: Int32
    private let wakeWrite: Int32
    private let running = Atomic<Bool>(false)
    private let thread = Mutex<pthread_t?>(nil)

    /// libmosquitto's global set-up, once per process.
    static let library: Int32 = mosquitto_lib_init()

    public init(_ options: Options, events: @escaping @Sendable (MQTTEvent) -> Void) throws(MQTTError) {
        _ = Self.library
        self.options = options
        let box = Unmanaged.passRetained(Box(events))
        guard let h = mosquitto_new(options.clientID, true, box.toOpaque()) else {
            box.release()
            throw MQTTError(MOSQ_ERR_NOMEM.rawValue, "cannot make an MQTT client")
        }
        handle = h
        self.box = box
        var pair: [Int32] = [-1, -1]
        var piped = pipe(&pair)
        for fd in pair where piped == 0 {
            if fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 { piped = -1 }
        }
        (wake, wakeWrite) = (pair[0], pair[1])
        var rc = Self.configure(h, options)
        if rc == 0, piped != 0 { rc = MOSQ_ERR_ERRNO.rawValue }
        guard rc == 0 else {
            if pair[0] >= 0 { close(pair[0]); close(pair[1]) }
            mosquitto_destroy(h)
            box.release()
            throw MQTTError(rc, "cannot set up the MQTT client")
        }
    }

    /// The handle's options and callbacks: at creation, and again after each reset for a new connection
    /// (mosquitto_reinitialise clears them).
    static func configure(_ h: OpaquePointer, _ options: Options) -> Int32 {
        var rc = mosquitto_int_option(h, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        if rc == 0, options.username != nil || options.password != nil { rc = mosquitto_username_pw_set(h, options.username, options.password) }
        if rc == 0, let ca = options.caFile { rc = mosquitto_tls_set(h, ca, nil, options.certFile, options.keyFile, nil) }
        if rc == 0 { rc = mosquitto_max_inflight_messages_set(h, UInt32(max(1, options.maxInflight))) }
        // Another thread (ours, below) runs the network loop.
        if rc == 0 { rc = mosquitto_threaded_set(h, true) }
        guard rc == 0 else { return rc }
        mosquitto_connect_v5_callback_set(h) { _, obj, rc, _, properties in
            guard let obj else { return }
            let box = Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue()
            var maximum: UInt32 = 0
            _ = mosquitto_property_read_int32(properties, Int32(MQTT_PROP_MAXIMUM_PACKET_SIZE.rawValue), &maximum, false)
            box.brokerMaximum.store(maximum, ordering: .relaxed)
            if rc == 0 { box.open.withLock { $0 = true } }
            box.handler(rc == 0 ? .connected : .refused(code: rc, reason: MQTTConnection.reason(rc)))
        }
        mosquitto_disconnect_v5_callback_set(h) { _, obj, rc, _ in
            guard let obj else { return }
            let box = Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue()
            box.open.withLock { $0 = false }
            box.handler(.disconnected(code: rc, reason: MQTTConnection.reason(rc)))
        }
        mosquitto_publish_v5_callback_set(h) { _, obj, mid, code, _ in
            guard let obj else { return }
            Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue().handler(.acknowledged(mid: mid, code: code))
        }
        // A TLS or socket failure while reconnecting reaches no other callback: libmosquitto only logs it.
        mosquitto_log_callback_set(h) { _, obj, level, text in
            guard let obj, let text, level == MOSQ_LOG_ERR else { return }
            Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue().handler(.failed(String(cString: text)))
        }
        mosquitto_message_v5_callback_set(h) { _, obj, message, _ in
            guard let obj, let m = message?.pointee, let topic = m.topic else { return }
            let payload = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen))) } ?? []
            Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue().handler(.message(topic: String(cString: topic), payload: payload, retained: m.retain))
        }
        return 0
    }

    deinit {
        running.store(false, ordering: .sequentiallyConsistent)
        signalWake()
        if let t = thread.withLock({ $0 }) { pthread_join(t, nil) }
        mosquitto_disconnect_v5(handle, 0, nil)
        mosquitto_destroy(handle)
        close(wake)
        close(wakeWrite)
        box.release()
    }

    private func signalWake() {
        var one: UInt8 = 1
        _ = Glibc.write(wakeWrite, &one, 1)   // a full pipe already wakes
    }

    /// Connects (the TCP connection and TLS handshake, here: it blocks up to the connect timeout) and starts the
    /// network thread, which reconnects whenever the connection is lost (1 s, doubling to 30 s). A first connection
    /// that fails is `failed` with the reason, and tried again by the thread; `events` hears whether the broker
    /// accepted.
    ///
    /// The thread is ours, on poll(2), not libmosquitto's `mosquitto_loop_start`: that one waits in select(2), and a
    /// socket numbered 1,024 or more (FD_SETSIZE) ends it silently. 200 uplinks in one process (the fleet bench, about
    /// 10 descriptors each) had 176 of their connections stop that way.
    public func start() throws(MQTTError) {
        let rc = try connect()
        if rc != 0 { connectFailed(rc) }
        running.store(true, ordering: .sequentiallyConsistent)
        var t = pthread_t()
        let me = Unmanaged.passUnretained(self).toOpaque()
        let started = pthread_create(&t, nil, { arg in
            Unmanaged<MQTTConnection>.fromOpaque(arg!).takeUnretainedValue().networkLoop()
            return nil
        }, me)
        guard started == 0 else { running.store(false, ordering: .sequentiallyConsistent); throw MQTTError(MOSQ_ERR_ERRNO.rawValue, "cannot start the MQTT network thread") }
        thread.withLock { $0 = t }
    }

    /// Connects with the CONNECT properties asked for (the largest packet the broker may send us).
    private func connect() throws(MQTTError) -> Int32 {
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if let max = options.maxIncomingPacket {
            let added = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MAXIMUM_PACKET_SIZE.rawValue), UInt32(clamping: max))
            guard added == 0 else { throw MQTTError(added, "cannot ask for a maximum packet size") }
        }
        return mosquitto_connect_bind_v5(handle, options.host, Int32(options.port), Int32(options.keepalive), nil, properties)
    }

    /// A new connection on an emptied handle: nothing of the last connection stays queued. libmosquitto keeps every
    /// unacknowledged message across a reconnect and sends them all again (as many as the broker's Receive Maximum
    /// allows), while the uplink publishes its window again from the cursor: against a broker that never
    /// acknowledged and dropped the connection every second, hardening 3 measured RSS 30 → 57 MB in 3 minutes and
    /// 81,410 PUBLISHes for 1,450 events. The uplink, which holds the cursor, is the only one to send anything again.
    private func reconnectFresh() -> Int32 {
        let rc = resetHandle()
        guard rc == 0 else { return rc }
        do { return try connect() } catch { return error.code }
    }

    /// Empties the handle (mosquitto_reinitialise: its queues, its packet half read, its socket) and sets its options
    /// and callbacks again, under the lock a publish takes; no connection is open after it.
    private func resetHandle() -> Int32 {
        let b = box.takeUnretainedValue()
        return b.open.withLock { open -> Int32 in
            open = false
            b.poisoned.store(false, ordering: .releasing)
            let reset = mosquitto_reinitialise(handle, options.clientID, true, box.toOpaque())
            return reset == 0 ? Self.configure(handle, options) : reset
        }
    }

    /// Reads, writes and keeps the connection alive until `deinit`; reconnects with back-off. (`self` outlives the
    /// thread: deinit joins it before anything is freed.)
    private func networkLoop() {
        var delay = options.retryDelay
        while running.load(ordering: .sequentiallyConsistent) {
            let fd = mosquitto_socket(handle)
            if fd < 0 {
                var w = pollfd(fd: wake, events: Int16(POLLIN), revents: 0)
                _ = poll(&w, 1, Int32(delay * 1000))
                drainWake()
                guard running.load(ordering: .sequentiallyConsistent) else { break }
                let rc = reconnectFresh()
                if rc == 0 { delay = options.retryDelay } else {
                    connectFailed(rc)
                    delay = min(delay * 2, 30)
                }
                continue
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN) | (mosquitto_want_write(handle) ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            // At most 500 ms: keep-alive pings (loop_misc) and TLS records already decrypted are looked at.
            _ = poll(&fds, 2, 500)
            if fds[1].revents != 0 { drainWake() }
            var rc: Int32 = 0
            if box.takeUnretainedValue().poisoned.load(ordering: .acquiring) { dropUnreadable(); continue }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { rc = cc_mosquitto_loop_read(handle) }
            if rc == 0, mosquitto_want_write(handle) { rc = cc_mosquitto_loop_write(handle) }
            if rc == 0 { rc = cc_mosquitto_loop_misc(handle) }
            if rc == CC_MOSQ_ESCAPED { dropUnreadable(); continue }
            // An error closed the socket (libmosquitto told `disconnected`): reconnected at the top, after the delay.
            if rc != 0, mosquitto_socket(handle) >= 0 { mosquitto_disconnect_v5(handle, 0, nil) }
        }
    }

    /// The broker sent what libmosquitto cannot handle (a guarded call escaped its assertion): the handle, in an
    /// unknown state, is emptied (which closes its socket), and the connection is told lost. The loop connects
    /// afresh after its delay.
    private func dropUnreadable() {
        let b = box.takeUnretainedValue()
        let reason = "the broker sent a packet libmosquitto cannot handle (a property it does not know, or past a size limit); connection dropped"
        b.handler(.failed(reason))
        _ = resetHandle()
        b.handler(.disconnected(code: Int32(MQTT_RC_MALFORMED_PACKET.rawValue), reason: reason))
    }

    /// A (re)connection that failed, told as `failed` with libmosquitto's reason.
    private func connectFailed(_ rc: Int32) {
        box.takeUnretainedValue().handler(.failed(MQTTError(rc, "cannot connect to \(options.host):\(options.port)").description))
    }

    private func drainWake() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while Glibc.read(wake, &buffer, 256) == 256 {}
    }

    /// Queues a message on the connection the broker accepted; its id, which `acknowledged` names when the broker
    /// has it (QoS 1 and 2). Refused (MOSQ_ERR_NO_CONN) while there is none: nothing waits in libmosquitto for a
    /// connection to come.
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        let b = box.takeUnretainedValue()
        // MQTT 5's PUBLISH: fixed header and length (at most 5), topic (2 + its bytes), id (2), properties' length (1).
        let size = 10 + topic.utf8.count + payload.count, maximum = b.brokerMaximum.load(ordering: .relaxed)
        guard maximum == 0 || size <= Int(maximum) else { throw MQTTError(MOSQ_ERR_OVERSIZE_PACKET.rawValue, "cannot publish to \(topic) (\(size) bytes, the broker takes \(maximum))") }
        let rc = b.open.withLock { open -> Int32 in
            guard open, !b.poisoned.load(ordering: .acquiring) else { return MOSQ_ERR_NO_CONN.rawValue }
            return payload.withUnsafeBytes { p in cc_mosquitto_publish_v5(handle, &mid, topic, Int32(p.count), p.baseAddress, qos, retain) }
        }
        if rc == CC_MOSQ_ESCAPED { b.poisoned.store(true, ordering: .releasing); signalWake() }
        guard rc == 0 else { throw MQTTError(rc == CC_MOSQ_ESCAPED ? MOSQ_ERR_PROTOCOL.rawValue : rc, "cannot publish to \(topic)") }
        signalWake()
        return mid
    }

    public func subscribe(_ pattern: String, qos: Int32 = 1) throws(MQTTError) {
        let b = box.takeUnretainedValue()
        let rc = b.open.withLock { open -> Int32 in
            guard open, !b.poisoned.load(ordering: .acquiring) else { return MOSQ_ERR_NO_CONN.rawValue }
            return cc_mosquitto_subscribe_v5(handle, pattern, qos)
        }
        if rc == CC_MOSQ_ESCAPED { b.poisoned.store(true, ordering: .releasing); signalWake() }
        guard rc == 0 else { throw MQTTError(rc == CC_MOSQ_ESCAPED ? MOSQ_ERR_PROTOCOL.rawValue : rc, "cannot subscribe to \(pattern)") }
        signalWake()
    }

    /// MQTT 5's words for a reason code (libmosquitto's), with the number.
    static func reason(_ code: Int32) -> String {
        code == 0 ? "success" : "\(String(cString: mosquitto_reason_string(code))) (\(code))"
    }
}
