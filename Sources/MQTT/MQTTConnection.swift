import CMosquitto
import Glibc

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
/// MQTT 5, with libmosquitto's own network thread (`mosquitto_loop_start`). One final class per C handle: this owns
/// the `struct mosquitto`.
///
/// `@unchecked Sendable`: guarded by libmosquitto itself. With its threaded loop, publishing and subscribing from
/// another thread is what its API is made for (its packet queues are under its own mutexes); the fields here are
/// set once in init.
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

        public init(host: String, port: Int, clientID: String, username: String? = nil, password: String? = nil,
                    caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.host = host; self.port = port; self.clientID = clientID; self.username = username; self.password = password
            self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile
        }
    }

    final class Box: Sendable {
        let handler: @Sendable (MQTTEvent) -> Void
        init(_ handler: @escaping @Sendable (MQTTEvent) -> Void) { self.handler = handler }
    }

    private let handle: OpaquePointer
    private let box: Unmanaged<Box>
    public let options: Options

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
        var rc = mosquitto_int_option(h, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        if rc == 0, options.username != nil || options.password != nil { rc = mosquitto_username_pw_set(h, options.username, options.password) }
        if rc == 0, let ca = options.caFile { rc = mosquitto_tls_set(h, ca, nil, options.certFile, options.keyFile, nil) }
        if rc == 0 { rc = mosquitto_max_inflight_messages_set(h, UInt32(max(1, options.maxInflight))) }
        if rc == 0 { rc = mosquitto_reconnect_delay_set(h, 1, 30, true) }
        guard rc == 0 else {
            mosquitto_destroy(h)
            box.release()
            throw MQTTError(rc, "cannot set up the MQTT client")
        }
        mosquitto_connect_v5_callback_set(h) { _, obj, rc, _, _ in
            guard let obj else { return }
            let box = Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue()
            box.handler(rc == 0 ? .connected : .refused(code: rc, reason: MQTTConnection.reason(rc)))
        }
        mosquitto_disconnect_v5_callback_set(h) { _, obj, rc, _ in
            guard let obj else { return }
            Unmanaged<Box>.fromOpaque(obj).takeUnretainedValue().handler(.disconnected(code: rc, reason: MQTTConnection.reason(rc)))
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
    }

    deinit {
        mosquitto_disconnect_v5(handle, 0, nil)
        mosquitto_loop_stop(handle, false)
        mosquitto_destroy(handle)
        box.release()
    }

    /// Connects (the TCP connection and TLS handshake, here: it blocks up to the connect timeout) and starts
    /// libmosquitto's network thread, which reconnects whenever the connection is lost. A first connection that
    /// fails is `failed` with the reason, and tried again by the thread; `events` hears whether the broker accepted.
    public func start() throws(MQTTError) {
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if let max = options.maxIncomingPacket {
            let added = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MAXIMUM_PACKET_SIZE.rawValue), UInt32(clamping: max))
            guard added == 0 else { throw MQTTError(added, "cannot ask for a maximum packet size") }
        }
        // libmosquitto keeps a copy of the properties for its reconnects.
        let rc = mosquitto_connect_bind_v5(handle, options.host, Int32(options.port), Int32(options.keepalive), nil, properties)
        if rc != 0 { box.takeUnretainedValue().handler(.failed(MQTTError(rc, "cannot connect to \(options.host):\(options.port)").description)) }
        let started = mosquitto_loop_start(handle)
        guard started == 0 else { throw MQTTError(started, "cannot start the MQTT network thread") }
    }

    /// Queues a message; its id, which `acknowledged` names when the broker has it (QoS 1 and 2).
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { b in mosquitto_publish_v5(handle, &mid, topic, Int32(b.count), b.baseAddress, qos, retain, nil) }
        guard rc == 0 else { throw MQTTError(rc, "cannot publish to \(topic)") }
        return mid
    }

    public func subscribe(_ pattern: String, qos: Int32 = 1) throws(MQTTError) {
        let rc = mosquitto_subscribe_v5(handle, nil, pattern, qos, 0, nil)
        guard rc == 0 else { throw MQTTError(rc, "cannot subscribe to \(pattern)") }
    }

    /// MQTT 5's words for a reason code (libmosquitto's), with the number.
    static func reason(_ code: Int32) -> String {
        code == 0 ? "success" : "\(String(cString: mosquitto_reason_string(code))) (\(code))"
    }
}
