import CShims
import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import Storage

/// The daemon's control commands. Each command that writes to the ledger records the peer's uid.
final class ControlCommands: ControlHandling {
    let config: GatewayConfig
    let ledger: Ledger
    let hub: MonitorHub
    let scans: ScanHub
    let uplink: UplinkState
    let startedAt: Date
    let clock: any WallClock
    // Queries read the ledger through their own read connection, off the cooperative pool, at most two at once:
    // the rest wait their turn (see AsyncLimiter) instead of each holding a query's worth of memory.
    let readQueue = DispatchQueue(label: "coldchain.control.read", attributes: .concurrent)
    let heavy = AsyncLimiter(width: 2)
    /// Set at start when the chain disagrees with the head the platform confirmed; `status` says it first.
    let anchorProblem: String?
    // Writes (acknowledgements) go through the hub, which blocks until durable: on a queue of their own too.
    let writeQueue = DispatchQueue(label: "coldchain.control.write")

    init(config: GatewayConfig, ledger: Ledger, hub: MonitorHub, scans: ScanHub, uplink: UplinkState, startedAt: Date, clock: any WallClock,
         anchorProblem: String? = nil) {
        self.config = config; self.ledger = ledger; self.hub = hub; self.scans = scans; self.uplink = uplink
        self.startedAt = startedAt; self.clock = clock; self.anchorProblem = anchorProblem
    }

    func handle(_ request: ControlRequest, peer: PeerInfo, connection: ControlConnection) async -> ControlReply {
        do {
            switch try ControlCommand(request) {
            case .status: return .ok(status())
            case .verify(let anchors): return try await verify(anchors)
            case .fridges: return .ok(.array(hub.fridgeStatus()))
            case .readings(let fridge, let since): return try await readings(fridge: fridge, since: since)
            case .excursions(let openOnly): return try await excursions(openOnly: openOnly)
            case .ack(let alarm, let note): return try await acknowledge(alarm: alarm, note: note, peer: peer)
            case .watch: return watch(connection)
            case .holdList: return .ok(.array(scans.holds.map(\.json)))
            case .holdAdd(let spec): return try await addHold(spec, peer: peer)
            case .holdRemove(let id): return try await removeHold(id, peer: peer)
            case .scans(let limit): return try await recentScans(limit: limit)
            case .inventory(let fridge, let expiring): return try inventory(fridge: fridge, expiring: expiring)
            case .lookup(let code): return try await lookup(code)
            case .outbox: return try await outbox()
            case .uplinkRetry:
                guard config.platform != nil else { throw ControlFailure(.unavailable, "no platform is configured") }
                uplink.retryRequested.withLock { $0 = true }
                return .ok(["retry": true])
            case .help: return .ok(["commands": .array(ControlCommand.names.map { .string($0) })])
            }
        } catch let f as ControlFailure {
            return .failure(f)
        } catch let big as AnswerTooLarge {
            return .failure(.tooLarge(command: request.cmd, bytes: big.bytes, narrowing: narrowing(request)))
        } catch {
            return .failure(ControlFailure(.internal, "\(request.cmd) failed: \(error)"))
        }
    }

    /// An answer longer than `ControlProtocol.maxReply`; `handle` says how to narrow the question.
    struct AnswerTooLarge: Error { var bytes: Int }

    func narrowing(_ request: ControlRequest) -> String {
        switch try? ControlCommand(request) {
        case .readings?: "ask for a shorter window (readings FRIDGE --since 24h)"
        case .scans?: "ask for fewer (scans --limit 1000)"
        case .excursions?: "ask for the open ones (excursions --open)"
        default: "ask for less"
        }
    }

    func read(_ body: @escaping @Sendable (LedgerReader) throws -> JSONValue) async throws -> ControlReply {
        let path = ledger.path, queue = readQueue
        return .ok(try await heavy.run({
            try await onQueue(queue) {
                let reader = try LedgerReader(path: path)
                defer { reader.close() }
                let value = try body(reader)
                // Measured here, inside the bound: an answer too long to send is dropped before the next query runs
                // (60 parallel 6 MB answers measured outside it peaked at 166 MB). The server checks again.
                let size = value.serialized.utf8.count
                guard size <= ControlProtocol.maxReply else { throw AnswerTooLarge(bytes: size) }
                return value
            }
        }, drained: {
            // A big answer's memory goes back to the system once no query runs (glibc would keep it).
            _ = cc_malloc_trim()
        }))
    }

