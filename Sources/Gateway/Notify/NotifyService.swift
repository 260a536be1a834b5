import ColdChain
import Dispatch
import FoundationEssentials

/// Runs the NotifyCenter: hears the hub's alarm events, and every few seconds hands what is due to each channel's
/// queue. Replaces the plain `alarm_command` runs when `notify` is configured (a `command` channel runs it instead).
struct NotifyService: Service {
    let name = "notify"
    let center: NotifyCenter
    let hub: MonitorHub
    let clock: any WallClock
    let every: Double

    init(center: NotifyCenter, hub: MonitorHub, clock: any WallClock, every: Double = 2) {
        self.center = center; self.hub = hub; self.clock = clock; self.every = every
    }

    func run() async throws {
        let center = self.center
        let listener = hub.addListener { e, typed in
            guard typed.type.isAlarm || typed.type == .clockCorrected else { return }
            center.alarmEvent(typed, at: e.at)
        }
        defer { hub.removeListener(listener) }
        // A step only hands notices to the channels' own queues: quick, so it runs here.
        while await sleep(seconds: every) { center.step(now: clock.now()) }
    }
}
