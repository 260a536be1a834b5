import ColdChain
import Dispatch
import FoundationEssentials
import MQTT
import POSIX
import Storage
import Synchronization

/// Forwards the ledger to an MQTT broker with the HTTP uplink's guarantees: events in ledger order at QoS 1, at
/// most `inflight` unacknowledged; the durable cursor moves, in order, only over events the broker acknowledged
/// (PUBACK), so a reconnect or a restart publishes again from the cursor and the receiver de-duplicates by id.
/// Alarm and excursion events behind a backlog go ahead of it, and again in order later, as over HTTP.
/// A PUBACK that refuses (0x87: the broker's ACL) stops the stream until `coldchainctl uplink retry`, with the
/// reason in `outbox`, as a platform's 4xx does; a refused connection (bad credentials) and a TLS failure are shown
/// there too, while libmosquitto tries again.
///
/// With `scans`, it also keeps the platform's holds from the retained message on `{prefix}/{gateway}/holds`,
/// checked as strictly as the HTTP holds list (the broker redelivers it on every connection).
public final class MQTTUplinkService: Service, Sendable {
    public let name = "uplink"
    let mqtt: GatewayConfig.MQTT
    let gateway: String
    let password: String?
    let ledger: Ledger
    let state: UplinkState
    let scans: ScanHub?
    let clock: any WallClock
    let log: Log

    public init(mqtt: GatewayConfig.MQTT, gateway: String, password: String?, ledger: Ledger, state: UplinkState, scans: ScanHub?,
         clock: any WallClock, log: Log) {
        self.mqtt = mqtt; self.gateway = gateway; self.password = password; self.ledger = ledger; self.state = state
        self.scans = scans; self.clock = clock; self.log = log
    }

    /// What libmosquitto's thread heard, taken by the service's loop. Bounded: acknowledgements by the window,
    /// state changes are few, and of the holds only the newest message is kept (each replaces the whole list).
    final class Inbox: Sendable {
        let events = Mutex<[MQTTEvent]>([])
        /// Wakes the service's loop: an acknowledgement frees room in the window at once; at the latest every 100 ms.
        let wakeup = Wakeup(every: 0.1)
        func add(_ e: MQTTEvent) {
            events.withLock { list in
                if case .message = e { list.removeAll { if case .message = $0 { true } else { false } } }
                list.append(e)
            }
            wakeup.signal()
        }
        func take() -> [MQTTEvent] { events.withLock { e in defer { e = [] }; return e } }
    }

    /// How often, at most, the ledger is searched for urgent events behind a backlog.
    static let urgentEvery = 1.0