    func status() -> JSONValue {
        let now = clock.now()
        let platform: JSONValue = config.platform.map { ["configured": true, "url": .string($0.url), "format": .string($0.format.rawValue)] }
            ?? ["configured": false, "state": "not configured: nothing is forwarded"]
        // What needs a person now, said first: `status` prints these above everything else.
        var problems: [JSONValue] = anchorProblem.map { [.string($0)] } ?? []
        let writeFailure = ledger.writeFailure, noisy = scans.noisyScanners()
        if let f = writeFailure {
            problems.append(.string("ledger: cannot write since \(RFC3339.format(f.since)): \(f.error)" +
                                    (hub.unrecordedSummary.map { "; not recorded so far: \($0)" } ?? "")))
        }
        for n in noisy {
            problems.append(.string("scanner \(n["scanner"]?.stringValue ?? "?"): noisy line since \(n["since"]?.stringValue ?? "?"), \(n["not_recorded_individually"]?.intValue ?? 0) unrecognised codes counted, not recorded one by one"))
        }
        var ledgerInfo: [String: JSONValue] = ["path": .string(ledger.path), "head_seq": .number(Double(ledger.headSequence)),
                                               "size_bytes": .number(Double(Self.fileSize(ledger.path) + Self.fileSize(ledger.path + "-wal")))]
        if let f = writeFailure { ledgerInfo["write_error"] = ["since": .string(RFC3339.format(f.since)), "error": .string(f.error)] }
        return [
            "problems": .array(problems),
            "gateway": ["id": .string(config.gateway.id), "site": .string(config.gateway.site)],
            "version": .string(Version.current),
            "pid": .number(Double(getpid())),
            "started_at": .string(RFC3339.format(startedAt)),
            "uptime_s": .number(now.timeIntervalSince(startedAt).rounded()),
            "ledger": .object(ledgerInfo),
            "scanners": .array(noisy),
            "fridges": .array(hub.fridgeStatus()),
            "buses": .array(hub.busStatus()),
            "alarms": .array(hub.openAlarms.map(\.json)),
            "platform": platform,
            "uplink": uplinkStatus(),
        ]
    }

    /// The chain, checked against the head the platform confirmed and the anchors the caller gives.
    func verify(_ given: [String]) async throws -> ControlReply {
        var anchors: [LedgerAnchor] = []
        for text in given {
            guard let a = LedgerAnchor.parse(text) else {
                throw ControlFailure(.invalidArgument, "an anchor is SEQ:HASH, the hash 64 hex digits (e.g. 1200:9f86d0…)")
            }
            anchors.append(a)
        }
        if let confirmed = ledger.confirmedHead() { anchors.append(confirmed) }
        let given = anchors
        return try await read { try $0.verify(anchors: given).json }
    }

    /// The uplink's part of `status`; an unreadable cursor is said, not shown as "everything pending".
    func uplinkStatus() -> JSONValue {
        do {
            return uplink.json(pending: ledger.headSequence - (try ledger.uplinkCursor()), oldestPending: nil, configured: config.platform != nil)
        } catch {
            return ["state": "unknown", "last_error": .string("cannot read the uplink cursor: \(error)")]
        }
    }

    func outbox() async throws -> ControlReply {
        guard let cursor = try? ledger.uplinkCursor() else { return .ok(uplinkStatus()) }
        let head = ledger.headSequence, uplink = self.uplink, configured = config.platform != nil
        return try await read { reader in
            let oldest = try reader.event(seq: cursor + 1)?.at
            return uplink.json(pending: head - cursor, oldestPending: oldest, configured: configured)
        }
    }

    /// Most readings one answer holds: 8 sensors' day at 60 s is 11,520; a fridge's week at 2 sensors 20,160.
    static let maxReadings = 25_000

