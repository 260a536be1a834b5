import CShims
import ColdChain
import Control
import POSIX
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
    /// The daily backup, when `storage.backup` is configured.
    let backups: Backups?
    /// The clinic's calendar: the record sheet's days and half-days are local.
    let calendar: ClinicCalendar
    /// When the ledger's first event was recorded: its growth a day is measured from there.
    let ledgerSince: Date
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
    let backupQueue = DispatchQueue(label: "coldchain.control.backup")
    /// Escalation to people, when `notify` is configured (`notify test` sends through it).
    let notify: NotifyCenter?
    let notifyQueue = DispatchQueue(label: "coldchain.control.notify")
    /// The daemon's log, for what another program of ours reports (coldchain-web's locked logins).
    let log: Log

    init(config: GatewayConfig, ledger: Ledger, hub: MonitorHub, scans: ScanHub, uplink: UplinkState, startedAt: Date, clock: any WallClock,
         anchorProblem: String? = nil, backups: Backups? = nil, calendar: ClinicCalendar = ClinicCalendar(offset: LocalTime.utcOffset),
         ledgerSince: Date? = nil, notify: NotifyCenter? = nil, log: Log = Log()) {
        self.notify = notify; self.log = log
        self.config = config; self.ledger = ledger; self.hub = hub; self.scans = scans; self.uplink = uplink; self.backups = backups
        self.calendar = calendar; self.ledgerSince = ledgerSince ?? startedAt
        self.startedAt = startedAt; self.clock = clock; self.anchorProblem = anchorProblem
    }

    func handle(_ request: ControlRequest, peer: PeerInfo, connection: ControlConnection) async -> ControlReply {
        do {
            return try await dispatch(request, peer: peer, connection: connection)
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
        (try? Commands.find(request))?.narrowing ?? "ask for less"
    }

    /// The daily backup, now, on its own queue: a first full copy of years takes minutes, and acknowledgements and
    /// checks go through `writeQueue` meanwhile.
    func backupNow() async throws -> ControlReply {
        guard let backups else { throw ControlFailure(.unavailable, "no backup is configured (storage.backup: { dir, keep })") }
        let now = clock.now()
        switch try await onQueue(backupQueue, { backups.run(at: now) }) {
        case .success(let reply): return try .result(reply)
        case .failure(let f): return .failure(f)
        }
    }

    /// `body` on a snapshot of the ledger: a reader of its own, on the read queue, within the bound on heavy queries.
    func reading<T: Sendable>(_ body: @escaping @Sendable (LedgerReader) throws -> T, drained: @escaping @Sendable () -> Void = {}) async throws -> T {
        let path = ledger.path, queue = readQueue
        return try await heavy.run({
            try await onQueue(queue) {
                let reader = try LedgerReader(path: path)
                defer { reader.close() }
                return try body(reader)
            }
        }, drained: drained)
    }

    func read(_ body: @escaping @Sendable (LedgerReader) throws -> some Encodable) async throws -> ControlReply {
        .ok(try await reading({ reader in
            let value = try JSONValue(encoding: try body(reader))
            // Measured here, inside the bound: an answer too long to send is dropped before the next query runs
            // (60 parallel 6 MB answers measured outside it peaked at 166 MB). The server checks again.
            let size = value.serialized.utf8.count
            guard size <= ControlProtocol.maxReply else { throw AnswerTooLarge(bytes: size) }
            return value
        }, drained: {
            // A big answer's memory goes back to the system once no query runs (glibc would keep it).
            _ = cc_malloc_trim()
        }))
    }

    func status() -> StatusReply {
        let now = clock.now()
        let platform = config.platform.map { PlatformInfo(configured: true, url: $0.address, format: $0.mqtt?.format.rawValue ?? $0.format.rawValue) }
            ?? PlatformInfo(configured: false, state: "not configured: nothing is forwarded")
        // What needs a person now, said first: `status` prints these above everything else.
        var problems: [String] = anchorProblem.map { [$0] } ?? []
        let writeFailure = ledger.writeFailure, noisy = scans.noisyScanners()
        if let f = writeFailure {
            problems.append("ledger: cannot write since \(RFC3339.format(f.since)): \(f.error)" +
                            (hub.unrecordedSummary.map { "; not recorded so far: \($0)" } ?? ""))
        }
        problems += backups?.problems(now: now) ?? []
        for n in noisy {
            problems.append("scanner \(n.scanner): noisy line since \(n.since), \(n.notRecordedIndividually) unrecognised codes counted, not recorded one by one")
        }
        let size = fileSize(at: ledger.path) + fileSize(at: ledger.path + "-wal")
        let outlook = (try? freeBytes(at: ledger.path)).map {
            StorageOutlook.at(now, sizeBytes: size, since: ledgerSince, freeBytes: $0, config: config)
        }
        if let warning = outlook?.warning { problems.append(warning) }
        let clockInfo = clockStatus(now: now)
        if clockInfo?.behind == true, let c = clockInfo {
            problems.append("clock: the system clock reads \(c.system), behind the record (\(c.recorded)); events are recorded at the record's time until it is right")
        }
        if let c = clockInfo, let ahead = c.aheadSeconds {
            problems.append("clock: the system clock reads \(c.system), \(DurationText.describe(ahead)) ahead of the record (\(c.recorded)); events are "
                            + "recorded at the record's time until it comes back or is confirmed (synchronised, or steady for clock.confirm_after)")
        }
        for (channel, n) in (notify?.retrying ?? [:]).sorted(by: { $0.key < $1.key }) {
            problems.append("notify: \(n) notice(s) to \(channel) failed and wait to be retried (coldchainctl alarms; the log says why)")
        }
        if let notify {
            for (channel, used) in notify.smsUsed(now: now).sorted(by: { $0.key < $1.key }) where used * 5 >= notify.plan.smsPerDay * 4 {
                problems.append("notify: \(channel) sent \(used) of its \(notify.plan.smsPerDay) SMS a day in the last 24 hours"
                                + (used >= notify.plan.smsPerDay ? "; further SMS are refused and recorded until older ones age out (notify.sms_per_day)" : ""))
            }
        }
        let exposure = scans.exposure(now: now)
        for (x, doses) in exposure.awaiting.sorted(by: { $0.key < $1.key }) {
            problems.append("stock: \(doses.count) dose(s) in \(exposure.fridges[x] ?? "?") sat through excursion \(x) and await a decision: "
                            + "coldchainctl assess \(x) --release|--discard --by NAME --note TEXT")
        }
        for (x, doses) in exposure.toDiscard.sorted(by: { $0.key < $1.key }) {
            problems.append("stock: \(doses.count) dose(s) from excursion \(x) are to be discarded: scan them in discard mode")
        }
        let site = hub.siteStatus()
        for p in site.power {
            switch p.state {
            case .unknown:
                problems.append("power: \(p.source) cannot be read" + (p.since.map { " since \($0)" } ?? "") + ": \((p.error ?? "?").escapedForTerminal)"
                                + (p.lastKnown.map { "; last known \($0 == .online ? "on mains" : "ON BATTERY")" } ?? ""))
            case .onBattery:
                problems.append("power: \(p.source) ON BATTERY since \(p.since ?? "?")" + (p.batteryLow ? ", BATTERY LOW" : "")
                                + (p.charge.map { ", charge \(Int(exactly: $0.rounded()) ?? 0) %" } ?? "")
                                + (p.runtimeSeconds.map { ", about \(DurationText.describe($0)) left" } ?? ""))
            case .online: break
            }
        }
        let ledgerInfo = LedgerInfo(path: ledger.path, headSeq: ledger.headSequence, sizeBytes: size,
                                    writeError: writeFailure.map { .init(since: RFC3339.format($0.since), error: $0.error) }, outlook: outlook)
        return StatusReply(problems: problems, gateway: GatewayIdentity(id: config.gateway.id, site: config.gateway.site),
                           version: Version.current, pid: Int(getpid()), startedAt: RFC3339.format(startedAt),
                           uptimeSeconds: now.timeIntervalSince(startedAt).rounded(), ledger: ledgerInfo, scanners: noisy,
                           fridges: hub.fridgeStatus(now: now), buses: hub.busStatus(), alarms: hub.openAlarms.map(\.summary), platform: platform,
                           uplink: uplinkStatus(), backup: backups?.status(), clock: clockInfo,
                           power: site.power, doors: site.doors, scannerStates: config.scanners.isEmpty ? nil : scans.scannerStates())
    }

    func clockStatus(now: Date) -> ClockInfo? {
        guard let rc = hub.recordClock else { return nil }
        let sync = ClockSync.read().isSynchronised
        return ClockInfo(synchronised: sync, behind: rc.isBehind, aheadSeconds: rc.aheadSeconds, system: RFC3339.format(rc.systemNow()), recorded: RFC3339.format(now))
    }

    /// The chain, checked against the head the platform confirmed and the anchors the caller gives.
    func verify(_ given: [String]) async throws -> ControlReply {
        var anchors: [LedgerAnchor] = []
        for text in given {
            guard let a = LedgerAnchor.parse(text) else {
                throw ControlFailure(.invalidArgument, Commands.Verify.anchorForm)
            }
            anchors.append(a)
        }
        if let confirmed = ledger.confirmedHead() { anchors.append(confirmed) }
        let given = anchors
        return try await read { try $0.verify(anchors: given) }
    }

    /// The uplink's part of `status`; an unreadable cursor is said, not shown as "everything pending".
    func uplinkStatus() -> UplinkStatus {
        do {
            return uplink.status(pending: ledger.headSequence - (try ledger.uplinkCursor()), oldestPending: nil, configured: config.platform != nil)
        } catch {
            return UplinkStatus(state: .unknown, pending: nil, sent: nil, lastError: "cannot read the uplink cursor: \(error)")
        }
    }

    func outbox() async throws -> ControlReply {
        guard let cursor = try? ledger.uplinkCursor() else { return try .result(uplinkStatus()) }
        let head = ledger.headSequence, uplink = self.uplink, configured = config.platform != nil
        return try await read { reader in
            let oldest = try reader.event(seq: cursor + 1)?.recordedAt
            return uplink.status(pending: head - cursor, oldestPending: oldest, configured: configured)
        }
    }

    /// A fridge's readings over any window, from the readings index, in parts as the client reads them: memory
    /// stays one part on each side whatever the window (before, 30 days was an 8 MB reply that reset the client).
    /// With `every`, min/max/mean per sensor and bucket. The summary covers every reading of the window.
    func readings(fridge: String, since window: DurationArgument?, every: DurationArgument?, connection: ControlConnection) async throws -> ControlReply {
        _ = try config.fridge(fridge)
        let now = clock.now()
        let seconds = window?.seconds ?? 86400
        var start = now.addingTimeInterval(-seconds)
        // Buckets start on the clinic's clock: a 15-minute bucket at 22:45, not at 22:57:21 (the window's start,
        // moved back to the bucket's boundary in local time).
        if let every {
            let offset = Double(calendar.offsetSeconds(at: start))
            let local = start.timeIntervalSince1970 + offset
            start = Date(timeIntervalSince1970: (local / every.seconds).rounded(.down) * every.seconds - offset)
        }
        let from = start
        if let every, seconds / every.seconds > ControlArguments.maxBuckets {
            throw ControlFailure(.invalidArgument, "--every \(every.text) over \(window?.text ?? "24h") is more than \(Int(ControlArguments.maxBuckets)) buckets; ask for wider buckets")
        }
        let header = ReadingsHeader(fridge: fridge, since: RFC3339.format(from), every: every?.text)
        return try await inParts(connection, header: header) { reader, send in
            var stats = ReadingStats()
            var rows: [ReadingRow] = []
            try reader.forEachReading(fridge: fridge, from: from, to: now.addingTimeInterval(1)) { r in
                stats.add(r.date, r.celsius)
                guard every == nil else { return true }
                rows.append(ReadingRow(at: RFC3339.format(r.date), sensor: r.sensor, celsius: r.celsius, humidity: r.humidity))
                if rows.count == ControlParts.rows {
                    guard try send(ReadingsPart(readings: rows)) else { return false }
                    rows.removeAll(keepingCapacity: true)
                }
                return true
            }
            if !rows.isEmpty { _ = try send(ReadingsPart(readings: rows)) }
            if let every {
                let buckets = try reader.readingBuckets(fridge: fridge, from: from, to: now.addingTimeInterval(1), every: every.seconds)
                for chunk in stride(from: 0, to: buckets.count, by: ControlParts.rows) {
                    let part = buckets[chunk..<min(chunk + ControlParts.rows, buckets.count)].map { b in
                        BucketRow(from: RFC3339.format(Date(timeIntervalSince1970: Double(b.startMillis) / 1000)), sensor: b.sensor, count: b.count,
                                  minC: b.minC, maxC: b.maxC, meanC: (b.meanC * 100).rounded() / 100)
                    }
                    guard try send(ReadingsPart(buckets: part)) else { break }
                }
            }
            var summary = ReadingsSummary(count: stats.count)
            if stats.count > 0 {
                summary.minC = stats.minC; summary.maxC = stats.maxC; summary.meanC = stats.meanC; summary.mktC = stats.mktC(until: now)
            }
            return ReadingsEnd(summary: summary)
        }
    }

    /// Runs a query whose result goes out in parts: the header now, then each part `body` sends (waiting, on the
    /// query's queue, while the client has not read the last ones), then `body`'s result as the end.
    func inParts<Header: Encodable & Sendable, End: Encodable>(
        _ connection: ControlConnection, header: Header,
        _ body: @escaping @Sendable (LedgerReader, (any Encodable) throws -> Bool) throws -> End
    ) async throws -> ControlReply {
        let highWater = ControlLimits().outputHighWater
        return .ok(try await reading({ reader in
            guard connection.beginParts(try JSONValue(encoding: header)) else { return .null }
            return try JSONValue(encoding: try body(reader) { part in try connection.part(part, highWater: highWater) })
        }, drained: { _ = cc_malloc_trim() }))
    }

    func excursions(openOnly onlyOpen: Bool) async throws -> ControlReply {
        try await read { reader in try self.excursionRows(reader).filter { !onlyOpen || $0.open } }
    }

    /// Every excursion as it stands: the newest event of each.
    func excursionRows(_ reader: LedgerReader) throws -> [ExcursionRow] {
        var byID: [Int: ExcursionRow] = [:]
        for e in try reader.latestExcursionEvents() {
            // The newest event of each excursion says how it stands; a closed one has its end and duration.
            let typed: TypedEvent? = (try? e.typed()) ?? nil
            switch typed {
            case .excursionOpened(let b)?: byID[b.excursion.id] = self.openRow(b.excursion)
            case .excursionPeak(let b)?: byID[b.excursion.id] = self.openRow(b.excursion)
            case .excursionClosed(let b)?:
                byID[b.excursion.id] = ExcursionRow(excursion: b.excursion, open: false, end: RFC3339.format(b.end),
                                                    durationSeconds: b.durationSeconds)
            default: continue
            }
        }
        return byID.keys.sorted().compactMap { byID[$0] }
    }

    /// `status`'s memory: the excursions and alarms of the last `hours`, open or closed, from the ledger (so a
    /// restart does not forget them). Read on the read queue: it never waits for a write.
    func recentHistory(hours: Int = 24) async -> RecentHistory? {
        let now = clock.now(), from = now.addingTimeInterval(-Double(hours) * 3600)
        return try? await reading { reader in
            let excursions = try self.excursionRows(reader).filter { row in
                row.open || (row.end.flatMap(RFC3339.parse).map { $0 >= from } ?? false)
            }
            return RecentHistory(hours: hours, excursions: excursions, alarms: try Self.alarms(reader, from: from).alarms)
        }
    }

    func openRow(_ x: ExcursionState) -> ExcursionRow {
        ExcursionRow(excursion: x, open: true, end: nil, durationSeconds: clock.now().timeIntervalSince(x.start).rounded())
    }

    func acknowledge(alarm id: Int, note: String, by: String?, peer: PeerInfo) async throws -> ControlReply {
        let hub = self.hub, now = clock.now()
        let name = by ?? UserName.of(uid: Int(peer.uid))
        let result = try await onQueue(writeQueue) { hub.acknowledge(alarm: id, note: note, uid: peer.uid, by: name, at: now) }
        switch result {
        case .success(let e): return try .result(AckReply(acknowledged: id, seq: e.seq, uid: peer.uid))
        case .failure(let f): return .failure(f)
        }
    }

    func check(_ fridge: String, celsius: Double, by: String, note: String?, peer: PeerInfo) async throws -> ControlReply {
        let hub = self.hub, now = clock.now()
        let result = try await onQueue(writeQueue) { hub.recordInspection(fridge: fridge, celsius: celsius, by: by, note: note, uid: peer.uid, at: now) }
        switch result {
        case .success(let (e, body)): return try .result(CheckReply(seq: e.seq, at: e.recordedAt, body: body))
        case .failure(let f): return .failure(f)
        }
    }

    /// Streams every event the gateway records from now on, one `{"event":{...}}` line each.
    func watch(_ connection: ControlConnection) throws -> ControlReply {
        let hub = self.hub
        let gateway = config.gateway.id
        let scans = self.scans
        let listener = hub.addNewsListener { news in
            var event: WatchEvent
            let body: TypedEvent
            switch news {
            case .recorded(let e, let typed):
                body = typed
                event = WatchEvent(id: e.id(gateway: gateway), seq: e.seq, at: e.recordedAt, type: e.type, body: typed.body.json, recorded: true, error: nil)
            case .notRecorded(let e, let typed, let reason):
                // No id and no seq: it is in no ledger. The nurse sees the verdict and that it was not recorded.
                body = typed
                event = WatchEvent(id: nil, seq: nil, at: RFC3339.format(e.at), type: e.type, body: typed.body.json, recorded: false, error: reason)
            }
            if case .scan(let s) = body, let name = s.product.flatMap({ scans.productName($0) }) { event.notes = ["name": name] }
            if let line = try? JSONValue(encoding: WatchLine(event: event)) { connection.send(line) }
        }
        connection.startStream { hub.removeListener(listener) }
        return try .result(WatchStarted(watching: true))
    }
}
