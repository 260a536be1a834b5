import ColdChain
import Dispatch
import FoundationEssentials
import POSIX
import Storage

/// Forwards the ledger to the platform: a cursor over the ledger (no second copy of the events), moved only after
/// the platform answered 2xx and made durable before the next batch. Retries 5xx, 408, 429, timeouts and resets
/// with exponential back-off and jitter (capped at 5 min), honouring Retry-After; another 4xx stops the stream until
/// `coldchainctl uplink retry`, with the platform's message in `outbox` and `status`.
final class UplinkService: Service, Sendable {
    let name = "uplink"
    let platform: GatewayConfig.Platform
    let gateway: String
    let ledger: Ledger
    let client: PlatformClient
    let state: UplinkState
    let clock: any WallClock
    let log: Log
    static let maxBackOff = 300.0

    init(platform: GatewayConfig.Platform, gateway: String, token: String?, ledger: Ledger, state: UplinkState,
         clock: any WallClock, log: Log) {
        self.platform = platform; self.gateway = gateway; self.ledger = ledger; self.state = state; self.clock = clock; self.log = log
        client = PlatformClient(platform: platform, token: token, clock: clock, label: "uplink")
    }

    /// Events that must not wait behind a backlog of readings: sent ahead of the ordered stream, and again in
    /// order later (the platform de-duplicates by id).
    static let urgentTypes = EventType.urgent.map(\.rawValue)

    func capturePath() -> String { platform.format == .epcis ? "/capture" : "/v1/events" }

    func body(_ events: [LedgerEvent]) -> Data {
        platform.format == .epcis ? EPCISFormat.document(events, gateway: gateway, now: clock.now()) : NativeFormat.batch(events, gateway: gateway)
    }

    /// The cursor, read again every 30 s while it cannot be: the uplink waits with the reason in `outbox` rather
    /// than start again from 0 (which would re-send the whole ledger).
    func readCursor() async -> Int64? {
        while !Task.isCancelled {
            do {
                let c = try ledger.uplinkCursor()
                if state.snapshot.withLock({ $0.phase }) == .stopped { state.update { $0.phase = .idle; $0.lastError = nil } }
                return c
            } catch {
                if state.snapshot.withLock({ $0.phase }) != .stopped {
                    log.error("uplink: cannot read the uplink cursor: \(error); nothing is sent until it can be read")
                }
                state.update { $0.phase = .stopped; $0.lastError = "cannot read the uplink cursor: \(error)"; $0.nextAttempt = nil }
                guard await sleep(seconds: 30) else { return nil }
            }
        }
        return nil
    }

    /// A batch read from the ledger and encoded for the platform: the events after `from`, within the batch limits.
    struct Prepared: Sendable {
        var from: Int64
        var events: [LedgerEvent]
        var body: Data
        /// Whether it reached a batch limit. A batch read ahead that did not is read again when its turn comes: with a
        /// slow platform it would hold only what had arrived by then, and batches that small never catch up (the
        /// crash test's uplink fell behind its readings that way).
        var full: Bool
    }

    /// Reads and encodes the batch after `from` on the read queue (off Swift's pool).
    func prepare(_ reader: Serialized<LedgerReader>, after from: Int64) async throws -> Prepared {
        let (limit, maxBytes) = (platform.batchEvents, platform.batchBytes)
        return try await reader.run { reader -> Prepared in
            let events = try reader.events(after: from, limit: limit)
            // Keep the batch under the byte limit (200 bytes for an event's envelope), but send at least one.
            var bytes = 0, count = 0
            for e in events {
                let size = e.body.utf8.count + 200
                if count > 0 && bytes + size > maxBytes { break }
                bytes += size
                count += 1
            }
            let batch = Array(events.prefix(count))
            return Prepared(from: from, events: batch, body: batch.isEmpty ? Data() : self.body(batch), full: events.count == limit)
        }
    }