    func readings(fridge: String, since window: DurationArgument?) async throws -> ControlReply {
        guard config.fridges.contains(where: { $0.id == fridge }) else {
            throw ControlFailure(.notFound, "no fridge '\(fridge)'; known: \(config.fridges.map(\.id).joined(separator: ", "))")
        }
        let now = clock.now()
        let since = RFC3339.format(now.addingTimeInterval(-(window?.seconds ?? 86400)))
        let sinceText = window?.text ?? "24h"
        return try await read { reader in
            let events = try reader.events(type: Reading.type.rawValue, where: "fridge", equals: fridge, since: since,
                                           limit: Self.maxReadings + 1)
            guard events.count <= Self.maxReadings else {
                throw ControlFailure(.tooLarge, "more than \(Self.maxReadings) readings of \(fridge) in the last \(sinceText); ask for a shorter window (--since 24h)")
            }
            var rows: [JSONValue] = []
            var points: [(Date, Double)] = []
            for e in events {
                let typed: TypedEvent? = (try? e.typed()) ?? nil
                guard case .reading(let r)? = typed else { continue }
                var o: [String: JSONValue] = ["at": .string(e.at), "sensor": .string(r.sensor), "c": .number(r.celsius)]
                if let h = r.humidity { o["h"] = .number(h) }
                rows.append(.object(o))
                if let t = RFC3339.parse(e.at) { points.append((t, r.celsius)) }
            }
            var summary: [String: JSONValue] = ["count": .number(Double(points.count))]
            if !points.isEmpty {
                let values = points.map(\.1)
                summary["min_c"] = .number(values.min()!)
                summary["max_c"] = .number(values.max()!)
                summary["mean_c"] = .number(((values.reduce(0, +) / Double(values.count)) * 100).rounded() / 100)
                if let mkt = MeanKineticTemperature.compute(points, until: now) { summary["mkt_c"] = .number((mkt * 100).rounded() / 100) }
            }
            return ["fridge": .string(fridge), "since": .string(since), "summary": .object(summary), "readings": .array(rows)]
        }
    }

    func excursions(openOnly onlyOpen: Bool) async throws -> ControlReply {
        return try await read { reader in
            let types = [EventType.excursionOpened, .excursionPeak, .excursionClosed].map(\.rawValue)
            var byID: [Int: [String: JSONValue]] = [:]
            for e in try reader.events(types: types) {
                // The newest event of each excursion says how it stands; a closed one has its end and duration.
                let typed: TypedEvent? = (try? e.typed()) ?? nil
                let x: ExcursionState
                var closed: ExcursionClosed?
                switch typed {
                case .excursionOpened(let b)?: x = b.excursion
                case .excursionPeak(let b)?: x = b.excursion
                case .excursionClosed(let b)?: x = b.excursion; closed = b
                default: continue
                }
                var o = x.fields
                o["excursion"] = nil
                o["id"] = .number(Double(x.id))
                o["state"] = .string(closed == nil ? "open" : "closed")
                if let closed {
                    o["end"] = .string(RFC3339.format(closed.end))
                    o["duration_s"] = .number(closed.durationSeconds)
                } else {
                    o["duration_s"] = .number(self.clock.now().timeIntervalSince(x.start).rounded())
                }
                byID[x.id] = o
            }
            let list = byID.keys.sorted().compactMap { byID[$0] }.filter { !onlyOpen || $0["state"] == "open" }
            return .array(list.map { .object($0) })
        }
    }

    func acknowledge(alarm id: Int, note: String, peer: PeerInfo) async throws -> ControlReply {
        let hub = self.hub, now = clock.now()
        let result = try await onQueue(writeQueue) { hub.acknowledge(alarm: id, note: note, uid: peer.uid, at: now) }
        switch result {
        case .success(let e): return .ok(["acknowledged": .number(Double(id)), "seq": .number(Double(e.seq)), "uid": .number(Double(peer.uid))])
        case .failure(let f): return .failure(f)
        }
    }

    /// Streams every event the gateway records from now on, one `{"event":{...}}` line each.
    func watch(_ connection: ControlConnection) -> ControlReply {
        let hub = self.hub
        let gateway = config.gateway.id
        let listener = hub.addNewsListener { news in
            switch news {
            case .recorded(let e):
                connection.send(["event": ["id": .string(e.id(gateway: gateway)), "seq": .number(Double(e.seq)), "at": .string(e.at),
                                           "type": .string(e.type), "body": e.bodyValue, "recorded": true]])
            case .notRecorded(let e, let reason):
                // No id and no seq: it is in no ledger. The nurse sees the verdict and that it was not recorded.
                let body = (try? JSONValue.parse(Data(e.body.utf8))) ?? .null
                connection.send(["event": ["at": .string(RFC3339.format(e.at)), "type": .string(e.type), "body": body,
                                           "recorded": false, "error": .string(reason)]])
            }
        }
        connection.startStream { hub.removeListener(listener) }
        return .ok(["watching": true])
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
}
