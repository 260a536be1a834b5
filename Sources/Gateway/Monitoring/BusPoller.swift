import ColdChain
import Dispatch
import Fieldbus
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// Polls one bus's sensors on a thread of its own (libmodbus blocks), one transaction at a time, with the bus's
/// gap between transactions; switches the bus's alarm outputs. A device that fails 3 times in a row is retried
/// only every 30 s until it answers, so it costs the others at most one timeout per 30 s. A lost link (TCP reset,
/// USB adapter unplugged) is reopened with back-off, forever: no error ends the poller.
final class BusPoller: Service, Sendable {
    let name: String
    let bus: GatewayConfig.Bus
    let sensors: [(sensor: GatewayConfig.Sensor, profile: DeviceProfile)]
    /// Door switches and mains relays on this bus, polled between the sensors on their own schedule.
    let inputs: [GatewayConfig.Input]
    let hub: MonitorHub
    let clock: any WallClock
    let log: Log
    private let stopped = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)
    /// The bus's client while the loop runs, so stopping can interrupt a wait for an answer (up to the bus timeout).
    private let activeClient = Mutex<ModbusClient?>(nil)

    static let failuresBeforeBackOff = 3
    static let defaultBackOff = 30.0
    let backOff: Double
    static let maxReconnectDelay = 30.0
    static let silentTransactionsBeforeReopen = 6

    init(bus: GatewayConfig.Bus, config: GatewayConfig, hub: MonitorHub, clock: any WallClock, log: Log,
         backOff: Double = BusPoller.defaultBackOff) {
        self.backOff = backOff
        self.name = "bus \(bus.id)"
        self.bus = bus
        self.sensors = config.fridges.flatMap(\.sensors).filter { $0.bus == bus.id }.map { ($0, config.profiles[$0.profile]!) }
        self.inputs = config.inputs.filter { $0.bus == bus.id }
        self.hub = hub
        self.clock = clock
        self.log = log
    }

    func run() async throws {
        try await runOnThread(named: "bus-\(bus.id)", stop: { [self] in
            stopped.withLock { $0 = true }
            wake.signal()
            activeClient.withLock { $0?.interrupt() }
        }) { [self] in loop() }
    }


    private var isStopped: Bool { stopped.withLock { $0 } }

    /// Sleeps `seconds` unless stopped first; false when stopped.
    private func pause(_ seconds: Double) -> Bool {
        if seconds > 0 { _ = wake.wait(timeout: .now() + seconds) }
        return !isStopped
    }

    private func loop() {
        let endpoint = ModbusEndpoint(bus.transport)
        let client: ModbusClient
        do {
            client = try ModbusClient(endpoint, timeout: bus.timeout)
        } catch {
            log.error("bus \(bus.id): cannot create a Modbus context for \(endpoint): \(error); its sensors are not polled")
            hub.reportBus(bus.id) { $0.errors += 1; $0.lastError = "\(error)" }
            return
        }
        activeClient.withLock { $0 = client }
        hub.onOutputSignal(bus: bus.id) { [wake] in wake.signal() }
        defer {
            activeClient.withLock { $0 = nil }
            client.close()
        }
        // Stopped before the client existed: nothing interrupted it, so look again.
        guard !isStopped else { return }
        let start = monotonicSeconds()
        // Stagger the first polls so a bus of many sensors does not fire them all at once.
        // Sensors first, then inputs: index i < sensors.count is a sensor, the rest are inputs.
        var due = (0..<(sensors.count + inputs.count)).map { start + Double($0) * max(bus.gap, 0.05) }
        var failures = [Int](repeating: 0, count: due.count)
        var debouncers = inputs.map { InputDebouncer(debounce: $0.debounce, safe: $0.kind == .door) }
        var inputUnreadable = [Bool](repeating: false, count: inputs.count)
        var reconnectDelay = 1.0
        var nextConnect = 0.0
        var coils: [String: Bool] = [:]
        var linkWasDown = false
        // Over TCP, transactions that all time out in a row mean a half-open connection (a Modbus gateway that
        // rebooted without a reset): reopen it rather than wait on it forever.
        var silentTransactions = 0
        let isTCP: Bool = { if case .tcp = endpoint { return true } else { return false } }()

        func noteResult(_ e: ModbusError?) {
            guard isTCP else { return }
            if e == .timeout { silentTransactions += 1 } else { silentTransactions = 0 }
            if silentTransactions >= Self.silentTransactionsBeforeReopen {
                silentTransactions = 0
                linkFailed(.connectionLost("\(Self.silentTransactionsBeforeReopen) transactions in a row got no answer"))
            }
        }

        func linkFailed(_ e: ModbusError) {
            client.close()
            nextConnect = monotonicSeconds() + reconnectDelay
            if !linkWasDown { log.warning("bus \(bus.id): \(e); reopening \(endpoint) with back-off") }
            reconnectDelay = min(reconnectDelay * 2, Self.maxReconnectDelay)
            linkWasDown = true
            hub.reportBus(bus.id) { $0.connected = false }
            // A mains relay on a bus that is down cannot be read either: power unknown, not silence.
            for (k, input) in inputs.enumerated() where input.kind == .mains && !inputUnreadable[k] {
                inputUnreadable[k] = true
                hub.recordPower(source: input.powerSource, fridge: input.fridge, .unreadable("bus \(bus.id): \(e)"), at: clock.now())
            }
        }

        while !isStopped {
            var now = monotonicSeconds()
            if !client.isConnected {
                if now < nextConnect { _ = pause(min(nextConnect - now, 1)); continue }
                do {
                    try client.connect()
                    if linkWasDown { log.notice("bus \(bus.id): \(endpoint) reopened") }
                    linkWasDown = false
                    reconnectDelay = 1
                    hub.reportBus(bus.id) { $0.connected = true }
                } catch let e as ModbusError {
                    hub.reportBus(bus.id) { $0.errors += 1; $0.lastError = e.description }
                    linkFailed(e)
                    continue
                } catch {
                    // ModbusClient throws only ModbusError; anything else is a bug worth seeing, not a silent retry.
                    log.error("bus \(bus.id): unexpected error opening \(endpoint): \(error)")
                    linkFailed(.other("\(error)"))
                    continue
                }
            }
            for o in hub.desiredOutputs() where o.bus == bus.id && coils["\(o.unit)/\(o.coil)"] != o.on {
                do {
                    try client.writeCoil(unit: o.unit, address: o.coil, on: o.on)
                    coils["\(o.unit)/\(o.coil)"] = o.on
                    noteResult(nil)
                    log.notice("bus \(bus.id): alarm output unit \(o.unit) coil \(o.coil) \(o.on ? "on" : "off")")
                } catch let e as ModbusError {
                    if e == .interrupted { return }
                    log.warning("bus \(bus.id): cannot switch alarm output unit \(o.unit) coil \(o.coil): \(e)")
                    if e.needsReconnect { linkFailed(e) } else { noteResult(e) }
                } catch {
                    log.error("bus \(bus.id): unexpected error switching unit \(o.unit) coil \(o.coil): \(error)")
                }
                guard client.isConnected else { break }
                guard pause(bus.gap) else { return }
            }
            guard client.isConnected else { continue }
            now = monotonicSeconds()
            // A verdict pattern's next step is due as much as a poll: 100 ms chirps want the coil switched on time.
            let edge = hub.nextOutputEdge(bus: bus.id, after: now).map { max(0.001, $0 - now) } ?? 1
            guard let i = due.indices.min(by: { due[$0] < due[$1] }) else { _ = pause(min(edge, 1)); continue }
            if due[i] > now { _ = pause(min(due[i] - now, edge, 1)); continue }

            if i >= sensors.count {
                let k = i - sensors.count
                let input = inputs[k]
                do {
                    let raw = try Self.readInput(client, input)
                    noteResult(nil)
                    if failures[i] >= Self.failuresBeforeBackOff { log.notice("bus \(bus.id): input \(input.id) (unit \(input.unit)) answers again") }
                    failures[i] = 0
                    let changed = debouncers[k].observe(raw != input.invert, at: monotonicSeconds())
                    if let on = changed ?? (inputUnreadable[k] ? debouncers[k].stable : nil) {
                        report(input, on: on)
                        inputUnreadable[k] = false
                    }
                    due[i] += input.poll
                    if due[i] < now { due[i] = now + input.poll }
                } catch let e as ModbusError {
                    if e == .interrupted { return }
                    failures[i] += 1
                    debouncers[k].interrupted()
                    hub.reportBus(bus.id) { $0.errors += 1; $0.lastError = "\(input.id): \(e)" }
                    if failures[i] == 1 { log.warning("bus \(bus.id): input \(input.id) (unit \(input.unit)): \(e)") }
                    // A mains input that cannot be read is power unknown, said once (the hub records only the change).
                    if input.kind == .mains && failures[i] == Self.failuresBeforeBackOff {
                        hub.recordPower(source: input.powerSource, fridge: input.fridge, .unreadable("\(e)"), at: clock.now(), wait: false)
                    }
                    if failures[i] >= Self.failuresBeforeBackOff { inputUnreadable[k] = true }
                    due[i] = monotonicSeconds() + (failures[i] >= Self.failuresBeforeBackOff ? min(backOff, 10) : input.poll)
                    if e.needsReconnect { linkFailed(e) } else { noteResult(e) }
                } catch {
                    log.error("bus \(bus.id): unexpected error reading input \(input.id): \(error)")
                    due[i] = monotonicSeconds() + input.poll
                }
                guard pause(bus.gap) else { return }
                continue
            }
            let (sensor, profile) = sensors[i]
            do {
                var replies: [[UInt16]] = []
                for (k, read) in profile.reads.enumerated() {
                    if k > 0 { guard pause(max(bus.gap, profile.pauseBetweenRequests)) else { return } }
                    replies.append(try client.readRegisters(unit: sensor.unit, table: read.table, address: read.address, count: read.count))
                }
                noteResult(nil)
                let (t, h) = profile.decode(replies)
                // Not waiting for the disk: the next poll is due on time whatever an fsync takes.
                hub.record(sensor: sensor.id, at: clock.now(), temperature: t, humidity: h, wait: false)
                if failures[i] >= Self.failuresBeforeBackOff {
                    log.notice("bus \(bus.id): sensor \(sensor.id) (unit \(sensor.unit)) answers again")
                    hub.reportBus(bus.id) { $0.backedOff.removeAll { $0 == sensor.id } }
                }
                failures[i] = 0
                due[i] += sensor.poll
                if due[i] < now { due[i] = now + sensor.poll }  // after a stall, skip the missed polls
            } catch let e as ModbusError {
                if e == .interrupted { return }
                failures[i] += 1
                hub.reportBus(bus.id) { $0.errors += 1; $0.lastError = "\(sensor.id): \(e)" }
                if failures[i] == 1 { log.warning("bus \(bus.id): sensor \(sensor.id) (unit \(sensor.unit)): \(e)") }
                if failures[i] >= Self.failuresBeforeBackOff {
                    if failures[i] == Self.failuresBeforeBackOff {
                        log.warning("bus \(bus.id): sensor \(sensor.id) failed \(failures[i]) times; retrying every \(Int(backOff)) s")
                        hub.reportBus(bus.id) { $0.backedOff.append(sensor.id) }
                    }
                    due[i] = monotonicSeconds() + backOff
                } else {
                    due[i] = monotonicSeconds() + min(sensor.poll, 5)
                }
                if e.needsReconnect { linkFailed(e) } else { noteResult(e) }
            } catch {
                log.error("bus \(bus.id): unexpected error polling sensor \(sensor.id): \(error)")
                due[i] = monotonicSeconds() + min(sensor.poll, 5)
            }
            guard pause(bus.gap) else { return }
        }
    }
}