    public func run() async throws {
        let cursorStart: Int64
        do { cursorStart = try ledger.uplinkCursor() } catch {
            log.error("uplink: cannot read the uplink cursor: \(error); nothing is sent")
            state.update { $0.phase = .stopped; $0.lastError = "cannot read the uplink cursor: \(error)" }
            return
        }
        var cursor = cursorStart
        let inbox = Inbox()
        var options = MQTTConnection.Options(host: mqtt.host, port: mqtt.port, clientID: mqtt.clientID, username: mqtt.username,
                                             password: password, caFile: mqtt.tls ? (mqtt.caFile ?? "/etc/ssl/certs/ca-certificates.crt") : nil,
                                             certFile: mqtt.clientCert, keyFile: mqtt.clientKey)
        options.keepalive = Int(mqtt.keepalive)
        options.maxInflight = mqtt.inflight
        // The holds list is the only message we take; the broker drops one larger than it may be for us.
        options.maxIncomingPacket = HoldsSync.maxBody + 1024
        let connection = try MQTTConnection(options, events: inbox.add)
        // A new event wakes the loop at once: with a 100 ms look every time, a reading waited 46 ms on average
        // (`coldchain-bench mqtt`, 32 sensors at 1 s).
        ledger.onAppend { [wakeup = inbox.wakeup] in wakeup.signal() }
        let queue = DispatchQueue(label: "coldchain.uplink.mqtt")
        // The TCP connection and TLS handshake block: off Swift's pool.
        try await onQueue(queue) { try connection.start() }
        let ledgerPath = ledger.path
        let reader = try await Serialized.open(label: "coldchain.uplink.read") { try LedgerReader(path: ledgerPath) }
        defer { reader.enqueue { $0.close() } }
        var messages = MQTTMessages(mqtt, gateway: gateway)
        let topic = messages.eventsTopic, holdsTopic = messages.holdsTopic
        var connected = false
        var next = cursor                       // the last event published in order
        var urgentSent = cursor                 // the last urgent event published ahead of the order
        var urgentChecked = Date.distantPast
        var inflight: [Int32: Int64] = [:]      // message id -> seq
        var order: [(seq: Int64, hash: String)] = []  // published and not yet under the cursor, in order
        var acknowledged: Set<Int64> = []
        var cursorWrite: Task<Void, Never>?
        var unwritten: (seq: Int64, hash: String, count: Int64)?
        var lastWrite = Date.distantPast
        let writes = CursorWrites()
        func forget() {
            next = cursor; urgentSent = cursor; inflight = [:]; order = []; acknowledged = []
        }
        /// Publishes `e` in the configured format (a ThingsBoard device's announcement first, when due); the event's
        /// message id.
        func publish(_ e: LedgerEvent, now: Date) throws -> Int32 {
            let m = messages.messages(for: e, now: now)
            if let a = m.announce { _ = try connection.publish(topic: a.topic, payload: a.payload, qos: Int32(mqtt.qos)) }
            return try connection.publish(topic: m.event.topic, payload: m.event.payload, qos: Int32(mqtt.qos))
        }
        let (ledger, state, clock) = (ledger, state, clock)
        /// Makes the cursor durable over `u.count` events acknowledged up to `u.seq`.
        @Sendable func persist(_ u: (seq: Int64, hash: String, count: Int64)) async throws {
            try await ledger.setUplinkCursor(u.seq, hash: u.hash, at: clock.now())
            state.update { $0.lastSuccess = clock.now(); $0.sent += u.count }
        }
        while !Task.isCancelled {
            for e in inbox.take() {
                switch e {
                case .connected:
                    connected = true
                    messages.newConnection()
                    log.notice("uplink: connected to the MQTT broker \(mqtt.host):\(mqtt.port)")
                    state.update { if $0.phase != .rejected { $0.phase = .idle; $0.lastError = nil } }
                    if scans != nil {
                        do { try connection.subscribe(holdsTopic) } catch { log.warning("uplink: cannot subscribe to \(holdsTopic): \(error)") }
                    }
                case .refused(_, let reason):
                    connected = false
                    log.warning("uplink: the MQTT broker refused the connection: \(reason)")
                    state.update { $0.phase = .retrying; $0.lastError = "the broker refused the connection: \(reason)" }
                case .failed(let reason):
                    state.update { $0.phase = .retrying; $0.lastError = reason.truncated(300) }
                case .disconnected(_, let reason):
                    // What was in flight is lost with the session: published again from the cursor (the receiver
                    // de-duplicates by id).
                    if connected { log.warning("uplink: the MQTT broker's connection is lost: \(reason); publishing again from \(cursor)") }
                    connected = false
                    forget()
                    state.update { if $0.phase != .rejected { $0.phase = .retrying; $0.lastError = "connection lost: \(reason)" } }
                case .acknowledged(let mid, let code):
                    // Announcements and urgent events sent ahead are not in `inflight`: their PUBACKs move nothing.
                    guard let seq = inflight.removeValue(forKey: mid) else { continue }
                    if code >= 0x80 {
                        let reason = "the broker refused event \(seq) on \(topic): reason code \(code)\(code == 0x87 ? " (not authorised: the broker's ACL)" : "")"
                        log.error("uplink: \(reason); stopped until `coldchainctl uplink retry`")
                        state.update { $0.phase = .rejected; $0.lastError = reason; $0.nextAttempt = nil }
                        forget()
                    } else {
                        acknowledged.insert(seq)
                    }
                case .message(let t, let payload, _):
                    guard t == holdsTopic, let scans else { continue }
                    _ = HoldsSync.apply(Data(payload), in: "the broker's holds message", scans: scans, clock: clock, log: log)
                }
            }
            // The cursor moves over the acknowledged events at the head of the order; it is made durable in order,
            // one write at a time, without stopping the stream: moves made meanwhile go in the next write together.
            // (Each move awaited its write before: on a 300 ms fsync that held catch-up to a window per 300 ms.) A
            // crash publishes again from the last durable cursor: at most a second's or 1,000 events' worth more.
            var moved: (seq: Int64, hash: String)?, count: Int64 = 0
            while let first = order.first, acknowledged.contains(first.seq) {
                moved = first; count += 1
                order.removeFirst(); acknowledged.remove(first.seq)
            }
            if let moved {
                unwritten = (moved.seq, moved.hash, (unwritten?.count ?? 0) + count)
                cursor = moved.seq
                urgentSent = max(urgentSent, cursor)
            }
            if let failure = writes.failure { throw failure }
            // A write when 1,000 events wait for one, a second has passed, or the stream is idle: 200 uplinks in one
            // process (the fleet bench) each writing as soon as the last write ended spent the run waiting on the
            // disk's flushes.
            let now = clock.now()
            if let u = unwritten, u.count >= 1000 || inflight.isEmpty || abs(now.timeIntervalSince(lastWrite)) >= 1, writes.begin() {
                unwritten = nil
                lastWrite = now
                let wakeup = inbox.wakeup
                cursorWrite = Task {
                    defer { wakeup.signal() }
                    do {
                        try await persist(u)
                        writes.end(nil)
                    } catch {
                        writes.end(error)
                    }
                }
            }
            if state.snapshot.withLock({ $0.phase }) == .rejected {
                if state.retryRequested.withLock({ r in defer { r = false }; return r }) {
                    log.notice("uplink: retrying after the broker's refusal, as asked")
                    state.update { $0.phase = connected ? .idle : .retrying; $0.lastError = nil }
                } else {
                    guard await sleep(seconds: 0.5) else { break }
                    continue
                }
            }
            var published = 0
            // Refilled once half the window is free (or all of it, for a window of 1): each refill is a read on the
            // ledger's queue and a hop there and back, and refilling for every acknowledgement held 200 uplinks in one
            // process (the fleet bench) to 8,000 events/s on two cores.
            if connected, inflight.count <= mqtt.inflight / 2 {
                let room = mqtt.inflight - inflight.count, after = next
                // Urgent events the ordered stream will not reach within this window go first; searched at most once
                // a second, and only with a backlog.
                var ahead: [LedgerEvent] = []
                if ledger.headSequence > next + Int64(mqtt.inflight), abs(now.timeIntervalSince(urgentChecked)) >= Self.urgentEvery {
                    urgentChecked = now
                    let (from, beyond) = (max(urgentSent, next), next + Int64(room))
                    ahead = try await reader.run { try $0.events(types: UplinkService.urgentTypes, after: from, limit: 100).filter { $0.seq > beyond } }
                }
                let events = try await reader.run { try $0.events(after: after, limit: room) }
                do {
                    for e in ahead {
                        _ = try publish(e, now: now)
                        urgentSent = e.seq
                    }
                    if let last = ahead.last { log.info("uplink: sent \(ahead.count) alarm/excursion event(s) ahead of \(last.seq - next) waiting") }
                    for e in events {
                        let mid = try publish(e, now: now)
                        inflight[mid] = e.seq; order.append((e.seq, e.hash)); next = e.seq; published += 1
                    }
                } catch {
                    // Not connected after all: the disconnect is on its way.
                }
                if published > 0 { state.update { if $0.phase != .rejected { $0.phase = .sending } } }
                else if inflight.isEmpty { state.update { if $0.phase == .sending { $0.phase = .idle } } }
            }
            // Woken by what the broker says (an acknowledgement frees room) and by the ledger's commits; at the latest
            // every 100 ms. Measured with `coldchain-bench mqtt` (100,000 events, 100 in flight): polling every 5 ms
            // held catch-up at 0.65x libmosquitto alone, every 1 ms at 0.82x; see the bench for this wake-up's.
            if !Task.isCancelled { await inbox.wakeup.wait() }
        }
        // What was acknowledged before the stop is made durable.
        await cursorWrite?.value
        if let u = unwritten, writes.failure == nil { try await persist(u) }
        if let failure = writes.failure { throw failure }
    }
}

/// The uplink's one cursor write at a time, and the error that ends it (the ledger cannot be written).
final class CursorWrites: Sendable {
    private let state = Mutex<(busy: Bool, failure: (any Error)?)>((false, nil))
    var failure: (any Error)? { state.withLock { $0.failure } }
    /// True, and now busy, when no write is under way.
    func begin() -> Bool { state.withLock { s in guard !s.busy else { return false }; s.busy = true; return true } }
    func end(_ error: (any Error)?) { state.withLock { $0.busy = false; if let error { $0.failure = error } } }
}
