import ColdChain
import Dispatch
import FoundationEssentials

/// Runs the NotifyCenter: hears the hub's alarm events, and every few seconds, on a queue of its own, sends what is
/// due. Replaces the plain `alarm_command` runs when `notify` is configured (a `command` channel runs it instead).
struct NotifyService: Service {
    let name = "notify"
    let center: NotifyCenter
    let hub: MonitorHub
    let clock: any WallClock
    let every: Double
    let queue = DispatchQueue(label: "coldchain.notify")

    init(center: NotifyCenter, hub: MonitorHub, clock: any WallClock, every: Double = 2) {
        self.center = center; self.hub = hub; self.clock = clock; self.every = every
    }

    func run() async throws {
        let center = self.center
        let listener = hub.addListener { e, typed in
            guard typed.type.isAlarm || typed.type == .clockCorrected else { return }
            center.alarmEvent(typed, at: RFC3339.parse(e.at) ?? Date())
        }
        defer { hub.removeListener(listener) }
        while await sleep(seconds: every) {
            let now = clock.now()
            _ = try? await onQueue(queue) { center.step(now: now) }
        }
    }
}
