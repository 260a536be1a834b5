import ColdChain
import Dispatch
import FoundationEssentials
import POSIX
import Synchronization

/// Polls the UPS through upsd every `power.poll` on a thread of its own (the socket calls block, each within a
/// time limit) and hands each read to the hub: on mains, on battery, battery low, or unreadable. One connection is
/// kept open between polls; any failure closes it and the next poll connects again.
final class UPSService: Service, Sendable {
    // `@unchecked`: `stopped` is a Mutex and `wake` a semaphore; everything else is set in init and never changes.
    let name = "ups"
    let settings: GatewayConfig.Power.NUT
    let poll: Double
    let debounce: Double
    let hub: MonitorHub
    let clock: any WallClock
    let log: Log
    let password: String?
    private let stopped = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)

    init(power: GatewayConfig.Power, nut: GatewayConfig.Power.NUT, hub: MonitorHub, clock: any WallClock, log: Log) {
        self.settings = nut; self.poll = power.poll; self.debounce = power.debounce; self.hub = hub; self.clock = clock; self.log = log
        password = Self.password(nut)
    }

    /// The password: `password_file`, else the systemd credential `nut-password`; its line, without the newline.
    static func password(_ nut: GatewayConfig.Power.NUT) -> String? {
        Credentials.read(file: nut.passwordFile, credential: "nut-password") { String($0.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" }) }
    }

    func run() async throws {
        try await runOnThread(named: "ups", stop: { [self] in
            stopped.withLock { $0 = true }
            wake.signal()
        }) { [self] in loop() }
    }

    static let unreadablePolls = 3

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func loop() {
        var client: NUTClient?
        defer { client?.close() }
        let source = settings.source
        // Each socket call waits at most this long, so a stop is never later than a few of them.
        let timeout = min(max(poll, 1), 5)
        var unreadableInARow = 0
        // Toward the safe side (on battery): a UPS flapping between mains and battery is on battery, once.
        var mains = InputDebouncer(debounce: debounce, safe: false)
        while !isStopped {
            var reading: SiteMonitor.PowerReading
            do {
                if client == nil { client = try NUTClient(settings, password: password, timeout: timeout) }
                reading = try Self.read(client!, source: source)
            } catch {
                client?.close()
                client = nil
                reading = .unreadable("\(error)")
            }
            if case .state(let online, let low, _) = reading {
                _ = mains.observe(online, at: monotonicSeconds())
                // Not settled yet, or a blip against the settled state: nothing new to say (the hub keeps what it has).
                // Battery low is news whatever the debounce: the gateway expects to go down.
                if mains.stable != online && !(low && !online) { _ = wake.wait(timeout: .now() + poll); continue }
            } else {
                mains.interrupted()
            }
            if case .unreadable = reading { unreadableInARow += 1 } else { unreadableInARow = 0 }
            // upsd answers "WAIT" for a second or two after it (or its driver) starts, and one lost answer is not an
            // outage: unreadable is recorded once it has lasted `unreadablePolls` polls (measured: 1 s of WAIT here).
            if unreadableInARow == 0 || unreadableInARow >= Self.unreadablePolls { hub.recordPower(source: source, reading, at: clock.now()) }
            _ = wake.wait(timeout: .now() + poll)
        }
    }

    /// One poll: `ups.status` (required), `battery.charge` and `battery.runtime` (when the UPS reports them).
    static func read(_ c: NUTClient, source: String) throws -> SiteMonitor.PowerReading {
        guard let raw = try c.get("ups.status") else { return .unreadable("the UPS reports no ups.status") }
        let status = UPSStatus(raw)
        guard let online = status.online else {
            return .unreadable("ups.status \"\(raw.truncated(40).escapedForTerminal)\" says neither on line (OL) nor on battery (OB)")
        }
        let facts = PowerFacts(source: source, status: raw.truncated(64), charge: UPSStatus.charge(try c.get("battery.charge")),
                               runtimeSeconds: UPSStatus.runtime(try c.get("battery.runtime")))
        return .state(online: online, batteryLow: status.batteryLow, facts: facts)
    }
}