extension BusPoller {
    /// One input's raw bit: a coil or discrete input, or a register read as non-zero.
    static func readInput(_ client: ModbusClient, _ input: GatewayConfig.Input) throws -> Bool {
        switch input.table {
        case .discrete, .coil: return try client.readBits(unit: input.unit, coils: input.table == .coil, address: input.address, count: 1).first ?? false
        case .input, .holding:
            return try client.readRegisters(unit: input.unit, table: input.table == .input ? .input : .holding, address: input.address, count: 1)
                .first.map { $0 != 0 } ?? false
        }
    }

    /// A settled input value to the hub: a door open or shut, mains on or off.
    func report(_ input: GatewayConfig.Input, on: Bool) {
        switch input.kind {
        case .door:
            guard let fridge = input.fridge else { return }
            hub.recordDoor(input: input.id, fridge: fridge, open: on, at: clock.now(), wait: false)
        case .mains:
            hub.recordPower(source: input.powerSource, fridge: input.fridge,
                            .state(online: on, batteryLow: false, facts: PowerFacts(source: input.powerSource, fridge: input.fridge)), at: clock.now(),
                            wait: false)
        }
    }
}

/// Raises no_data for silent sensors: time passing is an input of its own.
struct MonitorTickService: Service {
    let name = "monitor-tick"
    let hub: MonitorHub
    let clock: any WallClock
    let every: Double

    // The hub appends to the ledger, which blocks until durable: that happens on this queue, not the pool.
    let queue = DispatchQueue(label: "coldchain.monitor.tick")

    func run() async throws {
        while await sleep(seconds: every) {
            let (hub, now) = (self.hub, clock.now())
            _ = try? await onQueue(queue) { hub.tick(at: now) }
        }
    }
}