    func run() async throws {
        guard var cursor = await readCursor() else { return }
        var prepared: Prepared?
        // Not durable on purpose: after a restart urgent events are sent ahead again, which is harmless.
        var urgentCursor = cursor
        var backOff = 1.0
        // The last 2xx's cursor write, made durable while the next batch is in flight. Measured with
        // `coldchain-bench uplink`: the write (a WAL commit and its fsync) in line between two POSTs held catch-up
        // at 0.5-0.67x the receiver's rate, and 0.89x without it. Writes stay in order: each is awaited before the
        // next starts, and before any wait. A crash before it lands re-sends that batch, as a crash between a 2xx and
        // its write always could; the platform de-duplicates by event id.
        var cursorWrite: Task<Void, any Error>?
        let ledgerPath = ledger.path
        let reader = try await Serialized.open(label: "coldchain.uplink.read") { try LedgerReader(path: ledgerPath) }
        defer { reader.enqueue { $0.close() } }
        while !Task.isCancelled {
            if state.snapshot.withLock({ $0.phase }) == .rejected {
                try await settle(&cursorWrite)
                guard state.retryRequested.withLock({ r in defer { r = false }; return r }) else {
                    guard await sleep(seconds: 1) else { return }
                    continue
                }
                log.notice("uplink: retrying after the platform's refusal, as asked")
                state.update { $0.phase = .idle }
            }
            let (limit, from, urgentFrom) = (platform.batchEvents, cursor, max(cursor, urgentCursor))
            let urgent = try await reader.run { reader -> [LedgerEvent] in
                // Only worth a separate request when the ordered stream would not reach them in its next batch.
                let ahead = try reader.events(types: Self.urgentTypes, after: urgentFrom, limit: limit)
                return ahead.filter { $0.seq > from + Int64(limit) }
            }
            if let lastUrgent = urgent.last {
                state.update { $0.phase = .sending }
                if case .stored = await client.post(path: capturePath(), body: body(urgent)) {
                    urgentCursor = lastUrgent.seq
                    log.info("uplink: sent \(urgent.count) alarm/excursion event(s) ahead of \(lastUrgent.seq - from) waiting")
                }
            }
            // The batch read and encoded while the previous one was in flight, or now.
            let current: Prepared
            if let ready = prepared, ready.from == from, ready.full { current = ready } else { current = try await prepare(reader, after: from) }
            prepared = nil
            guard let last = current.events.last else {
                try await settle(&cursorWrite)
                state.update { $0.phase = .idle }
                guard await sleep(seconds: 1) else { return }
                continue
            }
            state.update { $0.phase = .sending }
            // Catch-up: while this batch is in flight, the next one is read and encoded (nothing durable changes:
            // the cursor moves only after a 2xx, in order, below).
            async let next = prepare(reader, after: last.seq)
            let outcome = await client.post(path: capturePath(), body: current.body)
            let following = try? await next
            switch outcome {
            case .stored:
                try await settle(&cursorWrite)
                let (ledger, state, clock, sent) = (ledger, state, clock, Int64(current.events.count))
                cursorWrite = Task {
                    try await ledger.setUplinkCursor(last.seq, hash: last.hash, at: clock.now())
                    state.update { $0.lastSuccess = clock.now(); $0.sent += sent }
                }
                cursor = last.seq
                backOff = 1
                prepared = following
                state.update { $0.phase = .idle; $0.nextAttempt = nil }
            case .retry(let reason, let after):
                // `after` is a valid Retry-After already clamped to 0...maxBackOff (RetryAfter), never NaN or negative.
                let delay = after ?? backOff * Double.random(in: 0.5...1.0)
                backOff = min(backOff * 2, Self.maxBackOff)
                try await settle(&cursorWrite)
                if state.snapshot.withLock({ $0.phase }) != .retrying { log.warning("uplink: \(reason); retrying in \(DurationText.describe(delay))") }
                state.update { $0.phase = .retrying; $0.lastError = reason; $0.nextAttempt = self.clock.now().addingTimeInterval(delay) }
                guard await sleep(seconds: delay) else { return }
            case .rejected(let status, let message):
                log.error("uplink: the platform refused the batch (HTTP \(status)): \(message); stopped until `coldchainctl uplink retry`")
                state.update { $0.phase = .rejected; $0.lastError = "HTTP \(status): \(message)"; $0.nextAttempt = nil }
            }
        }
        try await settle(&cursorWrite)
    }

    /// Waits for the pending cursor write; its error (the ledger cannot be written) ends the uplink as before.
    private func settle(_ write: inout Task<Void, any Error>?) async throws {
        defer { write = nil }
        try await write?.value
    }
}

/// The native platform format: `{"gateway": ID, "batch": UUID, "events": [{"id", "seq", "type", "at", "data", ...}]}`.
public enum NativeFormat {
    public static func batch(_ events: [LedgerEvent], gateway: String) -> Data {
        var out = ""
        // The bodies plus about 300 bytes of envelope each: one allocation for the batch, not one per doubling.
        out.reserveCapacity(events.reduce(0) { $0 + $1.body.utf8.count + 300 } + 200)
        out += "{\"batch\":\"" + UUID().uuidString.lowercased() + "\",\"events\":["
        for (i, e) in events.enumerated() {
            if i > 0 { out += "," }
            write(e, gateway: gateway, to: &out)
        }
        out += "],\"gateway\":"
        JSONValue.writeString(gateway, to: &out)
        out += "}"
        return Data(out.utf8)
    }

    /// One event as the batch holds it (an MQTT message carries one): `{"at", "data", "hash", "id", "prev_hash", "seq", "type"}`.
    public static func event(_ e: LedgerEvent, gateway: String) -> [UInt8] {
        var out = ""
        out.reserveCapacity(e.body.utf8.count + 300)
        write(e, gateway: gateway, to: &out)
        return Array(out.utf8)
    }

    /// The body is already canonical JSON; it goes in as it is, with the chain's hashes so the platform can check
    /// them too.
    static func write(_ e: LedgerEvent, gateway: String, to out: inout String) {
        out += "{\"at\":\"\(e.recordedAt)\",\"data\":\(e.body),\"hash\":\"\(e.hash)\",\"id\":"
        JSONValue.writeString(e.id(gateway: gateway), to: &out)
        out += ",\"prev_hash\":\"\(e.prevHash)\",\"seq\":\(e.seq),\"type\":"
        JSONValue.writeString(e.type, to: &out)
        out += "}"
    }
}
